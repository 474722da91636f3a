"""Prototype sentences embedded once: topics, acute danger, ordinary and off-topic questions.

A question is compared with these small matrices: the topic prototypes carry a
question in any language to the topic codes of the German entries; the crisis
prototypes (weighed against ordinary questions near them) flag acute danger;
the off-topic prototypes (weather, sports, recipes …) tell when the directory
has nothing to say. All sets are plain data in `directory/data` and `index/data`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from index.cache import EmbeddingCache
from index.documents import topic_prototypes
from index.encoder import Encoder
from index.signals import crisis_prototypes

DATA = Path(__file__).parent / "data"
FILE = "prototypes.npz"


@cache
def off_topic_sentences() -> tuple[str, ...]:
    path = DATA / "off_topic.json"
    if not path.exists():
        return ()
    return tuple(s for ss in json.loads(path.read_text(encoding="utf-8")).values() for s in ss)


def prototype_texts() -> dict[str, list]:
    """Every prototype text, by set (also what the index fingerprint covers)."""
    pos, neg = crisis_prototypes()
    return {
        "topics": topic_prototypes(),
        "crisis": pos,
        "ordinary": neg,
        "off_topic": list(off_topic_sentences()),
    }


def _sims(matrix: np.ndarray, qvec: np.ndarray) -> np.ndarray:
    """Cosines of one vector with many, on this thread (a threaded BLAS call for one
    small matrix-vector product costs more in waiting than it saves, worst under load)."""
    return np.einsum("ij,j->i", matrix, qvec)


def _top_mean(sims: np.ndarray, n: int) -> float:
    if not len(sims):
        return 0.0
    n = min(n, len(sims))
    return float(np.partition(sims, -n)[-n:].mean())


@dataclass
class Prototypes:
    codes: list[str]
    topics: np.ndarray
    crisis: np.ndarray
    ordinary: np.ndarray
    off_topic: np.ndarray

    @classmethod
    def embed(cls, encoder: Encoder, cache: EmbeddingCache | None = None) -> Prototypes:
        texts = prototype_texts()
        return cls(
            codes=[c for c, _ in texts["topics"]],
            topics=encoder.queries_cached([t for _, t in texts["topics"]], cache),
            crisis=encoder.queries_cached(texts["crisis"], cache),
            ordinary=encoder.queries_cached(texts["ordinary"], cache),
            off_topic=encoder.queries_cached(texts["off_topic"], cache),
        )

    def save(self, folder: Path) -> None:
        np.savez(folder / FILE, codes=np.array(self.codes), topics=self.topics,
                 crisis=self.crisis, ordinary=self.ordinary, off_topic=self.off_topic)

    @classmethod
    def load(cls, folder: Path) -> Prototypes:
        with np.load(folder / FILE) as z:
            return cls(codes=[str(c) for c in z["codes"]], topics=z["topics"],
                       crisis=z["crisis"], ordinary=z["ordinary"], off_topic=z["off_topic"])

    def __post_init__(self) -> None:
        groups: dict[str, list[int]] = {}
        for i, code in enumerate(self.codes):
            groups.setdefault(code, []).append(i)
        self._groups = {c: np.array(ix) for c, ix in groups.items()}

    def topic_scores(self, qvec: np.ndarray, top: int = 2) -> dict[str, float]:
        """Per topic: the mean of its `top` most similar prototypes."""
        sims = _sims(self.topics, qvec)
        return {c: _top_mean(sims[ix], top) for c, ix in self._groups.items()}

    def off_topic_score(self, qvec: np.ndarray) -> float:
        return _top_mean(_sims(self.off_topic, qvec), 3)

    def danger(self, qvec: np.ndarray) -> tuple[float, float]:
        """(nearness to acute-danger prototypes, nearness to ordinary questions)."""
        return _top_mean(_sims(self.crisis, qvec), 2), _top_mean(_sims(self.ordinary, qvec), 2)
