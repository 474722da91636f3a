"""Editor pages under /staff/offers with the real app in process and real staff logins.

Each test gets an app on its own store and its own (model-free) search engine, so the
offers it writes never reach another test's index.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from staffkit import add_user, csrf_of, login, staff_client

from app.staff.models import AuditEntry
from directory import drafts, editing
from index.engine import SearchEngine


def own_engine(c):
    services = c.app.state.services
    services.engine = SearchEngine(None)
    services.engine.build(services.store.offers())
    return services.engine


def editor(make_light_client, kommune="demo", username="ed.demo", roles=("editor",)):
    c, uid, _ = staff_client(make_light_client, username, roles, kommune)
    own_engine(c)
    return c


def form_of(draft: dict, token: str, version: str = "") -> list[tuple[str, str]]:
    """The form fields a browser sends for a draft (the inverse of app.editors.form)."""
    out = [("csrf_token", token), ("version", version)]
    for k in drafts.SCALARS:
        v = draft.get(k)
        if k in drafts.BOOLEANS:
            if v:
                out.append((k, "1"))
        elif k != "status":
            out.append((k, "" if v is None else str(v)))
    for k in ("gemeinden", "topics", "residence_statuses"):
        out += [(k, x) for x in draft.get(k) or []]
    out.append(("languages", ", ".join(draft.get("languages") or [])))
    for key, parts in drafts.ROWS.items():
        for i, row in enumerate(draft.get(key) or []):
            for p in parts:
                if p == "days":
                    out += [(f"{key}-{i}-days", d) for d in row.get("days") or []]
                else:
                    out.append((f"{key}-{i}-{p}", "" if row.get(p) is None else str(row[p])))
    for lang in drafts.TRANSLATION_LANGUAGES:
        t = draft.get(f"tr.{lang}") or {}
        out += [(f"tr-{lang}-name", t.get("name") or ""),
                (f"tr-{lang}-description", t.get("description") or "")]
        if t.get("needs_review"):
            out.append((f"tr-{lang}-needs_review", "1"))
    return out


def post(c, path, fields, **kw):
    body = "&".join(f"{_q(k)}={_q(v)}" for k, v in fields)
    return c.post(path, content=body, headers={
        "content-type": "application/x-www-form-urlencoded", **kw.pop("headers", {})},
        follow_redirects=False, **kw)


def _q(s: str) -> str:
    from urllib.parse import quote_plus

    return quote_plus(s)


def new_offer(**over) -> dict:
    d = drafts.empty()
    d.update({"name": "Fahrradwerkstatt für Geflüchtete", "organization": "Rad e. V.",
              "description": "Räder reparieren, Deutsch sprechen.", "topics": ["ehrenamt"],
              "kommune_id": "demo", "languages": ["de", "fa"],
              "phones": [{"number": "0211 12345", "description": "Werkstatt"}],
              "schedule": [{"days": ["SA"], "opens": "10:00", "closes": "14:00"}],
              "tr.ar": {"name": "ورشة دراجات", "description": "إصلاح الدراجات",
                        "needs_review": True}})
    d.update(over)
    return d


def snapshot(c, offer_id):
    with c.app.state.services.store.session() as s:
        return editing.load(s, offer_id)[1]


def demo_offer_id(c) -> str:
    return next(o.id for o in c.app.state.services.store.offers(kommune_id="demo")
                if o.kommune_id == "demo")


def audit_actions(c) -> list[str]:
    with c.app.state.services.store.session() as s:
        return list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def create_elsewhere(c, kommune="duesseldorf") -> str:
    store = c.app.state.services.store
    with store.session.begin() as s:
        saved = editing.create(s, new_offer(kommune_id=kommune, name="Radtreff Düsseldorf"),
                               editing.Actor("x", "Import"),
                               drafts.choices(s, ["SGB II"]))
    return saved.offer_id


def test_editor_creates_an_offer_that_is_searchable_at_once(make_light_client):
    c = editor(make_light_client)
    token = csrf_of(c, "/staff/offers/new")
    r = post(c, "/staff/offers/new", form_of(new_offer(), token))
    assert r.status_code == 303, r.text
    offer_id = r.headers["location"].split("/")[3].split("?")[0]
    page = c.get(r.headers["location"])
    assert page.status_code == 200 and "Gespeichert" in page.text
    assert 'value="Fahrradwerkstatt für Geflüchtete"' in page.text
    hits = c.app.state.services.engine.search("Fahrradwerkstatt", kommune="demo").results
    assert hits and hits[0].id == offer_id
    found = c.get("/api/v1/search", params={"q": "Fahrradwerkstatt", "kommune": "demo"}).json()
    assert found["results"][0]["id"] == offer_id
    assert "offer.create" in audit_actions(c)
    listing = c.get("/staff/offers", params={"q": "fahrrad"})
    assert "Fahrradwerkstatt" in listing.text and listing.headers["cache-control"] == "no-store"


def test_errors_are_german_next_to_the_field_and_input_is_kept(make_light_client):
    c = editor(make_light_client)
    token = csrf_of(c, "/staff/offers/new")
    bad = new_offer(name="", min_age="40", max_age="12",
                    phones=[{"number": "ruf mich an", "description": "Büro <b>"}])
    r = post(c, "/staff/offers/new", form_of(bad, token))
    assert r.status_code == 422
    assert 'id="name" name="name" aria-invalid="true" aria-describedby="name-error"' in r.text
    assert re.search(r'id="name-error">Bitte füllen Sie dieses Feld aus\.<', r.text)
    assert "Die obere Altersgrenze darf nicht unter der unteren liegen." in r.text
    assert 'id="phones-0-number-error"' in r.text
    assert 'value="ruf mich an"' in r.text and 'value="Büro &lt;b&gt;"' in r.text
    assert "ورشة دراجات" in r.text  # translations kept too
    assert c.app.state.services.store.offers(ids=[]) == []


def test_htmx_save_redirects_and_errors_swap_the_content(make_light_client):
    c = editor(make_light_client)
    token = csrf_of(c, "/staff/offers/new")
    hx = {"HX-Request": "true", "X-CSRF-Token": token}
    r = post(c, "/staff/offers/new", form_of(new_offer(name=""), token), headers=hx)
    assert r.status_code == 422 and "<html" not in r.text and 'role="alert"' in r.text
    r = post(c, "/staff/offers/new", form_of(new_offer(), token), headers=hx)
    assert r.status_code == 200 and r.headers["HX-Redirect"].startswith("/staff/offers/")


def test_version_conflict_keeps_the_input(make_light_client):
    c = editor(make_light_client)
    offer_id = demo_offer_id(c)
    snap = snapshot(c, offer_id)
    version = editing.version(snap)
    token = csrf_of(c, f"/staff/offers/{offer_id}")
    first = post(c, f"/staff/offers/{offer_id}", form_of({**snap, "cost": "3 €"}, token, version))
    assert first.status_code == 303, first.text
    second = post(c, f"/staff/offers/{offer_id}",
                  form_of({**snap, "cost": "mein Text"}, token, version))
    assert second.status_code == 409
    assert "inzwischen" in second.text and 'value="mein Text"' in second.text
    assert "von der gespeicherten Fassung abweichen: Kosten<" in second.text
    new_version = re.search(r'name="version" value="([0-9a-f]+)"', second.text).group(1)
    assert new_version != version
    third = post(c, f"/staff/offers/{offer_id}",
                 form_of({**snap, "cost": "mein Text"}, token, new_version))
    assert third.status_code == 303
    assert snapshot(c, offer_id)["cost"] == "mein Text"


def test_history_shows_the_diff_and_undo_restores(make_light_client):
    c = editor(make_light_client)
    offer_id = demo_offer_id(c)
    snap = snapshot(c, offer_id)
    token = csrf_of(c, f"/staff/offers/{offer_id}")
    post(c, f"/staff/offers/{offer_id}",
         form_of({**snap, "name": "Neuer Name XY"}, token, editing.version(snap)))
    page = c.get(f"/staff/offers/{offer_id}/history")
    assert "Neuer Name XY" in page.text and snap["name"] in page.text
    assert "ed.demo" in page.text and "Name (Deutsch)" in page.text
    change_id = re.search(r'/undo/(\d+)"', page.text).group(1)
    r = post(c, f"/staff/offers/{offer_id}/undo/{change_id}", [("csrf_token", token)])
    assert r.status_code == 303
    assert snapshot(c, offer_id)["name"] == snap["name"]
    hits = c.app.state.services.engine.search("Neuer Name XY", kommune="demo").results
    assert offer_id not in [h.id for h in hits][:1]
    r = post(c, f"/staff/offers/{offer_id}/undo/{change_id}", [("csrf_token", token)])
    assert "problem=undone" in r.headers["location"]
    assert "bereits rückgängig" in c.get(r.headers["location"]).text
    assert {"offer.update", "offer.undo"} <= set(audit_actions(c))


def test_archive_takes_it_out_of_search_and_restore_brings_it_back(make_light_client):
    c = editor(make_light_client)
    offer_id = demo_offer_id(c)
    name = snapshot(c, offer_id)["name"]
    engine = c.app.state.services.engine
    token = csrf_of(c)
    assert post(c, f"/staff/offers/{offer_id}/archive", [("csrf_token", token)]).status_code == 303
    assert offer_id not in engine.offers
    assert "archiviert" in c.get(f"/staff/offers/{offer_id}").text
    assert name in c.get("/staff/offers", params={"status": "inactive"}).text
    preview = c.get(f"/staff/offers/{offer_id}/preview", params={"in": "en"}).text
    assert "archiviert" in preview and 'class="preview" lang="en"' in preview
    post(c, f"/staff/offers/{offer_id}/restore", [("csrf_token", token)])
    assert offer_id in engine.offers


def test_preview_in_any_language(make_light_client):
    c = editor(make_light_client)
    token = csrf_of(c, "/staff/offers/new")
    r = post(c, "/staff/offers/new", form_of(new_offer(), token))
    offer_id = r.headers["location"].split("/")[3].split("?")[0]
    ar = c.get(f"/staff/offers/{offer_id}/preview", params={"in": "ar"})
    assert ar.status_code == 200
    assert 'class="preview" lang="ar" dir="rtl"' in ar.text and "ورشة دراجات" in ar.text
    assert '<html lang="de"' in ar.text  # the staff frame stays in the staff language
    uk = c.get(f"/staff/offers/{offer_id}/preview", params={"in": "uk"})
    assert 'lang="de">Fahrradwerkstatt' in uk.text  # no Ukrainian text: German, marked
    assert "lotse_lang" not in uk.headers.get("set-cookie", "")


def test_an_editor_never_reaches_another_kommunes_offer(make_light_client):
    c = editor(make_light_client)
    other = create_elsewhere(c)
    token = csrf_of(c)
    for path in (f"/staff/offers/{other}", f"/staff/offers/{other}/history",
                 f"/staff/offers/{other}/preview"):
        r = c.get(path)
        assert r.status_code == 404 and "Radtreff" not in r.text, path
    for path in (f"/staff/offers/{other}", f"/staff/offers/{other}/archive",
                 f"/staff/offers/{other}/undo/1"):
        assert post(c, path, form_of(new_offer(), token)).status_code == 404, path
    assert "Radtreff Düsseldorf" not in c.get("/staff/offers", params={"q": "radtreff"}).text
    # a demo editor writing kommune_id=duesseldorf still writes a demo offer
    r = post(c, "/staff/offers/new", form_of(new_offer(kommune_id="duesseldorf",
                                                       scope="national"), token))
    assert snapshot(c, r.headers["location"].split("/")[3].split("?")[0])["kommune_id"] == "demo"
    # the Düsseldorf editor sees it; a state-wide admin sees both
    uid, secret = add_user(c, "ed.dus", ("editor",), "duesseldorf")
    c.cookies.clear()
    assert login(c, "ed.dus", secret).status_code == 303
    assert c.get(f"/staff/offers/{other}").status_code == 200
    uid, secret = add_user(c, "admin", ("admin",), None)
    c.cookies.clear()
    assert login(c, "admin", secret, step=1).status_code == 303
    listing = c.get("/staff/offers", params={"q": "rad"}).text
    assert "Radtreff" in listing and "Fahrradwerkstatt" in listing


def test_state_changes_need_the_csrf_token(make_light_client):
    c = editor(make_light_client)
    offer_id = demo_offer_id(c)
    snap = snapshot(c, offer_id)
    r = post(c, f"/staff/offers/{offer_id}/archive", [("csrf_token", "wrong")])
    assert r.status_code == 403
    r = post(c, f"/staff/offers/{offer_id}",
             form_of({**snap, "name": "Ohne Token"}, "", editing.version(snap)))
    assert r.status_code == 403 and "Ohne Token" in r.text  # typed input shown again
    assert snapshot(c, offer_id) == snap


def test_other_roles_are_refused(make_light_client):
    c, _, _ = staff_client(make_light_client, "cm.demo", ("case_manager",))
    assert c.get("/staff/offers").status_code == 403
    assert c.get("/staff/offers/new").status_code == 403
