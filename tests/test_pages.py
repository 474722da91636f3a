"""The newcomer's page: languages, RTL, answer without JavaScript and as htmx fragment."""

import re


def test_start_page_in_arabic_is_rtl(client):
    r = client.get("/", params={"lang": "ar"})
    assert r.status_code == 200
    assert '<html lang="ar" dir="rtl">' in r.text
    assert "أين" in r.text  # translated heading
    assert "lotse_lang=ar" in r.headers["set-cookie"]


def test_only_a_page_the_person_opens_switches_the_language(client):
    client.get("/", params={"lang": "fa"})
    r = client.get("/", params={"lang": "de"}, headers={"sec-fetch-mode": "no-cors"})
    assert '<html lang="de"' in r.text and "set-cookie" not in r.headers
    assert '<html lang="fa" dir="rtl">' in client.get("/").text
    r = client.get("/", params={"lang": "de"}, headers={"sec-fetch-mode": "navigate"})
    assert "lotse_lang=de" in r.headers["set-cookie"]


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
    # nothing is loaded from another origin: every src and every <link> is our own
    assert not [s for s in re.findall(r'src="([^"]+)"', page) if not s.startswith("/")]
    assert all(h.startswith("/") for h in re.findall(r'<link[^>]*href="([^"]+)"', page))
    # other origins only as plain links the person may follow (a place on the map, the
    # page a nationwide line was checked on), sent without a referrer
    for tag in re.findall(r"<a [^>]*>", page):
        href = re.search(r'href="([^"]+)"', tag)
        if href and not href.group(1).startswith(("/", "#", "tel:", "mailto:", "geo:", "?")):
            assert href.group(1).startswith("https://") and 'rel="noreferrer"' in tag, tag
    # a conversation with a nationwide line on the page: still nothing loaded elsewhere
    page = client.get("/", params={"lang": "de", "kommune": "demo",
                                   "q": "Ich will nicht mehr leben"}).text
    assert not [s for s in re.findall(r'src="([^"]+)"', page) if not s.startswith("/")]
    links = [t for t in re.findall(r"<a [^>]*>", page) if 'href="https://' in t]
    assert links and all('rel="noreferrer"' in t for t in links), links
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


def test_start_page_in_every_language(client):
    from app.i18n import ENDONYMS, direction
    from app.settings import UI_LANGUAGES

    for lang in UI_LANGUAGES:
        r = client.get("/", params={"lang": lang})
        assert r.status_code == 200, lang
        assert f'<html lang="{lang}" dir="{direction(lang)}">' in r.text, lang
        for other in UI_LANGUAGES:  # the switch names every language in its own script
            assert f'lang="{other}"' in r.text and ENDONYMS[other] in r.text
    assert direction("fa") == direction("ps") == direction("ar") == "rtl"


def test_language_is_picked_from_tags_aliases_and_headers(client):
    from app.i18n import pick_language

    assert pick_language("de-x-simple") == "de-x-simple"
    assert pick_language("DE_simple") == "de-x-simple"
    assert pick_language("prs") == "fa" and pick_language("fa-AF") == "fa"
    assert pick_language("ckb", "xx", default="en") == "en"
    assert pick_language("zh-CN;q=0.9, ti;q=0.8") == "ti"
    r = client.get("/", headers={"Accept-Language": "so-SO,so;q=0.9"},
                   cookies={"lotse_lang": ""})
    assert '<html lang="so" dir="ltr">' in r.text


def test_weekdays_and_times_come_from_the_locale():
    from app.i18n import format_time, weekday_name

    assert weekday_name("MO", "ar") == "الاثنين"
    assert weekday_name("MO", "de-x-simple") == weekday_name("MO", "de") == "Mo."
    assert weekday_name("MO", "ti") != weekday_name("MO", "en")
    assert format_time("09:30", "en") == "9:30\u202fAM"
