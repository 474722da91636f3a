"""Lexical index: BM25 over folded word tokens, compact and per shard.

The text is folded so that the way people type on a phone still matches:
case, German umlauts written as "ae/oe/ue" or without dots, Arabic and
Persian letter variants and diacritics, Cyrillic "ё". Term ids and document
frequencies are global (`Vocabulary`), so scores of two shards compare;
postings live per shard in compact arrays grouped by term (`LexicalShard`),
which is small in memory, scores a query with a few numpy operations and is
replaced whole (copy on write) when one offer changes.
"""

from __future__ import annotations

import math
import re
import sys
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass

import numpy as np

K1 = 1.2
B = 0.75
_WORD = re.compile(r"\w+", re.UNICODE)
_FOLD = str.maketrans(
    {
        "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ی": "ي", "ئ": "ي", "ې": "ي",
        "ۍ": "ي", "ة": "ه", "ک": "ك", "ګ": "گ", "ؤ": "و", "ـ": "", "ё": "е", "ß": "ss",
        "\u200c": " ", "\u200d": "", "ı": "i",
        **{chr(0x06F0 + i): str(i) for i in range(10)},  # Persian digits
        **{chr(0x0660 + i): str(i) for i in range(10)},  # Arabic-Indic digits
    }
)
_COMBINING = re.compile(
    "[" + "".join(chr(c) for c in range(0x300, 0x10000)
                  if unicodedata.combining(chr(c)) and chr(c) not in "\\]^-") + "]"
)


def fold(text: str) -> str:
    """Lower-case, strip diacritics and unify letter variants."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_FOLD)
    text = _COMBINING.sub("", unicodedata.normalize("NFD", text))
    return unicodedata.normalize("NFC", text)


def tokens(text: str) -> list[str]:
    """Folded word tokens; 'ae/oe/ue' count as the umlauts they often stand for."""
    text = fold(text).replace("ae", "a").replace("oe", "o").replace("ue", "u")
    return [w for w in _WORD.findall(text) if len(w) > 1 and not w.isdigit()]


class Vocabulary:
    """Global term ids and BM25 statistics (document frequency, lengths) of all shards."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.df = np.zeros(1024, dtype=np.int32)
        self.n_docs = 0
        self.total_len = 0
        self._lock = threading.Lock()

    def encode(self, text: str) -> tuple[np.ndarray, np.ndarray, int]:
        """(term ids, term frequencies, length) of a document; new terms get ids."""
        counts = Counter(tokens(text))
        with self._lock:
            ids = []
            for term in counts:
                tid = self.ids.get(term)
                if tid is None:
                    tid = self.ids[sys.intern(term)] = len(self.ids)
                ids.append(tid)
            if len(self.ids) > len(self.df):
                self.df = np.concatenate([self.df, np.zeros(len(self.df), dtype=np.int32)])
        return (np.array(ids, dtype=np.int32),
                np.fromiter(counts.values(), dtype=np.float32, count=len(counts)),
                sum(counts.values()))

    def lookup(self, query: str) -> np.ndarray:
        """Ids of the query's known terms (each once)."""
        ids = {self.ids.get(t) for t in tokens(query)}
        ids.discard(None)
        return np.array(sorted(ids), dtype=np.int32)

    def count(self, term_ids: np.ndarray, length: int, sign: int = 1) -> None:
        """Add (+1) or withdraw (-1) one document from the statistics."""
        with self._lock:
            np.add.at(self.df, term_ids, sign)
            self.n_docs += sign
            self.total_len += sign * length

    def idf(self, term_ids: np.ndarray) -> np.ndarray:
        df = self.df[term_ids].astype(np.float64)
        n = max(self.n_docs, 1)
        return np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)

    @property
    def avgdl(self) -> float:
        return self.total_len / self.n_docs if self.n_docs else 1.0

    def terms(self) -> list[str]:
        return sorted(self.ids, key=self.ids.get)

    @classmethod
    def restore(cls, terms: list[str], df: np.ndarray, n_docs: int, total_len: int):
        self = cls()
        self.ids = {sys.intern(t): i for i, t in enumerate(terms)}
        self.df = np.zeros(max(1024, len(terms)), dtype=np.int32)
        self.df[:len(df)] = df
        self.n_docs, self.total_len = n_docs, total_len
        return self


Doc = tuple[np.ndarray, np.ndarray, int]  # term ids, term frequencies, length
U16 = np.iinfo(np.uint16).max


