"""Search rate limit per IP address (SEC-17): the API answers 429 with Retry-After, the
pages answer in the person's language and keep the question; pages without a question are
not counted."""

from __future__ import annotations

from app.i18n import translations


def test_searches_over_the_limit_get_429_and_keep_the_question(make_light_client):
    c = make_light_client(search_limit_ip=3)
    for _ in range(3):
        assert c.get("/api/v1/search", params={"q": "Deutschkurs"}).status_code == 200
    r = c.get("/api/v1/search", params={"q": "Deutschkurs"})
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1 and r.json()["detail"]
    page = c.get("/", params={"q": "أريد تعلم اللغة الألمانية 5521", "lang": "ar"})
    assert page.status_code == 429 and 'dir="rtl"' in page.text
    expected = translations("ar").gettext("Please wait a moment")
    assert expected != "Please wait a moment" and expected in page.text
    assert "أريد تعلم اللغة الألمانية 5521" in page.text and 'role="alert"' in page.text
    posted = c.post("/conversation/ask", data={"q": "Kita Platz 7731"},
                    headers={"Origin": "https://testserver"})
    assert posted.status_code == 429 and "Kita Platz 7731" in posted.text
    assert c.get("/", params={"lang": "de"}).status_code == 200  # no question: not counted
    assert c.get("/api/v1/kommunen").status_code == 200


def test_the_limit_is_per_address(make_light_client):
    c = make_light_client(search_limit_ip=1)
    assert c.get("/api/v1/search", params={"q": "Wohnung"}).status_code == 200
    assert c.get("/api/v1/search", params={"q": "Wohnung"}).status_code == 429
    c.app.state.limits = type(c.app.state.limits)()  # another process: a fresh window
    assert c.get("/api/v1/search", params={"q": "Wohnung"}).status_code == 200


def test_lotse_eval_asks_through_the_api_without_the_limit(settings):
    from ops.evaluate import evaluate

    queries = [{"id": f"t{i}", "lang": "de", "q": "Wo kann ich Deutsch lernen?",
                "expect": ["sprache"]} for i in range(3)]
    result = evaluate(settings.model_copy(update={"search_limit_ip": 1}), queries, "demo")
    assert result["queries"] == 3 and result["search"]["overall"]["r3"] == 1.0
