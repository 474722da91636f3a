"""The case file along the KIM phases (issue 14): intake, assessment, Hilfeplan, linking,
follow-ups due today in Berlin time, history, minimum documentation, reopen; search by
name through the blind index; caseload; hand-over with confirmation, consented summary,
acceptance, take-back and the sender's record; erasure, retention and the 404 matrix."""

import datetime as dt
import re
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from staffkit import add_user, csrf_of, login

from app.casework.models import (
    CaseAssessment,
    CaseEvent,
    CaseFile,
    CaseFollowUp,
    CaseGoal,
    CaseHandover,
    CaseLink,
)
from app.referrals import retention
from app.referrals.models import Referral, ReferralNameToken
from app.staff.models import AuditEntry
from directory.models import Service

CANARY = "KASUS-4711"


def submit(c, kommune="demo", name="Amira Al-Hassan", **extra):
    body = {"kommune": kommune, "contact": "0170 7654321", "consent": True, "name": name,
            "message": "Hilfe", "topics": ["sprache"], "language": "ar", **extra}
    r = c.post("/api/v1/referrals", json=body)
    assert r.status_code == 201, r.text
    with c.app.state.services.store.session() as s:
        rid = s.scalar(select(Referral.id).where(Referral.reference == r.json()["reference"]))
    return rid, r.json()["reference"], r.headers["referral-secret"]


def as_user(c, username, roles, kommune):
    other = TestClient(c.app, base_url="https://testserver")
    _, secret = add_user(c, username, roles, kommune)
    assert login(other, username, secret).status_code == 303
    return other


def post(user, path, **data):
    return user.post(path, data={"csrf_token": csrf_of(user), **data}, follow_redirects=False)


def version(c, rid):
    with c.app.state.services.store.session() as s:
        return s.get(Referral, rid).version


def step(c, cm, rid, status, **extra):
    return post(cm, f"/staff/referrals/{rid}/status", status=status,
                version=version(c, rid), **extra)


@pytest.fixture
def world(make_light_client):
    c = make_light_client()
    cm = as_user(c, "cm.demo", ["case_manager"], "demo")
    return c, cm