@dataclass(frozen=True)
class LexicalShard:
    """Postings of one shard's documents (local numbers 0..n-1), grouped by term.

    Compressed-row layout: `terms` (sorted, each once) and `starts` say where each
    term's postings lie in `doc` and `tf`; documents are uint16 while the shard has
    fewer than 65,536 of them, frequencies uint16 (capped). 4 bytes per posting
    instead of 12 (term, document, frequency as 32-bit each): at the NRW size
    (54k offers, 10.7M postings) 41 MB instead of 123 MB.
    """

    terms: np.ndarray  # int32, sorted, unique
    starts: np.ndarray  # int64, len(terms) + 1
    doc: np.ndarray  # uint16 or int32
    tf: np.ndarray  # uint16
    length: np.ndarray  # float32 per document

    @classmethod
    def pack(cls, term: np.ndarray, doc: np.ndarray, tf: np.ndarray,
             length: np.ndarray) -> LexicalShard:
        """From one (term, document, frequency) triple per posting, in any order."""
        order = np.argsort(term, kind="stable")
        term = term[order]
        terms, first = np.unique(term, return_index=True)
        starts = np.append(first, len(term)).astype(np.int64)
        dtype = np.uint16 if len(length) <= U16 else np.int32
        return cls(terms.astype(np.int32), starts, doc[order].astype(dtype),
                   np.minimum(tf[order], U16).astype(np.uint16),
                   np.asarray(length, dtype=np.float32))

    @classmethod
    def build(cls, docs: list[Doc]) -> LexicalShard:
        if not docs:
            return cls.pack(np.zeros(0, np.int32), np.zeros(0, np.int32),
                            np.zeros(0, np.float32), np.zeros(0, np.float32))
        term = np.concatenate([d[0] for d in docs])
        doc = np.repeat(np.arange(len(docs), dtype=np.int32), [len(d[0]) for d in docs])
        tf = np.concatenate([d[1] for d in docs])
        return cls.pack(term, doc, tf, np.array([d[2] for d in docs], dtype=np.float32))

    @property
    def n_docs(self) -> int:
        return len(self.length)

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in (self.terms, self.starts, self.doc, self.tf, self.length))

    def _term_column(self) -> np.ndarray:
        return np.repeat(self.terms, np.diff(self.starts))

    def doc_terms(self, i: int) -> np.ndarray:
        return self._term_column()[self.doc == i]

    def without(self, i: int) -> LexicalShard:
        """The shard without local document i (later documents move down by one)."""
        doc = self.doc.astype(np.int32)
        keep = doc != i
        doc = doc[keep]
        return LexicalShard.pack(self._term_column()[keep], doc - (doc > i), self.tf[keep],
                                 np.delete(self.length, i))

    def replaced(self, i: int, d: Doc) -> LexicalShard:
        """The shard with local document i (i == n_docs: a new one) set to `d`."""
        doc = self.doc.astype(np.int32)
        keep = doc != i
        length = self.length.copy() if i < self.n_docs else np.append(self.length, 0)
        length[i] = d[2]
        return LexicalShard.pack(
            np.concatenate([self._term_column()[keep], d[0]]),
            np.concatenate([doc[keep], np.full(len(d[0]), i, dtype=np.int32)]),
            np.concatenate([self.tf[keep].astype(np.float32), d[1]]), length)

    def scores(self, term_ids: np.ndarray, idf: np.ndarray, avgdl: float) -> np.ndarray:
        """BM25 score of every local document for the given query terms."""
        out = np.zeros(self.n_docs, dtype=np.float32)
        if not len(term_ids) or not self.n_docs or not len(self.terms):
            return out
        at = np.minimum(np.searchsorted(self.terms, term_ids), len(self.terms) - 1)
        found = self.terms[at] == term_ids
        norm = K1 * (1 - B + B * self.length / max(avgdl, 1e-6))
        for j, w in zip(at[found], idf[found], strict=True):
            a, b = self.starts[j], self.starts[j + 1]
            docs, tf = self.doc[a:b], self.tf[a:b].astype(np.float32)
            out[docs] += w * tf * (K1 + 1) / (tf + norm[docs])
        return out


class LexicalIndex:
    """A small self-contained BM25 index (used for the topic texts)."""

    def __init__(self, texts: dict[str, str] | None = None) -> None:
        self.vocab = Vocabulary()
        self.keys = list(texts or {})
        docs = [self.vocab.encode(t) for t in (texts or {}).values()]
        for d in docs:
            self.vocab.count(d[0], d[2])
        self.shard = LexicalShard.build(docs)

    def __len__(self) -> int:
        return len(self.keys)

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        ids = self.vocab.lookup(query)
        scores = self.shard.scores(ids, self.vocab.idf(ids), self.vocab.avgdl)
        hits = [(self.keys[i], float(scores[i])) for i in np.flatnonzero(scores > 0)]
        return sorted(hits, key=lambda x: (-x[1], x[0]))[:k]


def idf_classic(n_docs: int, df: int) -> float:
    """The BM25 idf of one term (for tests and explanations)."""
    return math.log(1 + (n_docs - df + 0.5) / (df + 0.5))
