"""Catalogs: complete in every language of their domain, no fuzzy entries, extraction up to date.

Domain `messages` (public pages) in every UI language, domain `staff` in German and English.
"""

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from app.i18n import catalog_name
from app.settings import STAFF_LANGUAGES, UI_LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
DOMAINS = {"messages": UI_LANGUAGES, "staff": STAFF_LANGUAGES}
STAFF_KEYWORDS = ["--no-default-keywords", "-k", "_s", "-k", "staff_gettext",
                  "-k", "ngettext_s:1,2", "-k", "staff_ngettext:1,2"]


def catalog(lang, domain="messages"):
    with open(ROOT / "locales" / catalog_name(lang) / "LC_MESSAGES" / f"{domain}.po", "rb") as f:
        return read_po(f)


def template_ids(path):
    with open(path, "rb") as f:
        return {m.id for m in read_po(f) if m.id}


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_catalog_is_complete(domain):
    pot = template_ids(ROOT / "locales" / f"{domain}.pot")
    for lang in DOMAINS[domain]:
        cat = catalog(lang, domain)
        assert not cat.fuzzy, f"{lang}: the catalog header is fuzzy, it would not compile"
        ids = {m.id for m in cat if m.id}
        assert ids == pot, f"{lang}: stale catalog, run `make extract`"
        for m in cat:
            if not m.id:
                continue
            assert m.string, f"{lang}: untranslated {m.id!r}"
            assert not m.fuzzy, f"{lang}: fuzzy {m.id!r}"


@pytest.mark.parametrize("domain", DOMAINS)
def test_extraction_matches_the_template(tmp_path, domain):
    out = tmp_path / f"{domain}.pot"
    keywords = STAFF_KEYWORDS if domain == "staff" else []
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "--no-location", *keywords, "-o", str(out), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    assert template_ids(out) == template_ids(ROOT / "locales" / f"{domain}.pot"), (
        "strings changed: run `make extract` and translate")


@pytest.mark.parametrize("domain", DOMAINS)
def test_placeholders_survive_translation(domain):
    import re

    for lang in DOMAINS[domain]:
        for m in catalog(lang, domain):
            if not m.id:
                continue
            ids = m.id if isinstance(m.id, tuple) else (m.id,)
            strings = m.string if isinstance(m.string, tuple) else (m.string,)
            wanted = sorted(re.findall(r"%\(\w+\)[sd]", ids[-1]))
            for string in strings:  # every plural form keeps the placeholders
                assert sorted(re.findall(r"%\(\w+\)[sd]", string)) == wanted, (lang, m.id)


def test_every_catalog_folder_is_a_ui_language():
    folders = {p.name for p in (ROOT / "locales").iterdir() if p.is_dir()}
    assert folders == {catalog_name(lang) for lang in UI_LANGUAGES}


def test_catalogs_say_whether_a_native_speaker_must_review_them():
    for lang in UI_LANGUAGES:
        header = catalog(lang).header_comment
        line = next((x for x in header.splitlines() if "Native-speaker review:" in x), None)
        assert line, f"{lang}: the header does not say whether it needs review"
        if lang not in ("de", "en"):
            assert "NEEDED" in line, f"{lang}: translations nobody reviewed are marked NEEDED"


def test_compiled_catalogs_translate_at_run_time():
    from app import i18n

    for lang in UI_LANGUAGES:
        i18n.set_language(lang)
        if lang != "en":
            assert i18n.gettext("Your question") != "Your question", (
                f"{lang}: not translated at run time; run `make catalogs`")
    i18n.set_language("de")
