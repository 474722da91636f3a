"""Catalogs: complete in every UI language, no fuzzy entries, extraction up to date."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from app.settings import UI_LANGUAGES

ROOT = Path(__file__).resolve().parent.parent


def catalog(lang):
    with open(ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f)


def template_ids(path):
    with open(path, "rb") as f:
        return {m.id for m in read_po(f) if m.id}


def test_every_catalog_is_complete():
    pot = template_ids(ROOT / "locales" / "messages.pot")
    for lang in UI_LANGUAGES:
        cat = catalog(lang)
        assert not cat.fuzzy, f"{lang}: the catalog header is fuzzy, it would not compile"
        ids = {m.id for m in cat if m.id}
        assert ids == pot, f"{lang}: stale catalog, run `make extract`"
        for m in cat:
            if not m.id:
                continue
            assert m.string, f"{lang}: untranslated {m.id!r}"
            assert not m.fuzzy, f"{lang}: fuzzy {m.id!r}"


def test_extraction_matches_the_template(tmp_path):
    out = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "--no-location", "-o", str(out), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    assert template_ids(out) == template_ids(ROOT / "locales" / "messages.pot"), (
        "strings changed: run `make extract` and translate")


def test_placeholders_survive_translation():
    import re

    for lang in UI_LANGUAGES:
        for m in catalog(lang):
            if m.id:
                assert sorted(re.findall(r"%\(\w+\)s", m.id)) == sorted(
                    re.findall(r"%\(\w+\)s", m.string)), (lang, m.id)
