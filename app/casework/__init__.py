"""The case managers' work on referrals: `inbox` (scoped queries, workflow changes,
assignment, notes, hand-over) and `routes` (`/staff/referrals`)."""
