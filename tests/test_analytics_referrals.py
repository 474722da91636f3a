"""Referral figures: counts per month received by where they stand now, the median wait
for the first contact, k-anonymity on both, and nothing personal on the page or in CSV."""

from __future__ import annotations

import datetime as dt

import time_machine
from sqlalchemy import select
from staffkit import add_user, login

from app.analytics.figures import build
from app.casework import inbox
from app.referrals.models import Referral

CANARY = "FIGUREN-KANARIE-5521"


def referral(c) -> str:
    r = c.post("/api/v1/referrals", json={
        "kommune": "demo", "contact": "0170 7654321", "consent": True,
        "message": f"{CANARY} Nachricht", "name": CANARY, "topics": ["sprache"]})
    assert r.status_code == 201, r.text
    with c.app.state.services.store.session() as s:
        return s.scalar(select(Referral.id).where(Referral.reference == r.json()["reference"]))


def move(c, ref_id: str, *statuses: str) -> None:
    """The inbox's own status change, one step after the other."""
    with c.app.state.services.store.session.begin() as s:
        ref = s.get(Referral, ref_id)
        for new in statuses:
            inbox.change_status(s, "test", ref, new, ref.version,
                                "goals_reached" if new == "abgeschlossen" else "")


def test_referral_figures_by_month_stage_and_wait(make_light_client):
    c = make_light_client(referral_limit_ip=100)  # k = 5
    march = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(march, tick=False):
        refs = [referral(c) for _ in range(14)]
    waits = [1, 2, 3, 4, 5, 6, 7]  # days until the first contact
    for ref_id, days in zip(refs, waits, strict=False):
        with time_machine.travel(march + dt.timedelta(days=days), tick=False):
            move(c, ref_id, "erstkontakt")
    with time_machine.travel(march + dt.timedelta(days=9), tick=False):
        move(c, refs[0], "nicht_erreicht")  # not a first contact: the first one stays
        move(c, refs[1], "abgeschlossen")
        move(c, refs[7], "nicht_erreicht", "erstkontakt")  # reached after all, day 9
    with c.app.state.services.store.session() as s:
        first = {r.id: r.first_contact_at for r in s.scalars(select(Referral))}
    assert first[refs[0]].replace(tzinfo=None) == dt.datetime(2026, 3, 3, 9, 0)
    assert first[refs[8]] is None
    with time_machine.travel(dt.datetime(2026, 5, 10, tzinfo=dt.UTC), tick=False):
        view = build(c.app.state.services, "demo", 2026)
    table = view.tables["referrals"]
    march_col = [m.month for m in view.months].index(3)
    shown = {row: table.row(row)[march_col] for row in table.rows}
    assert shown["waiting"].value == 6  # refs 8 to 13
    assert shown["in_contact"].value == 6  # refs 2 to 7 (7 after "nicht erreicht")
    assert not shown["not_reached"].shown and not shown["closed"].shown  # 1 each < k
    assert shown["withdrawn"].value == 0  # nobody withdrew: a zero identifies nobody
    assert table.protected.column_totals[march_col].value == 14
    assert view.first_contact_days[march_col] == 4.5  # median of 1 to 7 and 9 days
    april = [m.month for m in view.months].index(4)
    assert view.first_contact_days[april] is None
    assert table.protected.column_totals[april].value == 0  # none in April: 0, not "<5"


def test_the_referral_figures_page_shows_no_personal_data(make_light_client):
    c = make_light_client(referral_limit_ip=100)
    for _ in range(6):
        referral(c)
    _, secret = add_user(c, "koord", ["coordinator"], "demo")
    assert login(c, "koord", secret).status_code == 303
    year = dt.date.today().year if dt.date.today().month > 1 else dt.date.today().year - 1
    page = c.get(f"/staff/figures/demo/{year}")
    assert page.status_code == 200
    if dt.date.today().month > 1:
        assert "Eingegangene warme Vermittlungen" in page.text
        assert "Wartet auf Erstkontakt" in page.text
    csv = c.get(f"/staff/figures/demo/{year}.csv")
    for text in (page.text, csv.text):
        assert CANARY not in text and "0170" not in text
