"""Russian, Ukrainian and Bulgarian typed in Latin letters are read in Cyrillic
(index.translit); no other language is ever touched."""

import json
from pathlib import Path

import pytest

from index.translit import readable, to_cyrillic

QUESTIONS = Path(__file__).parent.parent / "index" / "data" / "questions.jsonl"


@pytest.mark.parametrize(("latin", "cyrillic"), [
    ("muzh b'et menya seichas", "муж бьет меня сеичас"),
    ("brat stoit na dakhu 9-poverkhivky i kazhe shcho zaraz strybne",
     "брат стоіт на даху 9-поверхівки і каже що зараз стрибне"),
    ("susedut otgore bie jena si, 4uvam kak pada ne6to i tq vika pomo6t",
     "суседут отгоре бие жена си, чувам как пада нещо и тя вика помощ"),
])
def test_written_back_in_cyrillic(latin, cyrillic):
    assert to_cyrillic(latin) == cyrillic


def test_german_words_and_numbers_inside_stay_as_they_are():
    out = to_cyrillic("jobcenter ne perevel den'gi za 3 mesyaca, nechem platit' za kvartiru")
    assert out is not None and out.startswith("jobcenter не перевел деньги за 3 ")


@pytest.mark.parametrize("text", [
    "tell me a joke", "Kindergeld beantragen", "Ich suche einen Deutschkurs in Dortmund",
    "bdi at3alam almani", "man mikham zaban yad begiram", "Merhaba, iş arıyorum",
    "Caut un curs de germană", "Waxaan rabaa koorso luqadda", "Ez li kursa almanî digerim",
    "муж бьет меня", "اريد ان اتعلم الالمانية", "zwei",
])
def test_other_languages_and_scripts_are_left_alone(text):
    assert to_cyrillic(text) is None and readable(text) == text


def test_no_labelled_sentence_of_another_language_is_touched():
    rows = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines()]
    touched = [r["text"] for r in rows
               if r["lang"] not in ("ru", "uk", "bg") and to_cyrillic(r["text"])]
    assert touched == []
    assert sum(bool(to_cyrillic(r["text"])) for r in rows if r["lang"] in ("ru", "uk", "bg"))


def test_a_crisis_typed_in_latin_letters_is_a_crisis(services):
    for q in ("pomogite muzh b'et menya seichas",
              "drug napisal chto vypil vse tabletki i proshchaetsya"):
        assert services.engine.search(q, kommune="demo").crisis, q
