"""Corrections (issue 16): the public suggests, editors decide in a Kommune-scoped queue,
providers confirm or propose through a personal link mailed by the outbox (real aiosmtpd)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from sqlalchemy import select
from staffkit import csrf_of, staff_client
from test_offer_freshness import make_stale
from test_offer_pages import create_elsewhere, editor, own_engine, post
from test_outbox import smtp  # noqa: F401  (the fixture: a real SMTP server)

from app.corrections.models import ProviderLink, Suggestion
from app.editors.freshness import today
from app.referrals import notify
from directory.models import Service

SAME = {"sec-fetch-site": "same-origin"}


def demo_offer(c) -> str:
    with c.app.state.services.store.session() as s:
        return s.scalar(select(Service.id).where(Service.kommune_id == "demo",
                                                 Service.status == "active")
                        .order_by(Service.name).limit(1))


def suggestions(c) -> list[Suggestion]:
    with c.app.state.services.store.session() as s:
        rows = list(s.scalars(select(Suggestion).order_by(Suggestion.id)))
        s.expunge_all()
        return rows


def test_every_card_and_sheet_offers_a_correction_form(make_light_client):
    c = make_light_client()
    offer = demo_offer(c)
    sheet = c.get(f"/offer/{offer}?lang=en").text
    assert f'href="/offer/{offer}/suggest?lang=en"' in sheet
    browse = c.get("/browse?lang=ar&kommune=demo&topic=all").text
    assert browse.count('class="suggest-link noprint"') >= 5
    form = c.get(f"/offer/{offer}/suggest?lang=en")
    assert form.status_code == 200 and 'name="kind"' in form.text and "maxlength" in form.text
    fragment = c.get(f"/offer/{offer}/suggest?lang=en", headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<div class="suggest"')
    assert c.get("/offer/nope/suggest").status_code == 404


def test_a_suggestion_is_stored_scrubbed_without_personal_data(make_light_client):
    c = make_light_client()
    offer = demo_offer(c)
    r = post(c, f"/offer/{offer}/suggest?lang=de", [
        ("kind", "phone"), ("note", "Die Nummer ist jetzt 0221 123456, Gruß Ahmad Rahimi")],
        headers=SAME)
    assert r.status_code == 200 and "Danke" in r.text
    [row] = suggestions(c)
    assert row.kind == "phone" and row.source == "public" and row.kommune_id == "demo"
    assert "123456" not in row.text and "Rahimi" not in row.text and "[phone]" in row.text
    long = post(c, f"/offer/{offer}/suggest", [("kind", "other"), ("note", "Regen " * 300)],
                headers=SAME)
    assert long.status_code == 200 and len(suggestions(c)[-1].text) <= 502


def test_suggestions_need_a_kind_same_origin_and_are_rate_limited(make_light_client):
    c = make_light_client(suggestion_limit_ip=2)
    offer = demo_offer(c)
    assert post(c, f"/offer/{offer}/suggest", [("kind", "bogus")], headers=SAME).status_code \
        == 422
    cross = post(c, f"/offer/{offer}/suggest", [("kind", "hours")],
                 headers={"sec-fetch-site": "cross-site", "origin": "https://evil.example"})
    assert cross.status_code == 403
    assert suggestions(c) == []
    for _ in range(2):
        assert post(c, f"/offer/{offer}/suggest", [("kind", "hours")],
                    headers=SAME).status_code == 200
    r = post(c, f"/offer/{offer}/suggest", [("kind", "hours")], headers=SAME)
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert len(suggestions(c)) == 2


def test_the_queue_is_scoped_to_the_kommune_and_accept_opens_the_form(make_light_client):
    c = editor(make_light_client)
    offer, elsewhere = demo_offer(c), create_elsewhere(c)
    for oid in (offer, elsewhere):
        assert post(c, f"/offer/{oid}/suggest", [("kind", "address")],
                    headers=SAME).status_code == 200
    mine, theirs = suggestions(c)
    page = c.get("/staff/suggestions")
    assert page.status_code == 200
    assert f"/staff/suggestions/{mine.id}/accept" in page.text
    assert f"/staff/suggestions/{theirs.id}/" not in page.text
    token = csrf_of(c, "/staff/suggestions")
    for decision in ("accept", "dismiss"):  # another Kommune's suggestion: 404
        r = post(c, f"/staff/suggestions/{theirs.id}/{decision}", [("csrf_token", token)])
        assert r.status_code == 404
    assert post(c, f"/staff/suggestions/{mine.id}/accept", []).status_code == 403  # no CSRF
    r = post(c, f"/staff/suggestions/{mine.id}/accept", [("csrf_token", token)])
    assert r.status_code == 303 and r.headers["location"] == f"/staff/offers/{offer}"
    assert [s.status for s in suggestions(c)] == ["accepted", "open"]
    assert f"/staff/suggestions/{mine.id}/" not in c.get("/staff/suggestions").text


def editor_with_mail(make_light_client, port: int):
    c, _uid, _ = staff_client(make_light_client, "ed.demo", ("editor",), "demo",
                              smtp_host="127.0.0.1", smtp_port=port)
    own_engine(c)
    return c


def ask(c, offer: str, handler) -> str:
    """Ask the offer's provider; the mail goes out over SMTP; returns the link's token."""
    store = c.app.state.services.store
    with store.session.begin() as s:
        s.get(Service, offer).email = "beratung@traeger.example"
    token = csrf_of(c, "/staff/offers/stale")
    r = post(c, f"/staff/offers/{offer}/ask-provider", [("csrf_token", token)])
    assert r.status_code == 303 and "asked=1" in r.headers["location"]
    before = len(handler.received)
    assert notify.deliver_due(store, c.app.state.settings) == (1, 0)
    assert len(handler.received) == before + 1
    mail = handler.received[-1]
    assert mail.rcpt_tos == ["beratung@traeger.example"]
    return re.search(r"/provider/([\w-]+)", mail.content.decode()).group(1)


def test_a_provider_confirms_by_link_once(make_light_client, smtp):  # noqa: F811
    handler, ctl = smtp()
    c = editor_with_mail(make_light_client, ctl.port)
    [offer] = make_stale(c, count=1)
    link = ask(c, offer, handler)
    store = c.app.state.services.store
    with store.session() as s:
        stored = s.scalar(select(ProviderLink))
        assert stored.token_hash == hashlib.sha256(link.encode()).hexdigest()  # only a hash
        assert link not in repr(stored.__dict__)
    assert "noch keine Antwort" in c.get("/staff/offers/stale").text
    page = c.get(f"/provider/{link}")
    assert page.status_code == 200 and "/confirm" in page.text
    cross = post(c, f"/provider/{link}/confirm", [],
                 headers={"sec-fetch-site": "cross-site", "origin": "https://evil.example"})
    assert cross.status_code == 403
    assert post(c, f"/provider/{link}/confirm", [], headers=SAME).status_code == 200
    with store.session() as s:
        assert s.get(Service, offer).last_verified == today()
    assert c.get(f"/provider/{link}").status_code == 404  # single use
    assert post(c, f"/provider/{link}/propose", [("phone", "0221 1")],
                headers=SAME).status_code == 404
    assert c.get("/provider/not-a-token").status_code == 404


def test_a_provider_proposes_changes_that_land_in_the_queue(make_light_client, smtp):  # noqa: F811
    handler, ctl = smtp()
    c = editor_with_mail(make_light_client, ctl.port)
    [offer] = make_stale(c, count=1)
    link = ask(c, offer, handler)
    assert post(c, f"/provider/{link}/propose", [], headers=SAME).status_code == 422
    r = post(c, f"/provider/{link}/propose",
             [("phone", "0221 987654"), ("hours", "Mo–Fr 9–12 Uhr")], headers=SAME)
    assert r.status_code == 200
    rows = suggestions(c)
    assert {(g.kind, g.text, g.source) for g in rows} == {
        ("phone", "0221 987654", "provider"), ("hours", "Mo–Fr 9–12 Uhr", "provider")}
    queue = c.get("/staff/suggestions").text
    assert "0221 987654" in queue and "Träger (persönlicher Link)" in queue
    assert "Änderungen vorgeschlagen" in c.get("/staff/offers/stale").text
    with c.app.state.services.store.session() as s:
        assert s.get(Service, offer).last_verified != today()  # an editor approves first


def test_an_expired_link_is_refused(make_light_client, smtp):  # noqa: F811
    handler, ctl = smtp()
    c = editor_with_mail(make_light_client, ctl.port)
    [offer] = make_stale(c, count=1)
    link = ask(c, offer, handler)
    with c.app.state.services.store.session.begin() as s:
        s.scalar(select(ProviderLink)).expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(
            seconds=1)
    assert c.get(f"/provider/{link}").status_code == 404
    assert "Link abgelaufen" in c.get("/staff/offers/stale").text


def test_asking_and_bulk_confirm_are_scoped(make_light_client):
    c = editor(make_light_client)
    elsewhere = create_elsewhere(c)
    ids = make_stale(c, count=3)
    token = csrf_of(c, "/staff/offers/stale")
    assert post(c, f"/staff/offers/{elsewhere}/ask-provider",
                [("csrf_token", token)]).status_code == 404
    r = post(c, "/staff/offers/stale/confirm-selected",
             [("csrf_token", token), ("offer", ids[0]), ("offer", elsewhere)])
    assert r.status_code == 404
    with c.app.state.services.store.session() as s:  # all or nothing
        assert s.get(Service, ids[0]).last_verified != today()
    r = post(c, "/staff/offers/stale/confirm-selected",
             [("csrf_token", token), *(("offer", i) for i in ids)])
    assert r.status_code == 303 and r.headers["location"].endswith("confirmed=3")
    with c.app.state.services.store.session() as s:
        assert all(s.get(Service, i).last_verified == today() for i in ids)
    assert post(c, "/staff/offers/stale/confirm-selected", [("offer", ids[0])]).status_code \
        == 403
