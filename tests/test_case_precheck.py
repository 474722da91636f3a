"""The pre-check inside a case (issue 18, deliverable 3): prefilled from the case file,
result and date kept encrypted in the case with the law's version date, shown on the case,
a follow-up on the day the next period is reached, audited reads, erasure on withdrawal,
and 404 for another Kommune's staff."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from test_casefile import as_user, post, step, submit

from app.casework.models import CaseFollowUp, CasePrecheck
from app.casework.prechecks import add_months
from app.precheck.evaluate import rules_in_force
from app.staff.models import AuditEntry

BERLIN = ZoneInfo("Europe/Berlin")
BERLIN_TODAY = dt.datetime.now(dt.UTC).astimezone(BERLIN).date()


@pytest.fixture
def world(make_light_client):
    c = make_light_client()
    return c, as_user(c, "cm.demo", ["case_manager"], "demo")


def _arrival_months_ago(months: int) -> tuple[int, int]:
    first = BERLIN_TODAY.replace(day=1)
    back = add_months(first, -months)
    return back.year, back.month


def test_add_months_clamps_to_the_month_end():
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2026, 12, 7), 7) == dt.date(2027, 7, 7)
    assert add_months(dt.date(2026, 3, 1), -14) == dt.date(2025, 1, 1)


def test_precheck_in_the_case_prefilled_kept_encrypted_with_followup(world):
    c, cm = world
    rid, _, _ = submit(c, age=20)
    base = f"/staff/referrals/{rid}"
    step(c, cm, rid, "erstkontakt")
    step(c, cm, rid, "assessment")
    assert post(cm, f"{base}/assessment", area_language="Zertifikat B1 (telc) vorhanden",
                area_residence="Duldung seit zwei Jahren").status_code == 303
    page = cm.get(f"{base}/precheck")
    assert page.status_code == 200
    # prefilled: the age from the referral, level and status from the assessment
    assert 'id="pc-age" name="age"' in page.text and 'value="20"' in page.text
    assert '<option value="B1" selected>' in page.text
    assert 'name="status" value="duldung" checked' in page.text
    # § 25b AufenthG needs 6 years (since 31.12.2022); arrival 65 months ago: 7 months to go
    year, month = _arrival_months_ago(65)
    r = post(cm, f"{base}/precheck", age="20", arrived_year=str(year), arrived_month=str(month),
             uninterrupted="yes", status="duldung", status_months="24", passport="yes",
             school_years="2", work="fulltime", livelihood="own", german="B1",
             minor_children="no", convictions="no")
    assert r.status_code == 303, r.text
    assert r.headers["location"].endswith(f"{base}/precheck#latest")
    law = max(x.valid_from for x in rules_in_force(BERLIN_TODAY))
    shown = cm.get(f"{base}/precheck").text
    assert BERLIN_TODAY.strftime("%d.%m.%Y") in shown and law.strftime("%d.%m.%Y") in shown
    assert "§ 25b AufenthG" in shown
    with c.app.state.services.store.session() as s:
        row = s.scalar(select(CasePrecheck))
        assert row.on_date == BERLIN_TODAY and row.law_as_of == law
        assert row.kommune_id == "demo" and row.author_id
        assert "duldung" not in (row.answers or "") and "25b" not in (row.result or "")
        fu = s.get(CaseFollowUp, row.followup_id)
        due = fu.due_at.replace(tzinfo=dt.UTC).astimezone(BERLIN)
        assert due.date() == add_months(BERLIN_TODAY, 7) and due.hour == 9
        assert fu.done_at is None and fu.kind == "followup"
        actions = set(s.scalars(select(AuditEntry.action).where(AuditEntry.object_id == rid)))
    assert {"case.precheck", "case.precheck_view"} <= actions
    case = cm.get(base).text
    assert 'id="s-precheck"' in case and "§ 25b AufenthG" in case
    assert add_months(BERLIN_TODAY, 7).strftime("%d.%m.%Y") in case  # the follow-up, listed
    assert "in 7" in case
    # a second run with the same answers keeps a second result but no second follow-up
    again = cm.get(f"{base}/precheck").text
    assert 'name="uninterrupted" value="yes" checked' in again  # from the last pre-check
    post(cm, f"{base}/precheck", age="20", arrived_year=str(year), arrived_month=str(month),
         uninterrupted="yes", status="duldung", status_months="24", minor_children="no")
    with c.app.state.services.store.session() as s:
        assert s.scalar(select(func.count()).select_from(CasePrecheck)) == 2
        assert s.scalar(select(func.count()).select_from(CaseFollowUp)) == 1


def test_invalid_answers_are_asked_again_and_nothing_is_kept(world):
    c, cm = world
    rid, _, _ = submit(c)
    r = post(cm, f"/staff/referrals/{rid}/precheck", age="abc", status="wizard")
    assert r.status_code == 422 and 'aria-invalid="true"' in r.text
    with c.app.state.services.store.session() as s:
        assert s.scalar(select(func.count()).select_from(CasePrecheck)) == 0


def test_withdrawal_erases_the_case_precheck_and_other_kommune_gets_404(world):
    c, cm = world
    rid, reference, secret = submit(c)
    year, month = _arrival_months_ago(30)
    assert post(cm, f"/staff/referrals/{rid}/precheck", age="19", status="duldung",
                status_months="20", arrived_year=str(year),
                arrived_month=str(month)).status_code == 303
    koeln = as_user(c, "cm.koeln.pc", ["case_manager"], "koeln")
    assert koeln.get(f"/staff/referrals/{rid}/precheck").status_code == 404
    assert post(koeln, f"/staff/referrals/{rid}/precheck", age="19").status_code == 404
    with c.app.state.services.store.session() as s:
        assert s.scalar(select(func.count()).select_from(CasePrecheck)) == 1
    r = c.post("/api/v1/referrals/withdraw", json={"reference": reference, "secret": secret})
    assert r.status_code in (200, 204)
    with c.app.state.services.store.session() as s:
        assert s.scalar(select(func.count()).select_from(CasePrecheck)) == 0
        assert s.scalar(select(func.count()).select_from(CaseFollowUp)) == 0