def test_case_file_along_the_phases_encrypted_audited_and_in_berlin_time(world):
    c, cm = world
    rid, _, _ = submit(c, gemeinde=None)
    base = f"/staff/referrals/{rid}"
    assert step(c, cm, rid, "erstkontakt").status_code == 303
    assert post(cm, f"{base}/intake", text=f"Erstgespräch {CANARY}").status_code == 303
    assert step(c, cm, rid, "assessment").status_code == 303
    r = post(cm, f"{base}/assessment", area_language="A1-Kurs fehlt", area_housing="Wohnheim",
             area_money="Schulden 300 EUR")
    assert r.status_code == 303
    assert step(c, cm, rid, "hilfeplanung").status_code == 303
    for goal in ("Deutschkurs B1", "Eigene Wohnung"):
        assert post(cm, f"{base}/goals", goal=goal, measure="Anmeldung", who="Frau A.",
                    due="2027-03-01", agreed="on", agreed_on="2026-12-07").status_code == 303
    assert step(c, cm, rid, "linking").status_code == 303
    with c.app.state.services.store.session() as s:
        offer = s.scalar(select(func.min(Service.id)).where(Service.kommune_id == "demo"))
    assert post(cm, f"{base}/links", kind="offer", offer=offer, outcome="contacted"
                ).status_code == 303
    assert post(cm, f"{base}/links", kind="jobcenter", outcome="waiting").status_code == 303
    assert post(cm, f"{base}/links", kind="offer", offer="").status_code == 422
    assert step(c, cm, rid, "monitoring").status_code == 303
    # 23:30 Berlin on a winter day is 22:30 UTC
    assert post(cm, f"{base}/followups", day="2026-12-06", time="23:30",
                note="Nachfrage Kurs").status_code == 303
    page = cm.get(base).text
    for text in (f"Erstgespräch {CANARY}", "A1-Kurs fehlt", "Deutschkurs B1", "Eigene Wohnung",
                 "Jobcenter", "06.12.2026 23:30", "Nachfrage Kurs", "01.03.2027",
                 "07.12.2026"):
        assert text in page, text
    assert page.count("→") == 5  # the history: every phase change
    with c.app.state.services.store.session() as s:
        fu = s.scalar(select(CaseFollowUp))
        assert fu.due_at.replace(tzinfo=None) == dt.datetime(2026, 12, 6, 22, 30)
        for model, col in ((CaseFile, "intake"), (CaseAssessment, "areas"), (CaseGoal, "goal"),
                           (CaseFollowUp, "note")):
            assert all(v.startswith("v1:") for v in s.scalars(select(getattr(model, col))))
        events = list(s.scalars(select(CaseEvent).order_by(CaseEvent.at)))
        assert [(e.from_status, e.to_status) for e in events][:2] == [
            ("neu", "erstkontakt"), ("erstkontakt", "assessment")]
        assert all(e.actor_id for e in events)
        actions = set(s.scalars(select(AuditEntry.action)))
    assert {"case.view", "case.intake", "case.assessment", "case.goal", "case.link",
            "case.followup"} <= actions
    due = cm.get("/staff/cases/due")
    assert due.status_code == 200 and "06.12.2026 23:30" in due.text and CANARY not in due.text
    # close with a reason, then reopen with a reason
    assert step(c, cm, rid, "abgeschlossen", reason_code="goals_reached",
                reason="Kurs läuft").status_code == 303
    assert post(cm, f"{base}/reopen", reason="", version=version(c, rid)).status_code == 422
    assert post(cm, f"{base}/reopen", reason="Neue Schulden",
                version=version(c, rid)).status_code == 303
    page = cm.get(base).text
    assert "Neue Schulden" in page and "Kurs läuft" in page
    with c.app.state.services.store.session() as s:
        assert s.get(Referral, rid).status == "assessment"


def test_minimum_documentation_per_kommune(world):
    c, cm = world
    admin = as_user(c, "admin.demo", ["admin"], "demo")
    assert admin.get("/staff/cases/requirements").status_code == 200
    r = post(admin, "/staff/cases/requirements", **{"erstkontakt:intake": "on",
                                                    "hilfeplanung:goal_agreed": "on"})
    assert r.status_code == 200 and 'name="erstkontakt:intake" checked' in r.text
    rid, _, _ = submit(c)
    assert step(c, cm, rid, "erstkontakt").status_code == 303
    r = step(c, cm, rid, "assessment")
    assert r.status_code == 409 and 'role="alert"' in r.text
    post(cm, f"/staff/referrals/{rid}/intake", text="ok")
    assert step(c, cm, rid, "assessment").status_code == 303
    other = as_user(c, "admin.koeln", ["admin"], "koeln")  # its own Kommune's settings
    assert 'checked' not in other.get("/staff/cases/requirements").text
    nrw = as_user(c, "admin.nrw", ["admin"], None)
    assert nrw.get("/staff/cases/requirements").status_code == 404
    assert cm.get("/staff/cases/requirements").status_code == 403


def test_search_by_reference_and_name_through_the_blind_index(world):
    c, cm = world
    rid, reference, _ = submit(c, name="Amira Al-Hassan")
    other, _, _ = submit(c, name="Yusuf Demir")
    koeln, _, _ = submit(c, "koeln", name="Amira Koeln")
    with c.app.state.services.store.session() as s:
        tokens = list(s.scalars(select(ReferralNameToken.token)))
    assert tokens and all(re.fullmatch(r"[0-9a-f]{64}", t) for t in tokens)
    assert "amira" not in " ".join(tokens)
    for q, hit, miss in (("amira", rid, other), ("AL-HASSAN", rid, other),
                         ("alhassan amira", rid, other), ("demir", other, rid),
                         (reference.lower(), rid, other)):
        page = cm.get("/staff/referrals", params={"q": q}).text
        assert hit in page and miss not in page and koeln not in page, q
    assert rid not in cm.get("/staff/referrals", params={"q": "amira yusuf"}).text


