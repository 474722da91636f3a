"""The crisis lexicon: acute danger read off a question's words in 14 languages.

`index/data/crisis.json` holds per language the acute terms (suicide, not
breathing, a weapon, fire ...), terms of violence that are acute only with
an urgency cue (now, tonight ...) and without a marker of a past that is over
(years ago, back then ...), those cues and markers, and the sentences the
embedding detector compares with (`index.prototypes`). Terms match whole
words of the folded text; a trailing '*' matches a word prefix (Turkish,
Somali and others build long words). A term of a language written without
diacritics (English, Somali) does not match a word that carries one: folding
made Turkish "gün" (day) the English "gun".
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from index.lexical import fold

DATA = Path(__file__).parent / "data"
_ARABIC = re.compile(r"[\u0600-\u06ff]")
#: languages whose words never carry a diacritic: their terms match plain words only
PLAIN_LANGUAGES = frozenset({"en", "so"})
_MARKED = "\u00b7"  # stands for a word that lost a Latin diacritic in folding


@cache
def crisis_data() -> dict:
    path = DATA / "crisis.json"
    if not path.exists():
        return {"terms": {}, "prototypes": {}, "not_crisis": {}}
    return json.loads(path.read_text(encoding="utf-8"))


def _folded(terms: dict) -> tuple[str, ...]:
    """Folded terms; a trailing '*' (kept) lets the last word match as a prefix."""
    out = set()
    for ts in terms.values():
        for t in ts:
            words = " ".join(re.findall(r"\w+", fold(t)))
            if words:
                out.add(words + ("*" if t.endswith("*") else ""))
    return tuple(sorted(out))


@dataclass(frozen=True)
class _Terms:
    """One list of folded terms, indexed for a question's words: whole terms as a set
    of word n-grams, prefix terms (trailing '*') and Arabic-script phrases that are also
    looked for without their spaces."""

    exact: frozenset[str]
    longest: int  # words of the longest whole term
    prefixes: tuple[str, ...]
    joined: tuple[tuple[str, str], ...]  # (term, the term without spaces)

    @classmethod
    def of(cls, terms: tuple[str, ...]) -> _Terms:
        exact = frozenset(t for t in terms if not t.endswith("*"))
        return cls(exact=exact,
                   longest=max((t.count(" ") + 1 for t in exact), default=0),
                   prefixes=tuple(t for t in terms if t.endswith("*")),
                   joined=tuple((t, t.replace(" ", "")) for t in exact
                                if " " in t and _ARABIC.search(t)))


@cache
def _lexicon() -> dict[str, _Terms]:
    """Per kind (terms, violence, urgent, past) the folded terms; under "<kind>:plain" those of
    the languages without diacritics, matched against the text's plain words only."""
    data = crisis_data()
    out: dict[str, _Terms] = {}
    for kind in ("terms", "violence", "urgent", "past"):
        terms = data.get(kind, {})
        folded = _folded({k: v for k, v in terms.items() if k not in PLAIN_LANGUAGES})
        plain = _folded({k: v for k, v in terms.items() if k in PLAIN_LANGUAGES})
        shared = set(folded)  # also a term of a language with diacritics: matched there
        out[kind] = _Terms.of(folded)
        out[f"{kind}:plain"] = _Terms.of(tuple(t for t in plain if t not in shared))
    return out


def _plain_words(text: str) -> list[str]:
    """The folded words, each that lost a Latin diacritic in folding replaced by a mark."""
    out: list[str] = []
    for word in re.findall(r"\w+", unicodedata.normalize("NFKC", text).lower()):
        folded = fold(word)
        marked = folded != word and folded.isascii() and not word.isascii()
        out.extend([_MARKED] if marked else re.findall(r"\w+", folded))
    return out


def _find(terms: _Terms, spaced: str, joined: str) -> str | None:
    """The first term (in sorted order) found in the text: a whole term as consecutive
    words, a prefix term as words whose last one begins with its stem, and an
    Arabic-script phrase also without spaces (Persian and Pashto are written with or
    without ZWNJ or spaces inside words). A set lookup per word n-gram, not a scan of
    every term (2,000 of them: 0.8 ms a question as a scan, 0.13 ms so)."""
    words = spaced.split()
    hits = {g for n in range(1, terms.longest + 1) for i in range(len(words) - n + 1)
            if (g := " ".join(words[i:i + n])) in terms.exact}
    hits.update(t for t in terms.prefixes if f" {t[:-1]}" in spaced)
    if joined:
        hits.update(t for t, j in terms.joined if j in joined)
    return min(hits) if hits else None


def crisis_term(text: str) -> str | None:
    """The danger term that makes the question acute, if any.

    An acute term (suicide, not breathing, a weapon ...) suffices; a term of
    violence (he hits me) counts only with an urgency cue (now, tonight ...)
    and without a marker of a past that is over ("two years ago my ex hit me,
    now I am safe"), so a story of past or ongoing violence is answered with
    help offers, not with the emergency numbers first. The embedding readings
    (`ranking.is_crisis`) still judge such a story. Terms match whole words of
    the folded text.
    """
    words = re.findall(r"\w+", fold(text))
    spaced = " " + " ".join(words) + " "
    joined = "".join(words)
    plain = " " + " ".join(_plain_words(text)) + " "
    lex = _lexicon()

    def find(kind: str) -> str | None:
        return _find(lex[kind], spaced, joined) or _find(lex[f"{kind}:plain"], plain, "")

    acute = find("terms")
    if acute:
        return acute
    harm = find("violence")
    if harm and find("urgent") and not find("past"):
        return harm
    return None


def crisis_prototypes() -> tuple[list[str], list[str]]:
    data = crisis_data()
    pos = [s for ss in data["prototypes"].values() for s in ss]
    neg = [s for ss in data["not_crisis"].values() for s in ss]
    return pos, neg


@cache
def _statuses() -> dict[str, tuple[str, ...]]:
    path = DATA / "statuses.json"
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    return {code: _folded({code: names}) for code, names in data.items()
            if not code.startswith("_")}


@cache
def _status_terms() -> dict[str, _Terms]:
    return {code: _Terms.of(names) for code, names in _statuses().items()}


def residence_statuses(text: str) -> frozenset[str]:
    """The residence statuses a question names (Duldung, Gestattung, ...)."""
    words = re.findall(r"\w+", fold(text))
    spaced = " " + " ".join(words) + " "
    joined = "".join(words)
    return frozenset(code for code, names in _status_terms().items()
                     if _find(names, spaced, joined))


def without_statuses(text: str) -> str:
    """The question without the names of residence statuses (they decide eligibility)."""
    words = re.findall(r"\w+", text)
    folded = [fold(w) for w in words]
    names = {n for ns in _statuses().values() for n in ns if " " not in n and "*" not in n}
    prefixes = tuple(n[:-1] for ns in _statuses().values() for n in ns if n.endswith("*"))
    drop = {w for w, f in zip(words, folded, strict=True)
            if f in names or (prefixes and f.startswith(prefixes))}
    if not drop or len(drop) == len(set(words)):
        return text
    return re.sub(r"\w+", lambda m: "" if m.group(0) in drop else m.group(0), text)
