"""The person index's use cases: matching, deciding reviews, correcting links and merges, erasing, reading. Each
is one function given its unit of work by name; every attempt is authorised and audited."""