def test_caseload_per_case_manager_and_team(world):
    c, cm = world
    rid, _, _ = submit(c)
    submit(c)
    me = re.search(r'<option value="([0-9a-f-]{36})">cm.demo',
                   cm.get(f"/staff/referrals/{rid}").text).group(1)
    post(cm, f"/staff/referrals/{rid}/assign", assignee=me, version=1)
    page = cm.get("/staff/cases/caseload").text
    row = re.search(r'<tr class="me">(.*?)</tr>', page, re.S).group(1)
    assert "cm.demo" in row and re.search(r'data-label="[^"]+">1</td>\s*</tr>|>1</td>', row)


def test_handover_confirm_summary_accept_and_sender_record(world):
    c, cm = world
    rid, reference, _ = submit(c)
    base = f"/staff/referrals/{rid}"
    page = cm.get(base).text
    assert re.search(r'<select id="kommune" name="kommune" required><option value="" selected>',
                     page)  # no default Kommune
    step(c, cm, rid, "erstkontakt")
    post(cm, f"{base}/intake", text="Akte des alten Teams")
    assert post(cm, f"{base}/handover", kommune="", reason="x",
                version=version(c, rid)).status_code == 422
    r = post(cm, f"{base}/handover", kommune="koeln", reason="Umzug nach Köln",
             summary=f"Sprachkurs gesucht {CANARY}", consent="on", version=version(c, rid))
    assert r.status_code == 200 and 'name="confirm" value="yes"' in r.text
    with c.app.state.services.store.session() as s:
        assert s.get(Referral, rid).kommune_id == "demo"  # not yet sent
    r = post(cm, f"{base}/handover", kommune="koeln", reason="Umzug nach Köln",
             summary=f"Sprachkurs gesucht {CANARY}", consent="on", confirm="yes",
             version=version(c, rid))
    assert r.status_code == 303
    sent = cm.get(r.headers["location"]).text
    assert reference in sent and "Köln" in sent and "/takeback" in sent
    koeln = as_user(c, "cm.koeln", ["case_manager"], "koeln")
    page = koeln.get(base).text
    assert "cm.demo" in page and "Umzug nach Köln" in page and f"{CANARY}" in page
    assert "Akte des alten Teams" not in page
    assert post(koeln, f"{base}/notes", text="zu früh").status_code == 409  # accept first
    assert post(koeln, f"{base}/handover/accept").status_code == 303
    with c.app.state.services.store.session() as s:
        h = s.scalar(select(CaseHandover))
        assert h.accepted_at is not None and h.reason.startswith("v1:")
        assert s.scalar(select(func.count()).select_from(CaseFile)) == 0  # old file deleted
    sent = cm.get("/staff/referrals", params={"status": "weitergeleitet"}).text
    assert reference in sent and "/takeback" not in sent
    assert post(cm, f"/staff/handovers/{h.id}/takeback").status_code == 303  # refused: accepted
    with c.app.state.services.store.session() as s:
        assert s.get(Referral, rid).kommune_id == "koeln"
    # the history at the receiver starts with the accepted hand-over
    assert koeln.get(base).text.count("→") == 1


