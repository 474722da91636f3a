"""The newcomer's page: languages, RTL, answer without JavaScript and as htmx fragment."""

import re


def test_start_page_in_arabic_is_rtl(client):
    r = client.get("/", params={"lang": "ar"})
    assert r.status_code == 200
    assert '<html lang="ar" dir="rtl">' in r.text
    assert "أين" in r.text  # translated heading
    assert "lotse_lang=ar" in r.headers["set-cookie"]


def test_language_is_remembered(client):
    client.get("/", params={"lang": "en"})
    assert '<html lang="en" dir="ltr">' in client.get("/").text
    client.get("/", params={"lang": "de"})
    assert '<html lang="de" dir="ltr">' in client.get("/").text


def test_answer_page_without_javascript(client):
    r = client.get("/", params={"lang": "ar", "kommune": "demo", "q": "بدي اتعلم الماني"})
    assert r.status_code == 200
    assert r.text.count('class="card"') >= 3
    assert re.search(r'href="tel:[0-9+]+"', r.text)
    assert 'lang="de"' in r.text  # German directory text is marked
    assert "<html" in r.text
    assert "fictional" in r.text or "خيالية" in r.text  # sample data is marked


def test_htmx_gets_only_the_answer_fragment(client):
    r = client.get("/", params={"lang": "de", "kommune": "demo", "q": "Deutsch lernen"},
                   headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert "<html" not in r.text and 'class="card"' in r.text
    assert r.headers["vary"] == "HX-Request"


def test_htmx_is_served_from_our_origin(client):
    page = client.get("/").text
    srcs = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert "/static/vendor/htmx.min.js" in srcs
    assert all(s.startswith(("/", "#", "tel:", "mailto:", "geo:")) for s in srcs), srcs
    js = client.get("/static/vendor/htmx.min.js")
    assert js.status_code == 200 and "htmx" in js.text[:2000]


def test_bad_input_keeps_what_was_typed(client):
    r = client.get("/", params={"lang": "de", "kommune": "demo", "q": "Deutschkurs",
                                "age": "zwanzig"})
    assert r.status_code == 200
    assert 'role="alert"' in r.text and "Deutschkurs" in r.text and "zwanzig" in r.text
    r = client.get("/", params={"lang": "en", "kommune": "atlantis", "q": "help"})
    assert r.status_code == 200 and 'role="alert"' in r.text


def test_unknown_page_is_a_friendly_404(client):
    r = client.get("/no-such-page", params={"lang": "ar"})
    assert r.status_code == 404
    assert '<html lang="ar" dir="rtl">' in r.text and "Traceback" not in r.text


def test_templates_escape_user_input(client):
    r = client.get("/", params={"lang": "de", "kommune": "demo", "q": "<script>alert(1)</script>"})
    assert "<script>alert(1)</script>" not in r.text
    assert "&lt;script&gt;" in r.text
