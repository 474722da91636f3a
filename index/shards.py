"""One shard of the index: the offers of one Kommune (or the nationwide ones).

A shard holds its offers in a fixed local order together with everything
ranking needs about them as arrays in that order: view vectors (FAISS),
BM25 postings, topic membership and the target group's age range. Shards are
immutable; `replaced` and `without` return new shards, so the engine swaps a
whole shard at once and a search never sees half of a change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import numpy as np

from directory.reference import topic_codes
from directory.store import Offer
from index.lexical import Doc, LexicalShard
from index.vectors import ShardVectors

NATIONAL = "national"


@cache
def topics() -> tuple[str, ...]:
    return tuple(topic_codes())


@cache
def topic_position() -> dict[str, int]:
    return {c: i for i, c in enumerate(topics())}


def shard_of(o: Offer) -> str:
    return o.kommune_id if o.scope != "national" and o.kommune_id else NATIONAL


def topic_row(o: Offer) -> np.ndarray:
    row = np.zeros(len(topics()), dtype=bool)
    for c in o.categories:
        if c in topic_position():
            row[topic_position()[c]] = True
    return row


def is_emergency(o: Offer) -> bool:
    """A nationwide service that answers day and night, every day (110, 112, crisis lines)."""
    days = {d for s in o.schedule if s.opens_at == "00:00" and s.closes_at == "24:00"
            for d in s.days}
    return o.scope == "national" and len(days) == 7


def is_line(o: Offer) -> bool:
    """A nationwide phone line (110, 112, the helplines), not a counselling service: it has
    no office kind. It answers a question only when the question signals danger."""
    return o.scope == "national" and not o.office_kind


@dataclass(frozen=True)
class Shard:
    key: str
    offers: tuple[Offer, ...]
    vectors: ShardVectors | None
    lexical: LexicalShard
    topic: np.ndarray  # bool (n offers, n topics)
    min_age: np.ndarray  # float32, -inf when open
    max_age: np.ndarray  # float32, +inf when open
    emergency: np.ndarray  # bool
    pos: dict[str, int] = field(default_factory=dict, compare=False)
    #: local offer -> the residence statuses it is for (only offers that name some)
    statuses: dict[int, frozenset[str]] = field(default_factory=dict, compare=False)
    #: local offer -> the Gemeinden it is limited to (only offers that are limited)
    gemeinden: dict[int, frozenset[str]] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        self.pos.update({o.id: i for i, o in enumerate(self.offers)})
        self.statuses.update({i: frozenset(o.residence_statuses)
                              for i, o in enumerate(self.offers) if o.residence_statuses})
        self.gemeinden.update({i: frozenset(o.gemeinde_ids)
                               for i, o in enumerate(self.offers) if o.gemeinde_ids})

    @classmethod
    def build(cls, key: str, offers: list[Offer], docs: list[Doc],
              vectors: ShardVectors | None) -> Shard:
        return cls.assemble(key, offers, LexicalShard.build(docs), vectors)

    @classmethod
    def assemble(cls, key: str, offers: list[Offer], lexical: LexicalShard,
                 vectors: ShardVectors | None) -> Shard:
        n_topics = len(topics())
        return cls(
            key=key,
            offers=tuple(offers),
            vectors=vectors,
            lexical=lexical,
            topic=(np.stack([topic_row(o) for o in offers]) if offers
                   else np.zeros((0, n_topics), dtype=bool)),
            min_age=np.array([-np.inf if o.min_age is None else o.min_age for o in offers],
                             dtype=np.float32),
            max_age=np.array([np.inf if o.max_age is None else o.max_age for o in offers],
                             dtype=np.float32),
            emergency=np.array([is_emergency(o) for o in offers], dtype=bool),
        )

    def __len__(self) -> int:
        return len(self.offers)

    def replaced(self, offer: Offer, doc: Doc, vectors: np.ndarray | None) -> Shard:
        """This shard with `offer` added or changed."""
        i = self.pos.get(offer.id, len(self.offers))
        offers = list(self.offers)
        if i == len(offers):
            offers.append(offer)
        else:
            offers[i] = offer

        def put(arr: np.ndarray, value) -> np.ndarray:
            grow = np.zeros((1, *arr.shape[1:]), dtype=arr.dtype)
            out = arr.copy() if i < len(arr) else np.concatenate([arr, grow])
            out[i] = value
            return out

        return Shard(
            key=self.key,
            offers=tuple(offers),
            vectors=(self.vectors.replaced(i, vectors)
                     if self.vectors is not None and vectors is not None else self.vectors),
            lexical=self.lexical.replaced(i, doc),
            topic=put(self.topic, topic_row(offer)),
            min_age=put(self.min_age, -np.inf if offer.min_age is None else offer.min_age),
            max_age=put(self.max_age, np.inf if offer.max_age is None else offer.max_age),
            emergency=put(self.emergency, is_emergency(offer)),
        )

    def without(self, offer_id: str) -> Shard:
        i = self.pos.get(offer_id)
        if i is None:
            return self
        return Shard(
            key=self.key,
            offers=self.offers[:i] + self.offers[i + 1:],
            vectors=self.vectors.without(i) if self.vectors is not None else None,
            lexical=self.lexical.without(i),
            topic=np.delete(self.topic, i, axis=0),
            min_age=np.delete(self.min_age, i),
            max_age=np.delete(self.max_age, i),
            emergency=np.delete(self.emergency, i),
        )