def test_handover_can_be_taken_back_until_accepted(world):
    c, cm = world
    rid, _, _ = submit(c)
    step(c, cm, rid, "erstkontakt")
    post(cm, f"/staff/referrals/{rid}/notes", text="bleibt erhalten")
    post(cm, f"/staff/referrals/{rid}/handover", kommune="koeln", reason="Irrtum",
         confirm="yes", version=version(c, rid))
    with c.app.state.services.store.session() as s:
        h = s.scalar(select(CaseHandover))
        assert h.summary is None and not h.summary_consent  # no consent, no summary
    koeln = as_user(c, "cm.koeln", ["case_manager"], "koeln")
    assert post(koeln, f"/staff/handovers/{h.id}/takeback").status_code == 404
    assert post(cm, f"/staff/handovers/{h.id}/takeback").status_code == 303
    page = cm.get(f"/staff/referrals/{rid}")
    assert page.status_code == 200 and "bleibt erhalten" in page.text
    assert koeln.get(f"/staff/referrals/{rid}").status_code == 404
    with c.app.state.services.store.session() as s:
        assert s.get(Referral, rid).status == "erstkontakt"
    assert rid in cm.get("/staff/referrals", params={"q": "amira"}).text  # tokens came back


def test_withdrawal_and_retention_cover_the_case_file(world):
    c, cm = world
    rid, reference, secret = submit(c)
    base = f"/staff/referrals/{rid}"
    post(cm, f"{base}/intake", text="x")
    post(cm, f"{base}/goals", goal="y")
    post(cm, f"{base}/links", kind="mbe")
    post(cm, f"{base}/followups", day="2026-12-07")
    step(c, cm, rid, "erstkontakt")
    r = c.post("/api/v1/referrals/withdraw", json={"reference": reference, "secret": secret})
    assert r.status_code in (200, 204)
    with c.app.state.services.store.session() as s:
        for model in (CaseFile, CaseGoal, CaseLink, CaseFollowUp, CaseEvent, ReferralNameToken):
            assert s.scalar(select(func.count()).select_from(model)) == 0, model
    rid2, _, _ = submit(c)
    post(cm, f"/staff/referrals/{rid2}/handover", kommune="koeln", reason="r",
         confirm="yes", version=1)
    store, settings = c.app.state.services.store, c.app.state.settings
    with store.session.begin() as s:
        ref = s.get(Referral, rid2)
        ref.status, ref.status_changed_at = "abgeschlossen", dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
        s.get(CaseHandover, s.scalar(select(CaseHandover.id))).sent_at = dt.datetime(
            2000, 1, 1, tzinfo=dt.UTC)
    retention.run_once(store, settings)
    with store.session() as s:
        assert s.get(Referral, rid2) is None
        assert s.scalar(select(func.count()).select_from(CaseHandover)) == 0


ROUTES = [("GET", "/staff/referrals/{id}", {}),
          ("POST", "/staff/referrals/{id}/intake", {"text": "x"}),
          ("POST", "/staff/referrals/{id}/assessment", {"area_work": "x"}),
          ("POST", "/staff/referrals/{id}/goals", {"goal": "x"}),
          ("POST", "/staff/referrals/{id}/goals/{sub}/done", {}),
          ("POST", "/staff/referrals/{id}/links", {"kind": "jmd"}),
          ("POST", "/staff/referrals/{id}/links/{sub}/outcome", {"outcome": "done"}),
          ("POST", "/staff/referrals/{id}/followups", {"day": "2026-12-07"}),
          ("POST", "/staff/referrals/{id}/followups/{sub}/done", {}),
          ("POST", "/staff/referrals/{id}/reopen", {"reason": "x", "version": "1"}),
          ("POST", "/staff/referrals/{id}/status", {"status": "abgeschlossen", "version": "1",
                                                    "reason_code": "other"}),
          ("POST", "/staff/referrals/{id}/handover", {"kommune": "dortmund", "reason": "x",
                                                      "version": "1"}),
          ("POST", "/staff/referrals/{id}/handover/accept", {}),
          ("GET", "/staff/referrals/{id}/precheck", {}),
          ("POST", "/staff/referrals/{id}/precheck", {"age": "20", "status": "duldung"})]


