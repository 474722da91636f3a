"""Russian, Ukrainian and Bulgarian typed in Latin letters, written back in Cyrillic.

People type "muzh b'et menya seichas" or "4uvam kak pada ne6to" on a phone without
a Cyrillic keyboard. The multilingual encoder reads such text poorly (held-out
tuning questions: crisis recall 0.83 -> 0.91 with this step), so the engine
encodes the Cyrillic spelling instead. Each language's common Latin spellings are
mapped back, longest match first; a text counts as transliterated only when most
of its words become words the repository already holds in that language
(`index.language` corpora and the labelled questions) and more of them than are
words of a Latin-script UI language: German, English, French, Romanian, Turkish,
Kurdish and Somali questions are never touched (0 of about 8,000 labelled
sentences). Persian, Arabic, Pashto and Tigrinya in Latin letters are not mapped:
their scripts write no short vowels, so a letter map guesses too much.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data"
_NON_LATIN = re.compile(r"[\u0400-\u04ff\u0600-\u06ff\u1200-\u137f]")
_WORD = re.compile(r"[a-z'0-9]+")
_TOKEN = re.compile(r"[A-Za-z'0-9]+")
_CYRILLIC_WORD = re.compile(r"[а-яёіїєґъь]+")

_COMMON = [("zh", "ж"), ("kh", "х"), ("ch", "ч"), ("sh", "ш"), ("ts", "ц"), ("yu", "ю"),
           ("ju", "ю"), ("ya", "я"), ("ja", "я"), ("a", "а"), ("b", "б"), ("v", "в"),
           ("w", "в"), ("d", "д"), ("e", "е"), ("z", "з"), ("j", "й"), ("k", "к"), ("l", "л"),
           ("m", "м"), ("n", "н"), ("o", "о"), ("p", "п"), ("r", "р"), ("s", "с"), ("t", "т"),
           ("u", "у"), ("f", "ф"), ("c", "ц")]
#: per language: Latin spelling -> Cyrillic, tried longest first
TABLES: dict[str, list[tuple[str, str]]] = {
    "ru": [("shch", "щ"), ("sch", "щ"), ("tz", "ц"), ("yo", "ё"), ("jo", "ё"), ("iy", "ий"),
           ("yy", "ый"), ("ye", "е"), ("je", "е"), ("''", "ъ"), ("'", "ь"), ("g", "г"),
           ("i", "и"), ("y", "ы"), ("h", "х"), ("x", "кс"), ("q", "к")],
    "uk": [("shch", "щ"), ("yi", "ї"), ("ji", "ї"), ("ye", "є"), ("je", "є"), ("'", "ь"),
           ("h", "г"), ("g", "г"), ("y", "и"), ("i", "і"), ("x", "кс"), ("q", "к")],
    "bg": [("sht", "щ"), ("6t", "щ"), ("g", "г"), ("i", "и"), ("y", "ъ"), ("h", "х"),
           ("x", "х"), ("j", "ж"), ("q", "я"), ("4", "ч"), ("6", "ш")],  # chat: 4 ч, 6 ш
}
TABLES = {lang: sorted(own + [c for c in _COMMON if c[0] not in dict(own)],
                       key=lambda pair: -len(pair[0])) for lang, own in TABLES.items()}
LATIN_LANGUAGES = ("de", "en", "fr", "ro", "tr", "ku", "so")


#: per language: one pattern of the Latin spellings in the table's order (longest first; a
#: regular expression tries alternatives in order at each position and keeps what none
#: matches, as a loop over the table would), and what each becomes
_PATTERNS = {lang: (re.compile("|".join(re.escape(latin) for latin, _ in table)), dict(table))
             for lang, table in TABLES.items()}


def _spell(word: str, lang: str) -> str:
    pattern, cyrillic = _PATTERNS[lang]
    return pattern.sub(lambda m: cyrillic[m.group(0)], word)


def _labelled() -> list[tuple[str, str]]:
    path = DATA / "questions.jsonl"
    if not path.exists():
        return []
    rows = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line)
    return [(r["lang"], r["text"]) for r in rows]


@cache
def _vocabularies() -> tuple[dict[str, frozenset[str]], frozenset[str]]:
    """Known words per Cyrillic language, and the words of the Latin-script languages."""
    from index.language import _corpus

    texts = {lang: list(ts) for lang, ts in _corpus().items()}
    for lang, text in _labelled():
        texts.setdefault(lang, []).append(text)
    cyrillic = {lang: frozenset(w for t in texts.get(lang, [])
                                for w in _CYRILLIC_WORD.findall(t.lower().replace("ё", "е")))
                for lang in TABLES}
    latin = frozenset(w for lang in LATIN_LANGUAGES for t in texts.get(lang, [])
                      for w in _WORD.findall(t.lower()))
    return cyrillic, latin


def to_cyrillic(text: str) -> str | None:
    """The text in Cyrillic if it is Russian, Ukrainian or Bulgarian in Latin letters."""
    if _NON_LATIN.search(text):
        return None
    words = [w for w in _WORD.findall(text.lower()) if not w.isdigit()]
    if len(words) < 2:
        return None
    known, latin = _vocabularies()
    best_lang, best_hits = "", 0
    for lang in TABLES:
        hits = sum(_spell(w, lang).replace("ё", "е") in known[lang] for w in words)
        if hits > best_hits:
            best_lang, best_hits = lang, hits
    latin_hits = sum(w in latin for w in words)
    if best_hits < 2 or best_hits < 0.4 * len(words) or best_hits <= latin_hits:
        return None
    words_of = known[best_lang]

    def spell(m: re.Match) -> str:
        word = m.group(0)
        cyrillic = _spell(word.lower(), best_lang)
        lower = word.lower()
        german = lower in latin or (len(lower) > 5 and lower[:-1] in latin)  # Jobcentera
        if word.isdigit() or (german and cyrillic not in words_of):
            return word  # a number, or a German word inside (Jobcenter, Heim, Notarzt)
        return cyrillic

    return _TOKEN.sub(spell, text)


def readable(text: str) -> str:
    """What the encoder should read: the Cyrillic spelling where there is one."""
    return to_cyrillic(text) or text
