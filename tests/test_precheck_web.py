"""The public pre-check without JavaScript (steps, result, office, referral link), the
Personal Book pages, the anonymous counts with k >= 5 and the coordinators' view with its
Kommune isolation (issue 18)."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlparse

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from staffkit import add_user, login

from app.precheck.models import PrecheckEvent

RUN = "run-abcdefghijklmnop"
#: a tolerated adult in the demo Kommune: § 25b may be open, § 25a closed by age
ADULT = {"age": "35", "arrived_year": str(dt.date.today().year - 7), "arrived_month": "1",
         "uninterrupted": "yes", "status": "duldung", "status_months": "40", "passport": "yes",
         "work": "fulltime", "livelihood": "own", "german": "A2", "minor_children": "no",
         "convictions": "no", "kommune": "demo"}


@pytest.fixture
def client(make_light_client) -> TestClient:
    return make_light_client()


def events(c) -> int:
    with c.app.state.services.store.session() as s:
        return s.scalar(select(func.count()).select_from(PrecheckEvent))


def test_the_steps_carry_the_answers_without_javascript(client):
    page = client.get("/precheck", params={"lang": "en"})
    assert page.status_code == 200 and "Step 1 of 6" in page.text
    run = re.search(r'name="run" value="([^"]+)"', page.text).group(1)
    step2 = client.get("/precheck", params={"lang": "en", "step": "2", "run": run, "age": "19",
                                            "arrived_year": "2020", "uninterrupted": "yes"})
    text = step2.text
    assert "Step 2 of 6" in text
    for name, value in (("age", "19"), ("arrived_year", "2020"), ("run", run)):
        assert f'name="{name}" value="{value}"' in text  # carried as hidden fields
    last = client.get("/precheck", params={"lang": "en", "step": "6", "kommune": "demo"})
    assert 'action="/precheck/result"' in last.text and 'name="kommune"' in last.text


def test_an_invalid_answer_asks_its_step_again(client):
    page = client.get("/precheck", params={"lang": "en", "step": "5", "age": "abc"})
    assert "Step 1 of 6" in page.text and 'aria-invalid="true"' in page.text


def test_the_result_names_paths_office_documents_and_never_an_entitlement(client):
    r = client.get("/precheck/result", params={**ADULT, "lang": "en", "run": RUN})
    assert r.status_code == 200
    text = r.text
    blocks = dict(re.findall(r'<article class="precheck-path" data-outcome="(\w+)">\s*<h2>'
                             r'([^<]+)</h2>', text))
    assert blocks.get("may_open", "").startswith("Residence permit for sustainable")
    assert "closed" in blocks  # § 25a: 35 is past the limit of 27
    assert "§ 25b Abs. 1 Satz 2 Nr. 4 AufenthG" in text and "Documents to gather" in text
    assert "entitled" not in text.lower() and "Anspruch auf" not in text
    assert "Ausländerbehörde" in text  # the deciding office of the demo Kommune
    link = re.search(r'href="(/referral\?[^"]+)" data-precheck-referral', text).group(1)
    q = parse_qs(urlparse(link.replace("&amp;", "&")).query)
    assert q["kommune"] == ["demo"] and q["answer"] == [RUN]
    assert "§ 25b AufenthG" in q["q"][0] and "Vorab-Check" in q["q"][0]


def test_a_result_counts_once_per_run_and_a_referral_marks_it(client):
    before = events(client)
    for _ in range(2):  # a reload does not count again
        client.get("/precheck/result", params={**ADULT, "run": RUN})
    assert events(client) == before + 1
    from app.precheck.counts import referral_followed

    services = client.app.state.services
    assert referral_followed(services, RUN)
    assert not referral_followed(services, "unknown-run-0000000")
    with services.store.session() as s:
        row = s.scalars(select(PrecheckEvent)).one()
    assert row.open_25b and not row.open_25a and row.referral and row.kommune_id == "demo"
    assert row.month.day == 1


def test_the_result_is_in_persian_right_to_left(client):
    r = client.get("/precheck/result", params={**ADULT, "lang": "fa", "run": RUN})
    assert 'dir="rtl"' in r.text and 'lang="fa"' in r.text
    assert "Residence permit for sustainable" not in r.text  # translated


def test_the_book_pages_render_in_every_language(client):
    for lang in ("de", "ar", "fa", "en", "ti"):
        r = client.get("/book", params={"lang": lang})
        assert r.status_code == 200 and "data-book" in r.text, lang
    counter = client.get("/book/counter", params={"lang": "de"})
    assert 'lang="de"' in counter.text and "Schalter" in counter.text


def seed(c, kommune: str, n: int, **flags) -> None:
    month = dt.date.today().replace(day=1)
    last = (month - dt.timedelta(days=1)).replace(day=1)
    with c.app.state.services.store.session.begin() as s:
        for _ in range(n):
            s.add(PrecheckEvent(month=last, kommune_id=kommune, open_25a=False,
                                open_25b=flags.get("b", False),
                                open_stag10=flags.get("stag", False),
                                referral=flags.get("r", False)))


def test_coordinators_see_their_kommune_k_anonymous_and_no_other(client):
    seed(client, "demo", 8, b=True)
    seed(client, "demo", 5, r=True)
    seed(client, "demo", 1)
    seed(client, "demo", 2, stag=True)
    seed(client, "koeln", 41)
    c = TestClient(client.app, base_url="https://testserver")
    secret = add_user(client, "coord3", ("coordinator",), "demo")[1]
    assert login(c, "coord3", secret).status_code == 303
    r = c.get("/staff/precheck", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/staff/precheck/demo"
    text = c.get("/staff/precheck/demo").text
    row = re.search(r"<tr><th scope=\"row\">Vorab-Checks</th>(.*?)</tr>", text).group(1)
    assert row.endswith("<td>16</td>")  # last month: 16 pre-checks
    b = re.search(r"§ 25b AufenthG</span></th>(.*?)</tr>", text).group(1)
    assert b.endswith("<td>8</td>")  # 8 with § 25b open
    a = re.search(r"§ 25a AufenthG</span></th>(.*?)</tr>", text).group(1)
    assert a.endswith("<td>0</td>")  # none with § 25a open: a zero identifies nobody (issue 16)
    stag = re.search(r"§ 10 StAG</span></th>(.*?)</tr>", text).group(1)
    assert stag.endswith("<td>&lt;5</td>")  # 2 with § 10 StAG open: hidden (k = 5)
    assert ">41<" not in text
    for scope in ("koeln", "land"):
        r = c.get(f"/staff/precheck/{scope}")
        assert r.status_code == 404 and "41" not in r.text
    other = TestClient(client.app, base_url="https://testserver")
    assert other.get("/staff/precheck/demo", follow_redirects=False).status_code in (303, 401)
