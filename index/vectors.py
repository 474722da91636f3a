"""Dense vectors of one shard's offers: a FAISS flat inner-product index.

Each offer has one or more views (passages); their vectors are stored
together, offer after offer, in an `IndexFlatIP`, with `view_doc` telling
which local offer a row belongs to. A search scans the whole shard exactly
(one Kommune, a few thousand rows at most) and pools the views per offer by
their maximum. FAISS pads with id -1 when asked for more rows than it holds;
those are skipped. The object is immutable: a change builds a new one.

FAISS runs single-threaded here: a shard scan is too small to gain from threads,
and the idle threads of its own OpenMP runtime spin beside the encoder's threads
(measured by `lotse bench`: the query encoding inside an HTTP search took 43 ms
instead of 29 ms at the NRW size with FAISS' default threads, 26 ms with one).
"""

from __future__ import annotations

from dataclasses import dataclass

import faiss
import numpy as np

faiss.omp_set_num_threads(1)

def _flat(vectors: np.ndarray) -> faiss.IndexFlatIP:
    index = faiss.IndexFlatIP(vectors.shape[1])
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


@dataclass(frozen=True)
class ShardVectors:
    """View vectors of n local offers; rows of offer i are `view_doc == i`."""

    index: faiss.IndexFlatIP
    view_doc: np.ndarray  # int32 per row

    @classmethod
    def build(cls, dim: int, per_doc: list[np.ndarray]) -> ShardVectors:
        if not per_doc:
            return cls(faiss.IndexFlatIP(dim), np.zeros(0, dtype=np.int32))
        matrix = np.concatenate(per_doc).astype(np.float32)
        view_doc = np.repeat(np.arange(len(per_doc), dtype=np.int32),
                             [len(v) for v in per_doc])
        return cls(_flat(matrix), view_doc)

    @property
    def dim(self) -> int:
        return self.index.d

    @property
    def rows(self) -> int:
        return self.index.ntotal

    def matrix(self) -> np.ndarray:
        if not self.rows:
            return np.zeros((0, self.dim), dtype=np.float32)
        return faiss.vector_to_array(self.index.codes).view(np.float32).reshape(
            self.rows, self.dim)

    def vectors_of(self, i: int) -> np.ndarray:
        return self.matrix()[self.view_doc == i]

    def without(self, i: int) -> ShardVectors:
        keep = self.view_doc != i
        view_doc = self.view_doc[keep]
        return ShardVectors(_flat(self.matrix()[keep]), (view_doc - (view_doc > i)).astype(
            np.int32))

    def replaced(self, i: int, vectors: np.ndarray) -> ShardVectors:
        """Offer i (i == number of offers: a new one) gets these view vectors."""
        keep = self.view_doc != i
        matrix = np.concatenate([self.matrix()[keep], vectors.astype(np.float32)])
        view_doc = np.concatenate([self.view_doc[keep],
                                   np.full(len(vectors), i, dtype=np.int32)])
        return ShardVectors(_flat(matrix), view_doc)

    def scores(self, query: np.ndarray, n_docs: int, k: int | None = None) -> np.ndarray:
        """Best cosine per local offer (-1 for offers without a row among the k best rows)."""
        out = np.full(n_docs, -1.0, dtype=np.float32)
        if not self.rows:
            return out
        k = self.rows if k is None else max(1, k)
        sims, rows = self.index.search(query.reshape(1, -1).astype(np.float32), k)
        sims, rows = sims[0], rows[0]
        ok = rows >= 0  # FAISS pads with -1 when k > rows
        np.maximum.at(out, self.view_doc[rows[ok]], sims[ok])
        return out

    def serialize(self) -> bytes:
        return faiss.serialize_index(self.index).tobytes()

    @classmethod
    def restore(cls, blob: bytes, view_doc: np.ndarray) -> ShardVectors:
        index = faiss.deserialize_index(np.frombuffer(blob, dtype=np.uint8))
        if index.ntotal != len(view_doc):
            raise ValueError("vectors and their offers disagree")
        return cls(index, view_doc.astype(np.int32))
