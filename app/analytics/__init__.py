"""Anonymous figures for the Koordinierungsstelle: search events, scrubbed unanswered
questions, k-anonymous tables, the gap report, charts and exports.

Routes call one function per fact (`app.analytics.record`): `record_search`
when an answer is shown, `record_feedback` for "did this help?",
`record_referral` when a referral follows an answer. Nothing here stores an
IP address, a session or raw question text.
"""
