"""The person index: one pseudonymous person id for a child across agencies, found by probabilistic matching,
corrected by people, audited, and erasable by destroying the child's own key."""
