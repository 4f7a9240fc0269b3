"""The rules of the person index: demographics, identifiers, matching, persons, reviews, disclosure and audit
entries. No I/O."""
