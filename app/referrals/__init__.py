"""The warm referral: a person (or a volunteer for them) asks a KIM case manager for help.

Modules: `models` (tables), `consent` (Art. 13/14 text, proof), `service`
(submit, look up, withdraw — API and form share it), `routes` (the public form
and the JSON API), `workflow` (KIM phases), `notify` (mail outbox),
`retention`, `erasure`, `rotation` (key rotation), `shred` (crypto-shredding after
an erasure: a rotation). The case managers' inbox is `app.casework`; the timer that
runs the outbox, retention and the shred is `app.jobs`; the
command line (`lotse referrals …`, `lotse keys rotate`) is `ops.referrals`.
"""
