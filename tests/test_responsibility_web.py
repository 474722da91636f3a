"""The lookup on the web: JSON API, volunteer page (no JS and htmx), the assistant's hint.

The app runs in process on its own store (migrated, demo directory, seeded rules);
the search engine is not needed here, so it stays empty and no model is loaded.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.main import create_app, open_store
from app.responsibility.hints import hint_for
from app.responsibility.models import ResponsibilityRuleHistory
from app.services import Services
from app.settings import Settings
from directory.models import stable_id
from index.engine import SearchEngine


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    settings = Settings(data_dir=tmp_path_factory.mktemp("web"), model="/nonexistent")
    return Services(settings, open_store(settings), SearchEngine(None), ready=True)


@pytest.fixture(scope="module")
def client(services):
    with TestClient(create_app(services.settings, services)) as c:
        yield c


def api(client, **params):
    return client.get("/api/v1/responsibility", params=params)


def test_api_answers_with_offices_legal_basis_and_what_changes_next(client):
    r = api(client, matter="lebensunterhalt", gemeinde="demo-beispieldorf", status="gestattung",
            age=30, lang="en")
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"matter", "date", "place", "input", "certain", "reasons", "answers",
                         "next", "case_management"}
    assert body["certain"] is True and body["reasons"] == []
    (answer,) = body["answers"]
    assert answer["rule"] == "lu-asylblg" and answer["legal_domain"]["code"] == "AsylbLG"
    assert "AsylbLG" in answer["legal_basis"] and answer["explanation"]
    (office,) = answer["offices"]
    assert office["code"] == "sozialamt" and office["carrier"] == "Beispieldorf"
    assert office["label"] == "Social welfare office (Sozialamt)"
    assert [e["id"] for e in office["entries"]] == [stable_id("service:demo-leistungen-3")]
    recognition = next(c for c in body["next"] if c["event"]["code"] == "recognition")
    assert recognition["answers"][0]["offices"][0]["code"] == "jobcenter"
    assert body["case_management"][0]["id"] == stable_id("service:demo-case-management-1")


def test_api_says_when_it_is_not_certain(client):
    body = api(client, matter="lebensunterhalt", kommune="demo", status="ae_24", age=40,
               lang="ar").json()
    assert body["certain"] is False
    assert "varies" in [r["code"] for r in body["reasons"]]
    assert re.search("[\u0600-\u06ff]", body["reasons"][0]["label"])  # in Arabic
    assert body["case_management"]
    body = api(client, matter="jugendhilfe", kommune="koeln").json()
    assert body["certain"] is False and "missing_age" in [r["code"] for r in body["reasons"]]
    assert len(body["answers"]) > 1


def test_api_applies_the_rules_of_a_given_day(client):
    body = api(client, matter="einbuergerung", gemeinde="demo-musterstadt",
               status="niederlassung", date="2024-01-15").json()
    assert body["answers"][0]["rule"] == "eb-anspruch-2023" and body["date"] == "2024-01-15"


def test_api_bad_input_gets_a_clear_4xx(client):
    assert api(client).status_code == 422
    r = api(client, matter="lebensunterhalt", gemeinde="demo-musterstadt", status="martian")
    assert r.status_code == 422 and r.json()["fields"] == ["status"]
    r = api(client, matter="lebensunterhalt", gemeinde="99999999", lang="de")
    assert r.status_code == 404 and "Gemeinde" in r.json()["detail"]
    r = api(client, matter="lebensunterhalt", kommune="atlantis")
    assert r.status_code == 404 and r.json()["detail"]
    r = api(client, matter="lebensunterhalt", kommune="koeln", gemeinde="demo-musterstadt")
    assert r.status_code == 422 and r.json()["detail"]
    assert api(client, matter="kita").status_code == 422  # no place
    assert api(client, matter="kita", kommune="demo", age=200).status_code == 422
    assert api(client, matter="kita", kommune="demo", date="1900-01-01").status_code == 422


def test_api_is_documented_and_lists_its_codes(client):
    spec = client.get("/api/openapi.json").json()
    op = spec["paths"]["/api/v1/responsibility"]["get"]
    params = {p["name"]: p for p in op["parameters"]}
    assert {"matter", "place", "age", "status", "benefits", "date"} <= set(params)
    # kommune and gemeinde: one object parameter (form, exploded: still ?kommune=&gemeinde=),
    # so the document can say "at least one of them" (SEC-13)
    place = params["place"]
    assert place["style"] == "form" and place["explode"] is True and place["required"]
    assert set(place["schema"]["properties"]) == {"gemeinde", "kommune"}
    assert "lebensunterhalt" in str(params["matter"]["schema"])
    options = client.get("/api/v1/responsibility/options", params={"lang": "ar"}).json()
    assert len(options["matters"]) == 16 and len(options["statuses"]) == 19
    assert options["statuses"][0]["de"].startswith("Aufenthaltsgestattung")


def test_lookups_store_nothing(client, services):
    def history_rows():
        with services.store.session() as s:
            return s.scalar(select(func.count(ResponsibilityRuleHistory.id)))

    before = history_rows()
    api(client, matter="kita", gemeinde="demo-musterstadt", age=3)
    client.get("/responsibility", params={"matter": "kita", "kommune": "demo", "age": "3"})
    assert history_rows() == before


def page(client, **params):
    return client.get("/responsibility", params=params)


def test_volunteer_page_in_every_language_without_javascript(client):
    for lang, word in (("de", "Wer ist zuständig?"), ("en", "Who is responsible?"),
                       ("ar", "من المسؤول؟")):
        r = page(client, lang=lang)
        assert r.status_code == 200 and word in r.text
    r = page(client, lang="ar", kommune="demo", gemeinde="demo-musterstadt",
             matter="migrationsberatung", status="ae_25_2_fluechtling", age="27")
    assert '<html lang="ar" dir="rtl">' in r.text
    assert 'class="card"' in r.text and "Jugendmigrationsdienst Musterstadt" in r.text
    assert 'lang="de"' in r.text  # German legal text and directory names are marked
    assert "28" in r.text  # what changes next: MBE from 28
    assert "Rechtsgrundlage" in r.text


def test_volunteer_page_speaks_every_ui_language(client):
    from app.settings import UI_LANGUAGES

    english = re.search(r"<h1>(.*?)</h1>", page(client, lang="en").text).group(1)
    for lang in UI_LANGUAGES:
        r = page(client, lang=lang, kommune="demo", gemeinde="demo-beispieldorf",
                 matter="lebensunterhalt", status="gestattung", age="30")
        assert r.status_code == 200 and f'<html lang="{lang}"' in r.text, lang
        heading = re.search(r"<h1>(.*?)</h1>", r.text).group(1)
        assert (heading == english) == (lang == "en"), lang
        assert "Bürgerbüro und Sozialamt Beispieldorf" in r.text, lang


def test_volunteer_page_htmx_fragment_and_uncertain_answer(client):
    r = page(client, lang="en", kommune="demo", matter="aufenthalt", status="duldung", age="30",
             headers=None)
    assert "not certain" in r.text and "KIM case management" in r.text
    r = client.get("/responsibility", params={"lang": "en", "kommune": "demo", "matter": "kita",
                                              "age": "3", "gemeinde": "demo-musterstadt"},
                   headers={"HX-Request": "true"})
    assert r.status_code == 200 and "<html" not in r.text and 'class="card"' in r.text
    assert r.headers["vary"] == "HX-Request"


def test_volunteer_page_keeps_input_on_errors_and_escapes(client):
    r = page(client, lang="de", kommune="demo", matter="kita", age="zwanzig")
    assert r.status_code == 200 and 'role="alert"' in r.text and "zwanzig" in r.text
    r = page(client, lang="en", kommune="atlantis", matter="kita")
    assert r.status_code == 200 and 'role="alert"' in r.text
    r = page(client, lang="en", kommune="demo", matter="<script>x</script>", age="<b>")
    assert r.status_code == 200 and "<script>x" not in r.text and "<b>" not in r.text
    srcs = re.findall(r'(?:src|href)="([^"]+)"', page(client, lang="en").text)
    assert all(s.startswith(("/", "#", "tel:", "mailto:", "geo:")) for s in srcs), srcs


def test_hint_for_the_assistant(services):
    store = services.store
    hint = hint_for(store, ["leistungen"], kommune="demo", lang="ar")
    assert hint is not None and hint.matter == "lebensunterhalt"
    assert hint.href.startswith("/responsibility?") and "kommune=demo" in hint.href
    assert "lang=ar" in hint.href and re.search("[\u0600-\u06ff]", hint.text)
    assert hint_for(store, ["ehrenamt", "dolmetschen"], kommune="demo") is None
    assert hint_for(store, ["anerkennung"]) is None  # the same office for everyone
    concrete = hint_for(store, ["aufenthalt"], kommune="demo", lang="en", status="duldung")
    assert concrete.offices == ("Immigration office (Ausländerbehörde)",)
