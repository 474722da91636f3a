"""Lexical index: BM25 over folded word tokens, with an inverted index.

The text is folded so that the way people type on a phone still matches:
case, German umlauts written as "ae/oe/ue" or without dots, Arabic and
Persian letter variants and diacritics, Cyrillic "ё". Scoring touches only
the posting lists of the query's words, so it stays fast on large
directories, and it can be restricted to a set of allowed offers.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable

K1 = 1.2
B = 0.75
_WORD = re.compile(r"\w+", re.UNICODE)
_ARABIC_FOLD = str.maketrans(
    {
        "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ي": "ي", "ی": "ي", "ئ": "ي",
        "ة": "ه", "ك": "ك", "ک": "ك", "ؤ": "و", "ـ": "", "ё": "е", "ß": "ss",
    }
)
_GERMAN = (("ae", "a"), ("oe", "o"), ("ue", "u"))


def fold(text: str) -> str:
    """Lower-case, strip diacritics and unify letter variants."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_ARABIC_FOLD)
    decomposed = unicodedata.normalize("NFD", text)
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", text)


def tokens(text: str) -> list[str]:
    """Folded word tokens; Latin words also lose 'ae/oe/ue' spellings of umlauts."""
    out = []
    for w in _WORD.findall(fold(text)):
        if w.isascii():
            for a, b in _GERMAN:
                w = w.replace(a, b)
        if len(w) > 1 and not w.isdigit():
            out.append(w)
    return out


class LexicalIndex:
    """BM25 (Okapi) over documents keyed by string ids; supports upsert and remove."""

    def __init__(self) -> None:
        self._postings: dict[str, dict[str, int]] = defaultdict(dict)
        self._length: dict[str, int] = {}
        self._terms: dict[str, tuple[str, ...]] = {}
        self._total = 0

    def __len__(self) -> int:
        return len(self._length)

    def add(self, doc_id: str, text: str) -> None:
        self.remove(doc_id)
        counts = Counter(tokens(text))
        for term, tf in counts.items():
            self._postings[term][doc_id] = tf
        n = sum(counts.values())
        self._terms[doc_id] = tuple(counts)
        self._length[doc_id] = n
        self._total += n

    def remove(self, doc_id: str) -> None:
        n = self._length.pop(doc_id, None)
        if n is None:
            return
        self._total -= n
        for term in self._terms.pop(doc_id):
            posting = self._postings[term]
            posting.pop(doc_id, None)
            if not posting:
                del self._postings[term]

    def search(
        self, query: str, k: int, allowed: Iterable[str] | None = None
    ) -> list[tuple[str, float]]:
        """The k best (doc id, BM25 score) pairs, only among `allowed` if given."""
        n_docs = len(self._length)
        if not n_docs or k <= 0:
            return []
        allow = set(allowed) if allowed is not None else None
        avg = self._total / n_docs
        scores: dict[str, float] = defaultdict(float)
        for term in set(tokens(query)):
            posting = self._postings.get(term)
            if not posting:
                continue
            idf = math.log(1 + (n_docs - len(posting) + 0.5) / (len(posting) + 0.5))
            for doc_id, tf in posting.items():
                if allow is not None and doc_id not in allow:
                    continue
                norm = tf * (K1 + 1) / (tf + K1 * (1 - B + B * self._length[doc_id] / avg))
                scores[doc_id] += idf * norm
        return sorted(scores.items(), key=lambda x: (-x[1], x[0]))[:k]
