"""Query normalisation: German office words written in another script.

People write the German words of their paperwork the way they hear them:
"الكندرجلد" (Kindergeld), "جوب سنتر" (Jobcenter), "آوسبیلدونگ" (Ausbildung),
"вохнунг" (Wohnung). The encoder and BM25 know the German word, not the
transliteration. Both sides are reduced to a consonant skeleton (vowels and
letters that stand for vowels dropped, sounds mapped to one class: ج/g/j,
х/h/خ ...); a word (or two adjacent words) of an Arabic-script or Cyrillic
question whose skeleton starts with the skeleton of a German office word gets
that word added to the question. The German words are the topics' office
terms of the taxonomy (`_de_terms`) and labels, so nothing here is keyed to
particular questions.
"""

from __future__ import annotations

import re
from functools import cache

from directory.reference import taxonomy, taxonomy_i18n

_GERMAN_RULES = (("sch", "š"), ("tsch", "č"), ("ch", "h"), ("ck", "k"), ("ph", "f"),
                 ("qu", "kv"), ("tz", "s"), ("ß", "s"), ("x", "ks"))
_GERMAN_MAP = str.maketrans({"c": "k", "v": "f", "w": "v", "z": "s", "j": "g", "y": "",
                             "ä": "", "ö": "", "ü": "", "a": "", "e": "", "i": "", "o": "",
                             "u": "", "d": "d", "t": "t"})
_ARABIC_MAP = str.maketrans({
    "ا": "", "أ": "", "إ": "", "آ": "", "ى": "", "ي": "", "ی": "", "ې": "", "ۍ": "", "و": "",
    "ع": "", "ء": "", "ئ": "", "ؤ": "", "ة": "", "ـ": "", "\u200c": "",
    "ب": "b", "پ": "p", "ت": "t", "ط": "t", "ټ": "t", "ث": "s", "س": "s", "ص": "s",
    "ج": "g", "چ": "č", "ح": "h", "ه": "h", "خ": "h", "د": "d", "ذ": "d", "ض": "d", "ډ": "d",
    "ر": "r", "ړ": "r", "ز": "s", "ظ": "s", "ژ": "š", "ږ": "š", "ش": "š", "ښ": "š",
    "غ": "g", "ف": "f", "ڤ": "f", "ق": "k", "ك": "k", "ک": "k", "گ": "g", "ګ": "g",
    "ل": "l", "م": "m", "ن": "n", "ڼ": "n", "ځ": "s", "څ": "s",
})
_CYRILLIC_MAP = str.maketrans({
    "а": "", "е": "", "ё": "", "и": "", "і": "", "ї": "", "о": "", "у": "", "ы": "", "э": "",
    "ю": "", "я": "", "є": "", "й": "", "ь": "", "ъ": "", "'": "", "ʼ": "",
    "б": "b", "в": "v", "г": "g", "ґ": "g", "д": "d", "ж": "š", "з": "s", "к": "k", "л": "l",
    "м": "m", "н": "n", "п": "p", "р": "r", "с": "s", "т": "t", "ф": "f", "х": "h",
    "ц": "s", "ч": "č", "ш": "š", "щ": "š",
})
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
MIN_SKELETON = 5
MAX_EXTRA = 2  # case endings and suffixes after the German word ("вохнунгом")


def german_skeleton(word: str, silent_h: bool = True) -> str:
    w = word.lower()
    w = re.sub(r"c(?=[eiy])", "s", w)  # Center, Citizen
    if silent_h:  # the h of Wohnung, Behörde: silent, but often written out
        w = re.sub(r"(?<=[aeiouäöü])h", "", w)
    for a, b in _GERMAN_RULES:
        w = w.replace(a, b)
    w = w.translate(_GERMAN_MAP)
    return re.sub(r"(.)\1+", r"\1", w)


def foreign_skeleton(word: str) -> str:
    w = word.lower()
    if _ARABIC.search(w):
        if w.startswith("ال") and len(w) > 4:  # the article
            w = w[2:]
        w = w.translate(_ARABIC_MAP)
    else:
        w = w.translate(_CYRILLIC_MAP)
    return re.sub(r"(.)\1+", r"\1", w)


@cache
def office_words() -> dict[str, str]:
    """German office words by skeleton (the longer word wins a shared skeleton)."""
    words: set[str] = set()
    for row in taxonomy():
        words.update(re.findall(r"[A-Za-zÄÖÜäöüß]{6,}", row["de"]))
    for entry in taxonomy_i18n().values():
        for term in entry.get("_de_terms", []):
            words.update(re.findall(r"[A-Za-zÄÖÜäöüß]{6,}", term))
    out: dict[str, str] = {}
    for w in sorted(words, key=len):
        for sk in {german_skeleton(w), german_skeleton(w, silent_h=False)}:
            if len(sk) >= MIN_SKELETON:
                out[sk] = w
    return out


def german_words(text: str) -> list[str]:
    """German office words that Arabic-script or Cyrillic words of `text` spell."""
    if not (_ARABIC.search(text) or _CYRILLIC.search(text)):
        return []
    words = [w for w in _WORD.findall(text) if _ARABIC.search(w) or _CYRILLIC.search(w)]
    skeletons = [foreign_skeleton(w) for w in words]
    candidates = skeletons + [a + b for a, b in zip(skeletons, skeletons[1:], strict=False)]
    found = []
    table = office_words()
    for sk in candidates:
        for extra in range(MAX_EXTRA + 1):
            stem = sk[:len(sk) - extra] if extra else sk
            if len(stem) >= MIN_SKELETON and stem in table:
                found.append(table[stem])
                break
    return list(dict.fromkeys(found))


def normalise(text: str) -> str:
    """The question with the German office words it transliterates added in brackets."""
    words = german_words(text)
    return f"{text} ({', '.join(words)})" if words else text
