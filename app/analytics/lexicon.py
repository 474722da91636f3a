"""What the PII scrubber knows: names, ordinary words, and cue phrases in every UI language.

- `names`: first names from gender-guesser's `nam_dict.txt` (about 45,000, Latin
  script, many countries; Jörg Michael, GFDL) plus `data/names.txt` (Arabic,
  Persian, Pashto, Cyrillic and Ge'ez script names, Somali and Eritrean
  spellings, common family names), folded like the search does.
- `vocabulary`: words KIM-Lotse itself uses in every language (topic labels,
  descriptions, example questions, crisis and off-topic prototypes, Kommune
  and Gemeinde names); they are never taken for a name by the capital-letter
  rule, so "Jobcenter" or "Ausländerbehörde" inside an English question survive.
- `cues` (from `data/pii.json`): phrases after which a name, an address or a
  birth date follows, honorifics, family words and short function words.
Everything is loaded once per process.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from directory import reference
from index.lexical import fold as _fold
from index.prototypes import off_topic_sentences
from index.signals import crisis_data

try:  # the search lane moves the language detector into its own module
    from index.language import detect_language
except ImportError:
    from index.signals import detect_language

__all__ = ["Lexicon", "detect_language", "fold", "lexicon", "words"]
DATA = Path(__file__).parent / "data"
WORD = re.compile(
    r"[^\W\d_](?:[^\W\d_]|[\u0300-\u036f\u0483-\u0489\u0610-\u061a\u064b-\u065f\u0670"
    r"\u06d6-\u06ed\u135d-\u135f\u200c'’ʼ\-/](?=[^\W\d_]))*"
)
_CYR_TO_LAT = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ye", "ж": "zh",
    "з": "z", "и": "y", "і": "i", "ї": "yi", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n",
    "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "ю": "yu", "я": "ya", "ё": "yo", "ъ": "",
    "ы": "y", "э": "e", "'": "", "ʼ": "",
})


def fold(word: str) -> str:
    """The search's folding (case, diacritics, Arabic letter variants) plus apostrophes."""
    return _fold(word).replace("’", "'").replace("ʼ", "'")


def words(text: str) -> list[str]:
    return [fold(m.group()) for m in WORD.finditer(text)]


def latin_forms(word: str) -> set[str]:
    """A folded Cyrillic word in Latin letters (two readings of г), to look up in Latin lists."""
    if not any("\u0400" <= ch <= "\u04ff" for ch in word):
        return set()
    return {word.translate(_CYR_TO_LAT), word.replace("г", "g").translate(_CYR_TO_LAT)}


@dataclass(frozen=True)
class Lexicon:
    names: frozenset[str]
    surnames: frozenset[str]
    curated: frozenset[str]  # our own given-name list (data/names.txt), not the big one
    vocabulary: frozenset[str]
    stop: frozenset[str]
    intro: tuple[tuple[str, ...], ...]
    weak_intro: tuple[tuple[str, ...], ...]
    signoff: tuple[tuple[str, ...], ...]
    between: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
    honorific: frozenset[str]
    honorific_after: frozenset[str]
    relation: tuple[tuple[str, ...], ...]
    street_after: tuple[str, ...]
    street_number_after: tuple[str, ...]
    street_before: tuple[tuple[str, ...], ...]
    birth: tuple[tuple[str, ...], ...]
    noun_endings: tuple[str, ...]

    def is_name(self, folded: str) -> bool:
        if folded in self.names:
            return True
        return any(f in self.names for f in latin_forms(folded))


#: Single generic words that only announce a name when a colon follows ("Name: …").
WEAK = {"name", "vorname", "nachname", "familienname", "first name", "last name", "surname",
        "nom", "prenom", "имя", "фамилия", "ім'я", "прізвище", "име", "اسم", "الاسم", "نام",
        "نوم", "تخلص", "ስም", "this is", "c'est", "это", "це", "hier ist", "bana", "im namen von",
        "on behalf of", "de la part de", "adim", "ad soyad", "ich bin", "i am", "i'm", "im",
        "je suis", "moi c'est", "ben", "eu sunt", "sunt", "аз съм", "я"}


