"""The secure message thread between a case manager and the person (issue 14, deliverable 4)."""
