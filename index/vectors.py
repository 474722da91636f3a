"""Dense vectors of the offers: FAISS flat inner-product shards, one per Kommune.

Each offer has a stable 59-bit number derived from its UUID; each of its
views (up to 16) is stored under `number << 4 | view` in an `IndexIDMap2`, so
an offer can be removed or replaced alone and its vectors read back. A
search for a Kommune scans that Kommune's shard and the nationwide one in
full, so the Kommune filter never drops a match (no top-k-then-filter).
"""

from __future__ import annotations

import uuid

import faiss
import numpy as np

MAX_VIEWS = 16
NATIONAL = "national"


def offer_number(offer_id: str) -> int:
    return uuid.UUID(offer_id).int >> 69  # 59 bits: with 4 view bits it fits int64


def _ids(offer_id: str, n: int) -> np.ndarray:
    base = offer_number(offer_id) << 4
    return np.arange(base, base + n, dtype=np.int64)


class VectorShards:
    """Offer vectors grouped by Kommune; exact search with per-offer max pooling."""

    def __init__(self, dim: int):
        self.dim = dim
        self.shards: dict[str, faiss.IndexIDMap2] = {}
        self.offer_ids: dict[int, str] = {}  # offer number -> UUID
        self.offer_shard: dict[str, str] = {}  # UUID -> shard key
        self.offer_views: dict[str, int] = {}

    @property
    def count(self) -> int:
        return len(self.offer_shard)

    def _shard(self, key: str) -> faiss.IndexIDMap2:
        if key not in self.shards:
            self.shards[key] = faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))
        return self.shards[key]

    def add(self, offer_id: str, shard: str, vectors: np.ndarray) -> None:
        self.remove(offer_id)
        vectors = np.ascontiguousarray(vectors[:MAX_VIEWS], dtype=np.float32)
        self._shard(shard).add_with_ids(vectors, _ids(offer_id, len(vectors)))
        self.offer_ids[offer_number(offer_id)] = offer_id
        self.offer_shard[offer_id] = shard
        self.offer_views[offer_id] = len(vectors)

    def remove(self, offer_id: str) -> None:
        shard = self.offer_shard.pop(offer_id, None)
        if shard is None:
            return
        base = offer_number(offer_id) << 4
        self.shards[shard].remove_ids(faiss.IDSelectorRange(base, base + MAX_VIEWS))
        self.offer_ids.pop(offer_number(offer_id), None)
        self.offer_views.pop(offer_id, None)

    def vectors(self, offer_id: str) -> np.ndarray:
        shard = self.shards[self.offer_shard[offer_id]]
        ids = _ids(offer_id, self.offer_views[offer_id])
        return np.stack([shard.reconstruct(int(i)) for i in ids])

    def search(self, query: np.ndarray, shards: list[str], k: int) -> dict[str, float]:
        """Best cosine per offer among the given shards; at least the k best offers.

        FAISS pads with id -1 when fewer than k vectors exist; those are skipped.
        """
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        best: dict[str, float] = {}
        for key in shards:
            index = self.shards.get(key)
            if index is None or index.ntotal == 0:
                continue
            kk = min(index.ntotal, max(k * MAX_VIEWS, 4096))
            scores, ids = index.search(q, kk)
            for score, vid in zip(scores[0], ids[0], strict=True):
                if vid < 0:
                    continue
                oid = self.offer_ids[int(vid) >> 4]
                if score > best.get(oid, -2.0):
                    best[oid] = float(score)
        return best

    def snapshot(self) -> dict[str, bytes]:
        """Each shard serialised (for saving)."""
        return {k: faiss.serialize_index(v).tobytes() for k, v in self.shards.items()}

    @classmethod
    def restore(cls, dim: int, shards: dict[str, bytes], offers: dict[str, tuple[str, int]]):
        """Rebuild from serialised shards and {offer UUID: (shard, views)}."""
        self = cls(dim)
        for key, blob in shards.items():
            self.shards[key] = faiss.deserialize_index(np.frombuffer(blob, dtype=np.uint8))
        for oid, (shard, views) in offers.items():
            self.offer_ids[offer_number(oid)] = oid
            self.offer_shard[oid] = shard
            self.offer_views[oid] = views
        return self