def _phrases(items) -> tuple[tuple[str, ...], ...]:
    out = {tuple(words(p)) for p in items}
    return tuple(sorted((p for p in out if p), key=lambda p: (-len(p), p)))


def _nam_dict() -> set[str]:
    try:
        path = resources.files("gender_guesser") / "data" / "nam_dict.txt"
        text = path.read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):  # the package is a pinned dependency
        return set()
    out = set()
    for line in text.splitlines():
        if line.startswith("#") or len(line) < 30:
            continue
        raw = line[3:29].strip()
        for part in re.split(r"[+\s-]", raw):
            if len(part) >= 3:
                out.add(fold(part))
    return out


def _own_names() -> tuple[set[str], set[str]]:
    given, family = set(), set()
    section = ""
    for line in (DATA / "names.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            section = line.lower()
            continue
        if line.strip():
            target = family if "family" in section else given
            target.add(fold(line.strip()))
    return given, family


def _vocabulary() -> tuple[set[str], set[str]]:
    """(lower-case words of the topic texts, every word of KIM-Lotse's own texts).

    Only the first set may overrule the name list: the example questions (crisis,
    off-topic) mention footballers and singers by name.
    """
    topic_texts: list[str] = []
    for code, entry in reference.taxonomy_i18n().items():
        topic_texts.append(code)
        for value in entry.values():
            if isinstance(value, dict):
                topic_texts += [value.get("label", ""), value.get("description", "")]
                topic_texts += value.get("phrases", [])
            elif isinstance(value, list):
                topic_texts += value
    for row in reference.taxonomy():
        topic_texts += list(row.values())
    other = list(off_topic_sentences())
    crisis = crisis_data()
    for group in ("terms", "prototypes", "not_crisis"):
        for items in crisis.get(group, {}).values():
            other += items
    other += [k.name for k in reference.kommunen()] + [g.name for g in reference.gemeinden()]
    lower = {fold(m.group()) for t in topic_texts for m in WORD.finditer(t)
             if m.group() == m.group().lower()}
    every = {w for t in topic_texts + other for w in words(t)}
    return lower, every


@cache
def lexicon() -> Lexicon:
    cues = json.loads((DATA / "pii.json").read_text(encoding="utf-8"))
    stop = {w for ws in cues["stop"].values() for p in ws for w in words(p)}
    common = {fold(w) for w in cues["common_not_names"]}
    lower, every = _vocabulary()
    vocabulary = every | common
    own_given, own_family = _own_names()
    names = (_nam_dict() - stop - lower - common) | own_given | own_family
    names -= stop | common
    intro_all = [p for ps in cues["intro"].values() for p in ps]
    cue_words = [*intro_all, *cues["honorific"], *cues["honorific_after"], *cues["relation"],
                 *cues["street_before"], *cues["street_after"], *cues["birth"], *cues["ids"],
                 *(p for ps in cues["signoff"].values() for p in ps)]
    vocabulary |= {w for p in cue_words for w in words(p)}
    weak = {tuple(words(p)) for p in WEAK}
    intro = _phrases(intro_all)
    return Lexicon(
        names=frozenset(names),
        surnames=frozenset(own_family - stop - common),
        curated=frozenset(own_given - stop - common),
        vocabulary=frozenset(vocabulary - names),
        stop=frozenset(stop),
        intro=tuple(p for p in intro if p not in weak),
        weak_intro=tuple(p for p in intro if p in weak),
        signoff=_phrases(p for ps in cues["signoff"].values() for p in ps),
        between=tuple(
            (tuple(words(a)), tuple(words(b)))
            for pairs in cues["between"].values() for a, b in pairs
        ),
        honorific=frozenset(fold(w).rstrip(".") for w in cues["honorific"]),
        honorific_after=frozenset(fold(w) for w in cues["honorific_after"]),
        relation=_phrases(cues["relation"]),
        street_after=tuple(fold(w) for w in cues["street_after"]),
        street_number_after=tuple(fold(w) for w in cues["street_number_after"]),
        street_before=_phrases(cues["street_before"]),
        birth=_phrases(cues["birth"]),
        noun_endings=tuple(sorted({fold(w) for w in cues["german_noun_endings"]},
                                  key=len, reverse=True)),
    )
