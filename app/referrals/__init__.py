"""The warm referral: a person (or a volunteer for them) asks a KIM case manager for help.

Modules: `models` (tables), `consent` (Art. 13/14 text, proof), `service`
(submit, look up, withdraw — API and form share it), `api` and `pages`
(public routes), `workflow` (KIM phases), `inbox` and `inbox_pages` (case
managers), `notify` (mail outbox), `retention`, `erasure`, `jobs`
(background timer), `rotation` (key rotation), `cli` (`lotse referrals …`).
"""