def test_isolation_every_new_route_is_404_for_another_kommune(world):
    c, cm = world
    rid, _, _ = submit(c)
    base = f"/staff/referrals/{rid}"
    step(c, cm, rid, "erstkontakt")
    post(cm, f"{base}/goals", goal=f"Ziel {CANARY}")
    post(cm, f"{base}/links", kind="jmd")
    post(cm, f"{base}/followups", day="2026-12-01", note=CANARY)
    with c.app.state.services.store.session() as s:
        subs = {"goals": s.scalar(select(CaseGoal.id)), "links": s.scalar(select(CaseLink.id)),
                "followups": s.scalar(select(CaseFollowUp.id))}
    koeln = as_user(c, "cm.koeln", ["case_manager"], "koeln")
    token = csrf_of(koeln)
    for method, path, data in ROUTES:
        sub = next((v for k, v in subs.items() if f"/{k}/" in path), "x")
        for target in (rid, str(uuid.uuid4())):
            r = koeln.request(method, path.format(id=target, sub=sub),
                              data={"csrf_token": token, **data} if method == "POST" else None,
                              follow_redirects=False)
            assert r.status_code == 404, (method, path, r.status_code)
            assert CANARY not in r.text
    # own case, other team's row ids: 404 too
    own, _, _ = submit(c, "koeln")
    for kind, sub in subs.items():
        path = {"goals": "done", "links": "outcome", "followups": "done"}[kind]
        r = koeln.post(f"/staff/referrals/{own}/{kind}/{sub}/{path}",
                       data={"csrf_token": token, "outcome": "done"}, follow_redirects=False)
        assert r.status_code == 404
    for path in ("/staff/cases/due", "/staff/cases/caseload",
                 "/staff/referrals?q=amira", "/staff/referrals?status=weitergeleitet"):
        page = koeln.get(path)
        assert page.status_code == 200 and rid not in page.text and CANARY not in page.text
    h = post(cm, f"{base}/handover", kommune="dortmund", reason="x", confirm="yes",
             version=version(c, rid))
    assert h.status_code == 303
    with c.app.state.services.store.session() as s:
        hid = s.scalar(select(CaseHandover.id))
    assert koeln.post(f"/staff/handovers/{hid}/takeback", data={"csrf_token": token},
                      follow_redirects=False).status_code == 404
    assert koeln.post(f"/staff/handovers/{uuid.uuid4()}/takeback", data={"csrf_token": token},
                      follow_redirects=False).status_code == 404
    with c.app.state.services.store.session() as s:
        assert s.get(Referral, rid).kommune_id == "dortmund"
        assert s.scalar(select(CaseGoal.done)) is False


def test_inbox_and_due_list_come_in_pages_of_100(world):
    from ops.bench_cases import _fill

    c, cm = world
    _fill(c.app.state.services.store, 105)  # every tenth has a follow-up due now
    first = cm.get("/staff/referrals")
    refs = set(re.findall(r"R-[0-9A-Z]{4}-[0-9A-Z]{4}", first.text))
    assert len(refs) == 100 and 'rel="next"' in first.text
    nxt = re.search(r'href="([^"]+)" rel="next"', first.text).group(1).replace("&amp;", "&")
    second = cm.get(nxt)
    rest = set(re.findall(r"R-[0-9A-Z]{4}-[0-9A-Z]{4}", second.text))
    assert len(rest) == 5 and not rest & refs and 'rel="next"' not in second.text
    due = cm.get("/staff/cases/due").text
    assert len(set(re.findall(r"R-[0-9A-Z]{4}-[0-9A-Z]{4}", due))) == 11


def test_names_stored_before_the_blind_index_are_indexed_by_backfill(world):
    from sqlalchemy import delete

    from app.referrals.blind import backfill

    c, cm = world
    rid, _, _ = submit(c, name="Olena Kovalenko")
    store = c.app.state.services.store
    with store.session.begin() as s:
        s.execute(delete(ReferralNameToken))
    assert rid not in cm.get("/staff/referrals", params={"q": "kovalenko"}).text
    assert backfill(store) == 1 and backfill(store) == 0
    assert rid in cm.get("/staff/referrals", params={"q": "kovalenko"}).text
