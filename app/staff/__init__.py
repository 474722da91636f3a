"""The staff area: accounts bound to a Kommune, login with TOTP, sessions, CSRF, audit.

Modules: `models` (tables), `passwords` (SEC-01), `totp` (SEC-02),
`ratelimit` (SEC-03/17), `sessions` (SEC-05/06), `csrf` (SEC-10), `auth`
(`require_staff`, the dependency every staff route uses), `scope` (Kommune
scoping in the query layer, SEC-08/PRIV-12), `audit` (PRIV-13), `accounts`
(create/authenticate/disable), `web` (no-store, login redirects),
`routes` and `users` (pages), `cli` (`lotse user …`, `lotse audit verify`).
"""
