"""Freshness: offers not verified for 12 months per Kommune, one-click "still valid", the
count on the staff start page. Real app, real store, real logins."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from staffkit import csrf_of
from test_offer_pages import create_elsewhere, editor, post

from app.editors.freshness import today
from directory import editing
from directory.models import OfferChange, Service, ServiceTranslation


def make_stale(c, kommune="demo", count=2) -> list[str]:
    """Age `count` offers of a Kommune: one never verified, the others 13 months ago."""
    store = c.app.state.services.store
    with store.session.begin() as s:
        rows = list(s.scalars(select(Service).where(Service.kommune_id == kommune)
                              .order_by(Service.name).limit(count)))
        for i, svc in enumerate(rows):
            svc.last_verified = None if i == 0 else today() - dt.timedelta(days=400)
        return [svc.id for svc in rows]


def test_stale_offers_are_listed_and_counted_on_the_start_page(make_light_client):
    c = editor(make_light_client)
    elsewhere = create_elsewhere(c)
    with c.app.state.services.store.session.begin() as s:
        s.get(Service, elsewhere).last_verified = dt.date(2020, 1, 1)
    assert "Monaten nicht geprüft" not in c.get("/staff").text
    ids = make_stale(c)
    home = c.get("/staff").text
    assert "2 Angebote wurden seit 12 Monaten nicht geprüft." in home
    assert 'href="/staff/offers/stale"' in home
    page = c.get("/staff/offers/stale")
    assert page.status_code == 200
    assert all(i in page.text for i in ids) and elsewhere not in page.text
    assert page.text.index(ids[0]) < page.text.index(ids[1])  # never verified first


def test_still_valid_confirms_every_language_at_once(make_light_client):
    c = editor(make_light_client)
    ids = make_stale(c, count=1)
    store = c.app.state.services.store
    with store.session.begin() as s:
        svc = s.get(Service, ids[0])
        # the demo offers carry machine-made translations in every language, marked
        uk = next((t for t in svc.translations if t.lang == "uk"), None)
        if uk is None:
            svc.translations.append(ServiceTranslation(lang="uk", name="Переклад",
                                                       needs_review=True))
        else:
            uk.needs_review = True
    token = csrf_of(c)
    r = post(c, f"/staff/offers/{ids[0]}/confirm", [("csrf_token", token)])
    assert r.status_code == 303 and r.headers["location"] == "/staff/offers/stale?confirmed=1"
    with store.session() as s:
        svc, snap = editing.load(s, ids[0])
        assert svc.last_verified == today()
        assert snap["tr.uk"]["needs_review"] is True  # the wording was not vouched for
        assert s.scalar(select(OfferChange.action).where(OfferChange.service_id == ids[0])
                        .order_by(OfferChange.id.desc()).limit(1)) == "verify"
    assert ids[0] not in c.get("/staff/offers/stale").text
    assert "Monaten nicht geprüft" not in c.get("/staff").text
    r = post(c, f"/staff/offers/{ids[0]}/confirm",
             [("csrf_token", token), ("translations_reviewed", "1"), ("back", "edit")])
    assert r.headers["location"] == f"/staff/offers/{ids[0]}?saved=1"
    with store.session() as s:
        assert editing.load(s, ids[0])[1]["tr.uk"]["needs_review"] is False
    history = c.get(f"/staff/offers/{ids[0]}/history").text
    assert "als noch gültig bestätigt" in history and "Zuletzt geprüft" in history


def test_confirm_is_scoped_and_needs_csrf(make_light_client):
    c = editor(make_light_client)
    other = create_elsewhere(c)
    token = csrf_of(c)
    assert post(c, f"/staff/offers/{other}/confirm", [("csrf_token", token)]).status_code == 404
    ids = make_stale(c, count=1)
    assert post(c, f"/staff/offers/{ids[0]}/confirm", [("csrf_token", "x")]).status_code == 403
    with c.app.state.services.store.session() as s:
        assert s.get(Service, ids[0]).last_verified is None
