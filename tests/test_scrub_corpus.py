"""The anonymiser on ordinary words: at least 100 per question language (tests/data), none of
them may come back as "[name]". Prints the false-name rate per language (`-s`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.analytics.figures import QUERY_LANGUAGES
from app.analytics.scrub import scrub

CORPUS = json.loads((Path(__file__).parent / "data" / "scrub_ordinary_words.json")
                    .read_text(encoding="utf-8"))


#: Ordinary words that are written exactly like a common name and give no other clue (a
#: capitalised German noun, a script without capitals): the scrubber errs on the side of
#: removing them. Nothing else of the corpus may become "[name]".
HOMOGRAPHS = {"de": {"Sommer"}, "ar": {"زهرة"}, "ps": {"منی"}}


def false_names(lang: str) -> list[str]:
    return [w for w in CORPUS[lang] if "[name]" in scrub(w, lang)]


def test_corpus_covers_every_question_language_with_100_words():
    assert set(QUERY_LANGUAGES) <= set(CORPUS)
    for lang in QUERY_LANGUAGES:
        assert len(set(CORPUS[lang])) >= 100, lang
    assert "rain" in CORPUS["en"]


@pytest.mark.parametrize("lang", QUERY_LANGUAGES)
def test_no_ordinary_word_becomes_a_name(lang):
    wrong = false_names(lang)
    print(f"{lang}: {len(wrong)}/{len(CORPUS[lang])} false [name]")
    assert set(wrong) <= HOMOGRAPHS.get(lang, set()), wrong
    assert len(wrong) / len(CORPUS[lang]) <= 0.01


def test_names_are_still_removed_after_the_fix():
    assert "Meyer" not in scrub("my name is Rain Meyer", "en")
    assert "rain" in scrub("the rain came through the roof", "en")
    assert "Ahmed" not in scrub("Ich heiße Ahmed und brauche Hilfe", "de")
    assert "Olena" not in scrub("мене звати Olena", "uk")
    assert "[name]" in scrub("i need help for Ahmad with the rent", "en")
