"""Signals read off a question: acute danger (crisis) and the language it is in.

Crisis: a lexicon of danger terms per language, matched on folded text (the
embedding prototypes of acute danger live in `index.prototypes`). Language: the script
decides Arabic-script and Ge'ez languages, then word lists for the
Latin- and Cyrillic-script ones.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from index.lexical import fold

DATA = Path(__file__).parent / "data"


@cache
def crisis_data() -> dict:
    path = DATA / "crisis.json"
    if not path.exists():
        return {"terms": {}, "prototypes": {}, "not_crisis": {}}
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def _crisis_terms() -> tuple[str, ...]:
    terms = {fold(t).strip() for ts in crisis_data()["terms"].values() for t in ts}
    return tuple(sorted(t for t in terms if len(t) >= 4))


def crisis_term(text: str) -> str | None:
    """The first danger term found in the text, if any.

    Terms match in the folded text; Arabic-script terms also with all spaces
    removed, so Persian and Pashto written with or without ZWNJ or spaces match.
    """
    words = re.findall(r"\w+", fold(text))
    spaced = " " + " ".join(words) + " "
    joined = "".join(words)
    for term in _crisis_terms():
        if term in spaced or (_ARABIC.search(term) and term.replace(" ", "") in joined):
            return term
    return None


def crisis_prototypes() -> tuple[list[str], list[str]]:
    data = crisis_data()
    pos = [s for ss in data["prototypes"].values() for s in ss]
    neg = [s for ss in data["not_crisis"].values() for s in ss]
    return pos, neg


# --- language ---------------------------------------------------------------------

_PASHTO = set("ټډړږښګڼۍېځڅ")
_PERSIAN = set("پچژگی")
_ETHIOPIC = re.compile(r"[\u1200-\u137f]")
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_MARKERS = {
    "uk": set("їєіґ"),
    "bg": {"ъ"},
}
_WORDS = {
    "de": {"ich", "und", "der", "die", "das", "nicht", "wo", "wie", "mein", "kann", "bin", "ist"},
    "en": {"i", "the", "and", "my", "where", "how", "can", "need", "is", "to", "for", "what"},
    "tr": {"ve", "bir", "bu", "nerede", "nasıl", "için", "var", "ben", "benim", "istiyorum"},
    "fr": {"je", "le", "la", "les", "et", "est", "pour", "mon", "ma", "où", "comment", "des"},
    "ro": {"și", "sunt", "unde", "pentru", "nu", "am", "cum", "vreau", "meu", "mea", "care"},
    "so": {"waxaan", "maxaan", "sidee", "halkee", "aan", "iyo", "ku", "ka", "ma", "waa"},
    "ku": {"ez", "û", "min", "çawa", "li", "ku", "dixwazim", "heye", "xwe", "bi", "ji", "çi"},
    "ru": {"я", "и", "не", "где", "как", "мне", "мой", "это", "для", "что"},
    "uk": {"я", "і", "не", "де", "як", "мені", "мій", "це", "для", "що"},
    "bg": {"аз", "и", "не", "къде", "как", "ми", "моя", "това", "за", "какво"},
}


def detect_language(text: str, fallback: str = "de") -> str:
    """A best guess of the question's language among the UI languages."""
    if _ETHIOPIC.search(text):
        return "ti"
    if _ARABIC.search(text):
        chars = set(text)
        if chars & _PASHTO:
            return "ps"
        if chars & _PERSIAN:
            return "fa"
        return "ar"
    lower = text.lower()
    words = set(re.findall(r"\w+", lower))
    if _CYRILLIC.search(text):
        for lang, marks in _MARKERS.items():
            if set(lower) & marks:
                return lang
        scores = {lang: len(words & _WORDS[lang]) for lang in ("ru", "uk", "bg")}
        return max(scores, key=scores.get) if max(scores.values()) else "ru"
    latin = {lang: len(words & w) for lang, w in _WORDS.items() if lang not in ("ru", "uk", "bg")}
    if set(lower) & set("äöüß"):
        latin["de"] += 2
    if set(lower) & set("şğı"):
        latin["tr"] += 2
    if set(lower) & set("êîû"):
        latin["ku"] += 2
    if set(lower) & set("ăâșț"):
        latin["ro"] += 2
    best = max(latin, key=latin.get)
    return best if latin[best] else fallback
