"""The staff area: accounts bound to a Kommune, login with TOTP, sessions, audit.

Modules: `models` (tables), `passwords` (SEC-01), `totp` (SEC-02),
`sessions` (SEC-05/06), `auth` (`require_staff`, the dependency every staff
route uses), `scope` (Kommune scoping in the query layer, SEC-08/PRIV-12),
`audit` (PRIV-13), `accounts` (create/authenticate/disable), `web` (no-store,
login redirects), `routes` (login, account, start page, user admin). CSRF
(SEC-10) and rate limits (SEC-03/17) are in the kit, `app.web.csrf` and
`app.web.ratelimit`; the command line (`lotse user …`, `lotse audit verify`)
is `ops.staff`.
"""
