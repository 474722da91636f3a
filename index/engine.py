"""The search engine: hybrid ranking of offers, persistence, incremental updates.

A question is embedded once and compared with (a) every view of the offers
of the asked Kommune and the nationwide ones, and (b) the topic prototypes;
BM25 does the same on words. The scores are fused, eligibility (age,
Gemeinde) moves offers up or down without hiding any, and two signals are
derived: `crisis` (acute danger) and `confident` (the directory answers).
Without a model the engine answers from the lexical indexes alone and says so.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from directory.store import Offer
from index.cache import EmbeddingCache
from index.documents import offer_lexical_text, offer_views, topic_lexical_texts
from index.encoder import Encoder
from index.lexical import LexicalIndex
from index.prototypes import FILE as PROTOTYPES_FILE
from index.prototypes import Prototypes, prototype_texts
from index.signals import crisis_term, detect_language
from index.vectors import NATIONAL, VectorShards

FORMAT = 1
#: Topics that are one kind of help split by age (JMD 12-27, MBE over 27): a question
#: for one is a question for the other, and the person's age decides between them.
AGE_SPLIT_TOPICS = (("jmd", "mbe"),)
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Weights:
    """How the evidence is fused (tuned with `lotse eval`)."""

    dense: float = 0.5
    topic: float = 0.35
    lexical: float = 0.02
    topic_lexical: float = 0.05
    lexical_k: float = 12.0  # BM25 score that counts as half-way convincing
    age_mismatch: float = 0.10
    gemeinde_mismatch: float = 0.04
    confident_margin: float = -0.007
    crisis_min: float = 0.86
    crisis_margin: float = 0.02


@dataclass
class Evidence:
    """What one question matched: dense and lexical scores of offers and topics."""

    query: str
    qvec: np.ndarray | None
    allowed: list[str]
    dense: dict[str, float] = field(default_factory=dict)
    lexical: dict[str, float] = field(default_factory=dict)
    topic_dense: dict[str, float] = field(default_factory=dict)
    topic_lexical: dict[str, float] = field(default_factory=dict)
    off_topic: float = 0.0
    danger: float = 0.0
    ordinary: float = 0.0


@dataclass(frozen=True)
class Hit:
    id: str
    score: float
    categories: tuple[str, ...]
    kommune: str | None


@dataclass
class Answer:
    query: str
    lang: str
    crisis: bool
    confident: bool
    results: list[Hit]
    degraded: bool = False
    topics: list[tuple[str, float]] = field(default_factory=list)


def _shard_of(o: Offer) -> str:
    return o.kommune_id if o.scope != "national" and o.kommune_id else NATIONAL


class SearchEngine:
    """Holds the indexes in memory; swaps them atomically on rebuild."""

    def __init__(self, encoder: Encoder | None, weights: Weights | None = None,
                 cache: EmbeddingCache | None = None):
        self.encoder = encoder
        self.cache = cache or EmbeddingCache(None)
        self.weights = weights or Weights()
        self.offers: dict[str, Offer] = {}
        self.vectors: VectorShards | None = None
        self.lexical = LexicalIndex()
        self.topic_lexical = LexicalIndex()
        self.prototypes: Prototypes | None = None
        self.directory_hash = ""
        self._lock = threading.Lock()  # writers swap or change indexes under it

    # --- building and loading -------------------------------------------------

    @property
    def model_name(self) -> str:
        return self.encoder.name if self.encoder else ""

    def fingerprint(self, offers: Iterable[Offer]) -> str:
        h = hashlib.sha256(f"{FORMAT}|{self.encoder.model_id if self.encoder else ''}".encode())
        for o in sorted(offers, key=lambda x: x.id):
            h.update(json.dumps([o.id, _shard_of(o), offer_views(o)], ensure_ascii=False).encode())
        h.update(json.dumps(prototype_texts(), ensure_ascii=False).encode())
        return h.hexdigest()

    def open(self, offers: list[Offer], folder: Path, progress: Progress | None = None) -> bool:
        """Load the saved index if it matches the offers and model, else rebuild and save.

        Returns True when it had to rebuild.
        """
        fp = self.fingerprint(offers)
        manifest = read_manifest(folder)
        if self.encoder and manifest.get("directory_hash") == fp:
            try:
                self._load(offers, folder, fp)
                return False
            except (OSError, ValueError, KeyError):
                pass  # a damaged index is rebuilt
        self.build(offers, progress, fingerprint=fp)
        if self.encoder:
            self.save(folder)
        return True

    def build(self, offers: list[Offer], progress: Progress | None = None,
              fingerprint: str | None = None) -> None:
        offers_by_id = {o.id: o for o in offers}
        lexical, topic_lexical = _lexical_indexes(offers)
        vectors = prototypes = None
        if self.encoder:
            vectors = VectorShards(self.encoder.dim)
            total = len(offers)
            batch: list[Offer] = []
            for i, o in enumerate(offers, 1):
                batch.append(o)
                if len(batch) == 64 or i == total:
                    self._embed_into(vectors, batch)
                    batch = []
                    if progress:
                        progress(i, total)
            prototypes = Prototypes.embed(self.encoder, self.cache)
        with self._lock:  # swap everything at once
            self.offers = offers_by_id
            self.lexical, self.topic_lexical = lexical, topic_lexical
            self.vectors, self.prototypes = vectors, prototypes
            self.directory_hash = fingerprint or self.fingerprint(offers)

    def _embed_into(self, vectors: VectorShards, batch: list[Offer]) -> None:
        texts, spans = [], []
        for o in batch:
            views = offer_views(o)
            spans.append((o, len(texts), len(texts) + len(views)))
            texts += views
        embedded = self.encoder.documents_cached(texts, self.cache)
        for o, a, b in spans:
            vectors.add(o.id, _shard_of(o), embedded[a:b])

    def save(self, folder: Path) -> None:
        """Write the index next to `folder` and swap it in with a rename."""
        assert self.vectors is not None
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".index-", dir=folder.parent))
        shards = tmp / "shards"
        shards.mkdir()
        for key, blob in self.vectors.snapshot().items():
            (shards / f"{key}.faiss").write_bytes(blob)
        self.prototypes.save(tmp)
        offers = {oid: [self.vectors.offer_shard[oid], self.vectors.offer_views[oid]]
                  for oid in self.vectors.offer_shard}
        (tmp / "offers.json").write_text(json.dumps(offers))
        manifest = {
            "format": FORMAT,
            "model": self.model_name,
            "dimension": self.vectors.dim,
            "count": self.vectors.count,
            "directory_hash": self.directory_hash,
            "shards": sorted(self.vectors.shards),
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1))
        old = folder.with_name(folder.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if folder.exists():
            os.replace(folder, old)
        os.replace(tmp, folder)
        shutil.rmtree(old, ignore_errors=True)

    def _load(self, offers: list[Offer], folder: Path, fingerprint: str) -> None:
        manifest = read_manifest(folder)
        shards = {p.stem: p.read_bytes() for p in (folder / "shards").glob("*.faiss")}
        meta = json.loads((folder / "offers.json").read_text())
        vectors = VectorShards.restore(
            manifest["dimension"], shards, {k: (s, n) for k, (s, n) in meta.items()}
        )
        if vectors.count != len(offers) or set(meta) != {o.id for o in offers}:
            raise ValueError("index does not match the directory")
        lexical, topic_lexical = _lexical_indexes(offers)
        if not (folder / PROTOTYPES_FILE).exists():
            raise ValueError("index without prototypes")
        prototypes = Prototypes.load(folder)
        with self._lock:
            self.offers = {o.id: o for o in offers}
            self.vectors, self.prototypes = vectors, prototypes
            self.lexical, self.topic_lexical = lexical, topic_lexical
            self.directory_hash = fingerprint

    # --- incremental updates -----------------------------------------------------

    def upsert(self, offer: Offer) -> None:
        """Make one new or changed offer searchable at once."""
        vectors = (self.encoder.documents_cached(offer_views(offer), self.cache)
                   if self.vectors else None)
        with self._lock:
            if vectors is not None:
                self.vectors.add(offer.id, _shard_of(offer), vectors)
            self.lexical.add(offer.id, offer_lexical_text(offer))
            self.offers = {**self.offers, offer.id: offer}

    def remove(self, offer_id: str) -> None:
        with self._lock:
            if self.vectors is not None:
                self.vectors.remove(offer_id)
            self.lexical.remove(offer_id)
            self.offers = {k: v for k, v in self.offers.items() if k != offer_id}

    # --- searching ------------------------------------------------------------------

    def allowed(self, kommune: str | None) -> tuple[list[str], list[str]]:
        """Shard keys and offer ids that a search in this Kommune may return."""
        if kommune is None:
            ids = list(self.offers)
            shards = list(self.vectors.shards) if self.vectors else []
            return shards, ids
        ids = [o.id for o in self.offers.values()
               if o.kommune_id == kommune or o.scope == "national"]
        return [kommune, NATIONAL], ids

    def evidence(self, query: str, kommune: str | None = None, depth: int = 40) -> Evidence:
        """Everything the ranking needs about one question, computed once."""
        shards, allowed_ids = self.allowed(kommune)
        qvec = None
        if self.encoder is not None and self.vectors is not None:
            qvec = self.encoder.queries([query])[0]
        ev = Evidence(query=query, qvec=qvec, allowed=allowed_ids)
        with self._lock:  # a consistent view while an update may be running
            if qvec is not None and self.prototypes is not None:
                ev.topic_dense = self.prototypes.topic_scores(qvec)
                ev.off_topic = self.prototypes.off_topic_score(qvec)
                ev.danger, ev.ordinary = self.prototypes.danger(qvec)
                ev.dense = self.vectors.search(qvec, shards, depth)
            ev.lexical = dict(self.lexical.search(query, max(50, depth), allowed_ids))
            ev.topic_lexical = dict(self.topic_lexical.search(query, 30))
        for family in AGE_SPLIT_TOPICS:
            for scores in (ev.topic_dense, ev.topic_lexical):
                best = max((scores.get(c, 0.0) for c in family), default=0.0)
                if best:
                    scores.update({c: best for c in family})
        return ev

    def search(self, query: str, *, kommune: str | None = None, lang: str | None = None,
               age: int | None = None, gemeinde: str | None = None, limit: int = 5) -> Answer:
        limit = max(1, min(limit, 50))
        ev = self.evidence(query, kommune, depth=limit * 8)
        return self.answer(ev, lang=lang, age=age, gemeinde=gemeinde, limit=limit)

    def answer(self, ev: Evidence, *, lang: str | None = None, age: int | None = None,
               gemeinde: str | None = None, limit: int = 5) -> Answer:
        """Rank the candidates and read the signals off the evidence."""
        w = self.weights
        offers = self.offers
        topic = ev.topic_dense or ev.topic_lexical
        top_topics = set(sorted(topic, key=topic.get, reverse=True)[:3])
        allowed = set(ev.allowed)
        candidates = set(ev.dense) | set(ev.lexical)
        candidates |= {oid for oid in allowed
                       if oid in offers and top_topics & set(offers[oid].categories)}
        lex = _saturated(ev.lexical, w.lexical_k)
        topic_lex = _saturated(ev.topic_lexical, w.lexical_k)
        floor = min(ev.dense.values(), default=0.0)
        scored = []
        for oid in candidates:
            o = offers.get(oid)
            if o is None:
                continue
            s = w.dense * ev.dense.get(oid, floor)
            s += w.topic * max((ev.topic_dense.get(c, 0.0) for c in o.categories), default=0.0)
            s += w.lexical * lex.get(oid, 0.0)
            s += w.topic_lexical * max((topic_lex.get(c, 0.0) for c in o.categories),
                                       default=0.0)
            s -= self._mismatch(o, age, gemeinde)
            scored.append((s, oid))
        scored.sort(key=lambda x: (-x[0], x[1]))
        hits = [Hit(oid, round(s, 4), offers[oid].categories, offers[oid].kommune_id)
                for s, oid in scored[:limit]]
        crisis = crisis_term(ev.query) is not None or (
            ev.qvec is not None
            and ev.danger >= w.crisis_min
            and ev.danger - max(ev.ordinary, max(ev.topic_dense.values(), default=0.0))
            >= w.crisis_margin
        )
        if ev.qvec is not None:
            best_topic = max(ev.topic_dense.values(), default=0.0)
            confident = bool(hits) and best_topic - ev.off_topic >= w.confident_margin
        else:
            confident = bool(hits) and max(ev.topic_lexical.values(), default=0.0) > 0
        return Answer(
            query=ev.query,
            lang=lang or detect_language(ev.query),
            crisis=crisis,
            confident=confident,
            results=hits,
            degraded=ev.qvec is None,
            topics=sorted(ev.topic_dense.items(), key=lambda x: -x[1])[:3],
        )

    def _mismatch(self, o: Offer, age: int | None, gemeinde: str | None) -> float:
        w = self.weights
        penalty = 0.0
        if age is not None and (
            (o.min_age is not None and age < o.min_age)
            or (o.max_age is not None and age > o.max_age)
        ):
            penalty += w.age_mismatch
        if gemeinde and o.gemeinde_ids and gemeinde not in o.gemeinde_ids:
            penalty += w.gemeinde_mismatch
        return penalty


def _saturated(scores: dict[str, float], k: float) -> dict[str, float]:
    """BM25 scores mapped to [0, 1): weak matches stay small, strong ones near 1."""
    return {key: v / (v + k) for key, v in scores.items()}


def _lexical_indexes(offers: list[Offer]) -> tuple[LexicalIndex, LexicalIndex]:
    """BM25 over the offers' own words, and over each topic's words in all languages."""
    lexical = LexicalIndex()
    for o in offers:
        lexical.add(o.id, offer_lexical_text(o))
    topic_lexical = LexicalIndex()
    for code, text in topic_lexical_texts().items():
        topic_lexical.add(code, text)
    return lexical, topic_lexical


def read_manifest(folder: Path) -> dict:
    try:
        return json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError):
        return {}
