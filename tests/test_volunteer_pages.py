"""Volunteers' pages in process: browse with filters (with and without htmx), one offer's
sheet and a short list with share link and QR code, friendly 404s."""

from __future__ import annotations

import re

import pytest

from app.volunteer import browse


@pytest.fixture(scope="module")
def vc(tmp_path_factory):
    from browserkit import light_app
    from fastapi.testclient import TestClient

    with TestClient(light_app(tmp_path_factory.mktemp("volunteer"))) as c:
        yield c


def _offers(vc):
    return vc.app.state.services.store.offers("demo")


def test_browse_without_filters_lists_topics_with_counts(vc):
    r = vc.get("/browse", params={"lang": "de"})
    assert r.status_code == 200
    assert 'class="card"' not in r.text  # light: topics first
    assert re.search(r'topic=sprache">Deutsch lernen</a> <span class="n">\(\d+\)', r.text)


def test_browse_filters_by_topic_language_age_and_open_now(vc):
    r = vc.get("/browse", params={"lang": "en", "kommune": "demo", "topic": "sprache",
                                  "language": "ar", "age": "20"})
    assert r.status_code == 200
    ids = set(re.findall(r'name="ids" value="([^"]+)"', r.text))
    expected = {o.id for o in _offers(vc) if "sprache" in o.categories and "ar" in o.languages
                and browse.fits_age(o, 20)}
    assert ids == expected and ids
    r = vc.get("/browse", params={"lang": "en", "topic": "all", "open": "1"})
    assert r.status_code == 200
    assert "Closed now" not in r.text and "Temporarily closed" not in r.text


def test_browse_fragment_for_htmx_and_bad_age_kept(vc):
    r = vc.get("/browse", params={"lang": "ar", "topic": "jmd"}, headers={"HX-Request": "true"})
    assert "<html" not in r.text and 'class="card"' in r.text
    assert r.headers["vary"] == "HX-Request"
    r = vc.get("/browse", params={"lang": "de", "topic": "jmd", "age": "zwanzig"})
    assert 'role="alert"' in r.text and 'value="zwanzig"' in r.text


def test_offer_sheet_has_share_link_and_inline_qr(vc):
    o = _offers(vc)[0]
    r = vc.get(f"/offer/{o.id}", params={"lang": "ar"})
    assert r.status_code == 200 and '<html lang="ar" dir="rtl">' in r.text
    assert f"http://127.0.0.1:8000/offer/{o.id}?lang=ar" in r.text
    assert '<svg role="img"' in r.text and "<title>" in r.text
    assert "data:" not in r.text.split("<main", 1)[1]  # inline SVG, no image request
    assert 'class="sheet-link"' not in r.text  # no link from the sheet to itself


def test_answer_and_browse_cards_link_to_their_sheet(vc):
    r = vc.get("/browse", params={"lang": "de", "topic": "jmd"})
    ids = re.findall(r'id="o-([^"]+)"', r.text)
    assert ids and all(f'href="/offer/{i}?lang=de"' in r.text for i in ids)
    r = vc.get("/", params={"lang": "ar", "kommune": "demo", "q": "Deutschkurs"})
    ids = re.findall(r'<article class="card" aria-labelledby="o-([^"]+)"', r.text)
    assert ids and all(f'href="/offer/{i}?lang=ar"' in r.text for i in ids)


def test_list_keeps_order_skips_unknown_and_accepts_both_forms(vc):
    a, b = _offers(vc)[3].id, _offers(vc)[1].id
    r = vc.get("/list", params={"ids": f"{a},nope,{b}", "lang": "de"})
    assert r.status_code == 200
    assert r.text.index(f'id="o-{a}"') < r.text.index(f'id="o-{b}"')
    r2 = vc.get(f"/list?ids={a}&ids={b}&lang=de")
    assert re.findall(r'id="o-([^"]+)"', r2.text) == [a, b]
    assert f"/list?ids={a}%2C{b}&amp;lang=de" in r2.text


@pytest.mark.parametrize("path", ["/offer/nope", "/offer/..%2Fetc", "/list", "/list?ids=x,y"])
def test_unknown_offers_are_friendly_404(vc, path):
    r = vc.get(path, params={"lang": "ar"})
    assert r.status_code == 404 and 'dir="rtl"' in r.text


def test_parse_ids_limits_and_cleans():
    assert browse.parse_ids(["a,b", "b", " c ", "<x>"]) == ["a", "b", "c"]
    assert len(browse.parse_ids([",".join(str(i) for i in range(50))])) == browse.LIST_LIMIT


@pytest.mark.parametrize("path", ["/", "/browse", "/browse?topic=all", "/saved", "/offline",
                                  "/accessibility", "/leichte-sprache", "/referral",
                                  "/responsibility", "/no-such-page"])
def test_every_public_page_links_statement_and_easy_language(vc, path):
    """A11Y-09 without a browser: the footer of every public page (404 too) links both,
    and nothing is loaded from another origin (PRIV-15)."""
    r = vc.get(path, params={"lang": "fa"})
    footer = r.text.split("<footer", 1)[1]
    assert 'href="/accessibility?lang=fa"' in footer and 'href="/leichte-sprache?lang=fa"' in footer
    assert all(src.startswith("/") for src in re.findall(r'\bsrc="([^"]*)"', r.text)), path
    assert re.search(r'<link rel="manifest" href="/manifest.webmanifest\?lang=fa">', r.text)


def test_statement_names_contact_ombudsstelle_and_review_date(vc):
    r = vc.get("/accessibility", params={"lang": "de"})
    assert "mailto:barrierefreiheit@kreis-musterland.example" in r.text
    assert "Ombudsstelle für barrierefreie Informationstechnik" in r.text
    assert "BITV NRW" in r.text and "2. Dezember 2026" in r.text
    r = vc.get("/leichte-sprache", params={"lang": "de"})
    assert "Leichter Sprache" in r.text and 'href="/?lang=de"' in r.text
