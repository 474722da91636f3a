"""The search engine: hybrid ranking of offers, persistence, incremental updates.

A question is embedded once (on the batching worker, within a time budget)
and compared with (a) every view of the offers of the asked Kommune and the
nationwide ones, and (b) the topic prototypes; BM25 does the same on words.
The scores are fused (`index.ranking`), eligibility (age, Gemeinde) moves
offers up or down without hiding any (an age the question states counts when
none is given), and two signals are derived: `crisis`
(acute danger) and `confident` (the directory answers). Without a model, or
when an encoding runs over its budget, the engine answers from the lexical
indexes alone and says so (`degraded`).

All searchable state is one immutable `State`; a rebuild or an update makes a
new one and swaps the reference, so a search never sees half an index.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import numpy as np

from directory.store import Offer
from index import danger, persistence
from index.age import stated_age
from index.batcher import QueryBatcher
from index.cache import EmbeddingCache
from index.documents import offer_lexical_text, offer_views, topic_lexical_texts
from index.encoder import Encoder
from index.language import detect_language
from index.lexical import LexicalIndex, Vocabulary
from index.memory import trim
from index.normalize import normalise
from index.persistence import read_manifest
from index.prototypes import Prototypes, prototype_texts
from index.ranking import (
    Evidence,
    Weights,
    is_confident,
    is_crisis,
    saturate,
    score_shard,
    topic_array,
)
from index.shards import NATIONAL, Shard, is_line, shard_of
from index.signals import crisis_term, residence_statuses, without_statuses
from index.translit import to_cyrillic
from index.vectors import ShardVectors

log = logging.getLogger("lotse")

__all__ = ["Answer", "Hit", "SearchEngine", "Weights", "read_manifest"]
Progress = Callable[[int, int], None]
BATCH = 128  # offers embedded per step of the progress bar


@dataclass(frozen=True)
class Hit:
    id: str
    score: float
    categories: tuple[str, ...]
    kommune: str | None
    name: str = ""
    emergency: bool = False


@dataclass
class Answer:
    query: str
    lang: str
    crisis: bool
    confident: bool
    results: list[Hit]
    degraded: bool = False
    topics: list[tuple[str, float]] = field(default_factory=list)


@dataclass(frozen=True)
class State:
    shards: Mapping[str, Shard]
    offers: Mapping[str, Offer]
    prototypes: Prototypes | None
    fingerprint: str = ""


EMPTY = State(MappingProxyType({}), MappingProxyType({}), None)


class SearchEngine:
    """Holds the indexes in memory; swaps them atomically on rebuild and update."""

    def __init__(self, encoder: Encoder | None, weights: Weights | None = None,
                 cache: EmbeddingCache | None = None, encode_budget_ms: float = 0):
        self.encoder = encoder
        self.weights = weights or Weights()
        self.cache = cache or EmbeddingCache(None)
        self.vocab = Vocabulary()
        self.topic_lexical = LexicalIndex(topic_lexical_texts())
        self._state = EMPTY
        self._write = threading.Lock()  # one writer at a time; readers never wait
        self.batcher = (QueryBatcher(encoder.queries, encode_budget_ms,
                                     on_batch=encoder.claim_threads) if encoder else None)

    # --- state ---------------------------------------------------------------------

    @property
    def offers(self) -> Mapping[str, Offer]:
        return self._state.offers

    @property
    def directory_hash(self) -> str:
        return self._state.fingerprint

    @property
    def model_name(self) -> str:
        return self.encoder.name if self.encoder else ""

    @property
    def degraded(self) -> bool:
        """No model, or query encodings ran over their budget lately."""
        return self.encoder is None or (self.batcher is not None and self.batcher.degraded)

    # --- building and loading --------------------------------------------------------

    def fingerprint(self, offers: Iterable[Offer]) -> str:
        model_id = self.encoder.model_id if self.encoder else ""
        h = hashlib.sha256(f"{persistence.FORMAT}|{model_id}|{danger.SETTINGS}".encode())
        for o in sorted(offers, key=lambda x: x.id):
            h.update(json.dumps([o.id, shard_of(o), offer_views(o), offer_lexical_text(o),
                                 o.categories, o.min_age, o.max_age],
                                ensure_ascii=False, default=str).encode())
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
                shards, vocab, prototypes = persistence.load(folder, offers, self.encoder.dim)
                self.vocab = vocab
                self._swap(shards, prototypes, fp)
                return False
            except Exception as exc:  # torn, foreign or mismatched files: rebuild  # noqa: BLE001
                log.warning("saved index in %s cannot be loaded (%s: %s); rebuilding",
                            folder, type(exc).__name__, str(exc)[:200])
        self.build(offers, progress, fingerprint=fp)
        if self.encoder:
            try:
                self.save(folder)
            except OSError as exc:  # serving from memory; the next start builds again
                log.warning("index could not be saved to %s: %s", folder, type(exc).__name__)
        return True

    def build(self, offers: list[Offer], progress: Progress | None = None,
              fingerprint: str | None = None) -> None:
        """Index `offers` from scratch and swap the result in.

        Offers are embedded in batches across shards (small shards still fill a batch),
        in shard order; each shard is packed as soon as its last offer is embedded, so
        the transient lists of a build are those of a shard or two, not the directory's.
        """
        vocab = Vocabulary()
        groups: dict[str, list[Offer]] = {}
        for o in offers:
            groups.setdefault(shard_of(o), []).append(o)
        shards = {}
        if self.encoder:
            ordered = [o for members in groups.values() for o in members]
            pending: dict[str, list[np.ndarray]] = {}
            for start in range(0, len(ordered), BATCH):
                batch = ordered[start:start + BATCH]
                embedded = self._embed(batch)
                for o in batch:
                    pending.setdefault(shard_of(o), []).append(embedded[o.id])
                for key in [k for k, v in pending.items() if len(v) == len(groups[k])]:
                    shards[key] = self._shard(key, groups[key], vocab, pending.pop(key))
                if progress:
                    progress(start + len(batch), len(ordered))
            prototypes = Prototypes.embed(self.encoder, self.cache)
        else:
            shards = {key: self._shard(key, members, vocab, None)
                      for key, members in groups.items()}
            prototypes = None
        if progress and (not self.encoder or not offers):
            progress(len(offers), len(offers))
        with self._write:
            self.vocab = vocab
            self._swap(shards, prototypes, fingerprint or self.fingerprint(offers))

    def _shard(self, key: str, members: list[Offer], vocab: Vocabulary,
               vectors: list[np.ndarray] | None) -> Shard:
        """One shard: its offers' word postings (counted into `vocab`) and view vectors."""
        docs = [vocab.encode(offer_lexical_text(o)) for o in members]
        for d in docs:
            vocab.count(d[0], d[2])
        packed = ShardVectors.build(self.encoder.dim, vectors) if vectors is not None else None
        shard = Shard.build(key, members, docs, packed)
        del docs, vectors
        trim()  # the next shard's temporaries do not stack on this one's
        return shard

    def _embed(self, offers: list[Offer]) -> dict[str, np.ndarray]:
        texts, spans = [], []
        for o in offers:
            views = offer_views(o)
            spans.append((o.id, len(texts), len(texts) + len(views)))
            texts += views
        embedded = self.encoder.documents_cached(texts, self.cache)
        return {oid: embedded[a:b] for oid, a, b in spans}

    def _swap(self, shards: dict[str, Shard], prototypes: Prototypes | None,
              fingerprint: str) -> None:
        offers = {o.id: o for s in shards.values() for o in s.offers}
        self._state = State(MappingProxyType(dict(shards)), MappingProxyType(offers),
                            prototypes, fingerprint)

    def save(self, folder: Path) -> None:
        """Write the index next to `folder` and swap it in with a rename."""
        state = self._state
        persistence.save(folder, dict(state.shards), self.vocab, state.prototypes, {
            "model": self.model_name,
            "model_id": self.encoder.model_id if self.encoder else "",
            "dimension": self.encoder.dim if self.encoder else 0,
            "directory_hash": state.fingerprint,
        })

    # --- incremental updates -----------------------------------------------------------

    def upsert(self, offer: Offer) -> None:
        """Make one new or changed offer searchable at once (no full rebuild)."""
        vectors = self._embed([offer])[offer.id] if self.encoder else None
        doc = self.vocab.encode(offer_lexical_text(offer))
        with self._write:
            state = self._state
            shards = dict(state.shards)
            old = state.offers.get(offer.id)
            if old is not None:
                self._uncount(shards[shard_of(old)], old.id)
                if shard_of(old) != shard_of(offer):
                    shards[shard_of(old)] = shards[shard_of(old)].without(old.id)
            key = shard_of(offer)
            shard = shards.get(key) or Shard.build(
                key, [], [], ShardVectors.build(self.encoder.dim, []) if self.encoder else None)
            shards[key] = shard.replaced(offer, doc, vectors)
            self.vocab.count(doc[0], doc[2])
            self._swap(shards, state.prototypes, "")

    def remove(self, offer_id: str) -> None:
        with self._write:
            state = self._state
            old = state.offers.get(offer_id)
            if old is None:
                return
            shards = dict(state.shards)
            self._uncount(shards[shard_of(old)], offer_id)
            shards[shard_of(old)] = shards[shard_of(old)].without(offer_id)
            self._swap(shards, state.prototypes, "")

    def _uncount(self, shard: Shard, offer_id: str) -> None:
        i = shard.pos[offer_id]
        self.vocab.count(shard.lexical.doc_terms(i), int(shard.lexical.length[i]), -1)

    # --- searching ------------------------------------------------------------------------

    def shard_keys(self, state: State, kommune: str | None) -> list[str]:
        if kommune is None:
            return list(state.shards)
        return [k for k in (kommune, NATIONAL) if k in state.shards]

    def evidence(self, query: str, state: State | None = None) -> Evidence:
        """Everything the ranking needs about one question, computed once."""
        state = state or self._state
        w = self.weights
        text = normalise(query)  # German office words written in another script, added
        statuses = residence_statuses(text)
        if statuses:  # a status decides eligibility; what the question is about is the rest
            text = without_statuses(text)
        cyrillic = to_cyrillic(text)  # "muzh b'et menya" is read as "муж бьет меня"
        danger_term = crisis_term(query) or (crisis_term(cyrillic) if cyrillic else None)
        qvec = None
        if self.batcher is not None and state.prototypes is not None:
            qvec = self.batcher.encode(cyrillic or text)
        term_ids = self.vocab.lookup(text)
        topic_lex = topic_array(dict(self.topic_lexical.search(text, 30)))
        ev = Evidence(query=query, qvec=qvec, term_ids=term_ids, idf=self.vocab.idf(term_ids),
                      avgdl=self.vocab.avgdl,
                      topic_dense=np.zeros_like(topic_lex),
                      topic_lexical=saturate(topic_lex, w.lexical_k),
                      crisis_term=danger_term,
                      statuses=statuses,
                      age=stated_age(query))
        if qvec is not None:
            reading = state.prototypes.read(qvec)
            ev.topic_dense = topic_array(reading.topics)
            ev.danger, ev.safe, ev.danger_p = reading.danger, reading.safe, reading.danger_p
            ev.off_topic, ev.in_scope = reading.off_topic, reading.in_scope
        return ev

    def search(self, query: str, *, kommune: str | None = None, lang: str | None = None,
               age: int | None = None, gemeinde: str | None = None, limit: int = 5) -> Answer:
        state = self._state  # one consistent view for the whole search
        ev = self.evidence(query, state)
        return self.answer(ev, state=state, kommune=kommune, lang=lang, age=age,
                           gemeinde=gemeinde, limit=limit)

    def answer(self, ev: Evidence, *, state: State | None = None, kommune: str | None = None,
               lang: str | None = None, age: int | None = None, gemeinde: str | None = None,
               limit: int = 5) -> Answer:
        """Rank the offers of the Kommune (and nationwide) and read the signals."""
        state = state or self._state
        limit = max(1, min(limit, 50))
        age = age if age is not None else ev.age  # an age given wins over one in the text
        crisis = is_crisis(ev, self.weights)
        ranked: list[tuple[float, bool, Offer]] = []
        for key in self.shard_keys(state, kommune):
            shard = state.shards[key]
            scores = score_shard(shard, ev, self.weights, age=age, gemeinde=gemeinde)
            n = min(limit, len(scores))
            top = set(np.argpartition(-scores, n - 1)[:n].tolist()) if n else set()
            if crisis:  # emergency lines lead the answer
                top |= set(np.flatnonzero(shard.emergency).tolist())
            ranked += [(float(scores[i]), bool(shard.emergency[i]), shard.offers[i]) for i in top]
        ranked.sort(key=lambda x: (-(crisis and x[1]), -x[0], x[2].id))
        hits = [Hit(o.id, round(s, 4), o.categories, o.kommune_id, o.name, em)
                for s, em, o in ranked[:limit]]
        # a phone line (110, a helpline) answers a question only when it signals danger
        fits = [() if (em or is_line(o)) and not crisis else o.categories
                for _, em, o in ranked[:limit]]
        return Answer(
            query=ev.query,
            lang=lang or detect_language(ev.query),
            crisis=crisis,
            confident=is_confident(ev, self.weights, fits),
            results=hits,
            degraded=ev.qvec is None,
            topics=ev.top_topics(),
        )
