"""Deny by default (SEC-07): every route off the explicit public list needs staff auth.

Add a public route here deliberately, with a reason. Every other route must
use `require_staff(...)` (app/staff/auth.py); the test checks that both in
the route's dependency tree and by calling it without a session.
"""

import re

from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import Mount

#: (method, path) pairs anyone may call, and why.
PUBLIC = {
    ("GET", "/"),  # newcomer start and answer page
    # the newcomer's conversation: anonymous, its own random cookie (issue 4)
    ("GET", "/conversation/places"),  # place suggestions (reference data)
    ("POST", "/conversation/place"),
    ("POST", "/conversation/ask"),
    ("POST", "/conversation/reply"),
    ("POST", "/conversation/feedback"),
    ("POST", "/conversation/delete"),
    # the pre-check and the Personal Book: no account, nothing about the person stored (issue 18)
    ("GET", "/precheck"),
    ("GET", "/precheck/result"),
    ("GET", "/book"),
    ("GET", "/book/counter"),
    ("GET", "/api/v1/search"),  # public search API (DESIGN.md)
    ("GET", "/api/v1/kommunen"),  # public reference data
    ("GET", "/healthz"),  # process up
    ("GET", "/readyz"),  # store and index loaded
    ("GET", "/metrics"),  # Prometheus: internal networks only, 404 elsewhere (app/monitoring)
    ("GET", "/api/docs"),  # OpenAPI documentation
    ("GET", "/docs/oauth2-redirect"),  # FastAPI swagger helper page
    ("GET", "/api/openapi.json"),
    # who is responsible: general rules, no personal data, nothing stored (issue 7)
    ("GET", "/responsibility"),  # volunteer page
    ("GET", "/api/v1/responsibility"),
    ("GET", "/api/v1/responsibility/options"),
    # the public directory as HSDS 3.1 (issue 6): offers only, no personal data
    ("GET", "/api/v1/hsds/"),
    ("GET", "/api/v1/hsds/services"),
    ("GET", "/api/v1/hsds/services/{service_id}"),
    ("GET", "/api/v1/hsds/organizations"),
    ("GET", "/api/v1/hsds/organizations/{organization_id}"),
    ("GET", "/api/v1/hsds/service_at_locations"),
    ("GET", "/api/v1/hsds/service_at_locations/{sal_id}"),
    ("GET", "/api/v1/hsds/taxonomies"),
    ("GET", "/api/v1/hsds/taxonomies/{taxonomy_id}"),
    ("GET", "/api/v1/hsds/taxonomy_terms"),
    ("GET", "/api/v1/hsds/taxonomy_terms/{term_id}"),
    ("GET", "/staff/login"),  # the login form itself
    ("POST", "/staff/login"),
    # the warm referral: newcomers and volunteers have no account (rate-limited, consent)
    ("GET", "/referral"),
    ("POST", "/referral"),
    ("GET", "/referral/status"),
    ("POST", "/referral/status"),  # needs reference + secret
    ("POST", "/referral/withdraw"),  # needs reference + secret
    ("POST", "/referral/messages/answer"),  # needs reference + secret (the message thread)
    ("POST", "/api/v1/referrals"),
    ("GET", "/api/v1/referrals/consent"),
    ("POST", "/api/v1/referrals/status"),
    ("POST", "/api/v1/referrals/withdraw"),
    # volunteers (issue 4): the public directory, sheets and share links, no personal data
    ("GET", "/browse"),
    ("GET", "/offer/{offer_id}"),
    ("GET", "/list"),
    # the installable web app: manifest, service worker, offline and saved-offers pages
    ("GET", "/manifest.webmanifest"),
    ("GET", "/sw.js"),
    ("GET", "/offline"),
    ("GET", "/saved"),
    # accessibility statement (BITV NRW) and the Leichte Sprache explanation, on every page
    ("GET", "/accessibility"),
    ("GET", "/leichte-sprache"),
    # corrections (issue 16): the public suggests a correction without any personal data;
    # a provider's page is guarded by its single-use, expiring link token
    ("GET", "/offer/{offer_id}/suggest"),
    ("POST", "/offer/{offer_id}/suggest"),
    ("GET", "/provider/{token}"),
    ("POST", "/provider/{token}/confirm"),
    ("POST", "/provider/{token}/propose"),
}
PUBLIC_MOUNTS = {"/static"}


def _guards(dependant) -> bool:
    if getattr(dependant.call, "roles", None) is not None:
        return True
    return any(_guards(d) for d in dependant.dependencies)


def _routes(app):
    """(method, path, original route) of every route, included routers flattened."""
    for ctx in iter_route_contexts(app.routes):
        route = ctx.original_route
        if isinstance(route, Mount):
            yield "MOUNT", ctx.path, route
        elif ctx.methods:
            for method in sorted(ctx.methods - {"HEAD"}):
                yield method, ctx.path, route


def test_every_route_is_public_on_purpose_or_guarded(make_light_client):
    c = make_light_client()
    checked = 0
    for method, path, route in _routes(c.app):
        if method == "MOUNT":
            assert path in PUBLIC_MOUNTS, f"mount {path} is not on the public list"
            continue
        if (method, path) in PUBLIC:
            continue
        assert isinstance(route, APIRoute) and _guards(route.dependant), (
            f"{method} {path} is neither public nor guarded by require_staff")
        url = re.sub(r"\{[^}]+\}", "00000000-0000-0000-0000-000000000000", path)
        r = c.request(method, url, follow_redirects=False)
        if r.status_code == 303:
            assert r.headers["location"].startswith("/staff/login"), (method, path)
        else:
            assert r.status_code == 401, (method, path, r.status_code)
        assert r.headers["cache-control"] == "no-store"
        checked += 1
    assert checked >= 5  # the staff area exists and was walked


def test_public_list_names_only_existing_routes(make_light_client):
    c = make_light_client()
    present = {(m, p) for m, p, _ in _routes(c.app)}
    assert present >= PUBLIC, PUBLIC - present


def test_wrong_role_is_refused(make_light_client):
    from staffkit import staff_client

    c, _, _ = staff_client(make_light_client, "edi", ("editor",))
    assert c.get("/staff/users").status_code == 403
    assert c.get("/staff").status_code == 200
