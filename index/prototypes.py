"""Prototype sentences embedded once: topics, acute danger, ordinary and off-topic questions.

A question is compared with these sets in one matrix product (`Prototypes.read`):
the topic prototypes carry a question in any language to the topic codes of the
German entries; acute danger and out-of-scope are read as nearest-neighbour votes,
the question's nearness to the danger (off-topic) sentences against its nearness to
everything else. The sets are plain data: topic labels and phrasings
(`directory/data/taxonomy_i18n.json`), the crisis sentences (`index/data/crisis.json`),
off-topic questions (`index/data/off_topic.json`) and `index/data/questions.jsonl`,
questions as newcomers type them in 14 languages, each labelled with a topic code,
`crisis`, `not_crisis` (worrying, not acute) or `off_topic`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

from index import danger as danger_model
from index.cache import EmbeddingCache
from index.documents import topic_prototypes
from index.encoder import Encoder
from index.signals import crisis_prototypes
from index.translit import readable

DATA = Path(__file__).parent / "data"
FILE = "prototypes.npz"
SETS = ("topics", "crisis", "ordinary", "off_topic")
NEIGHBOURS = 3  # votes of the nearest sentences that decide danger and scope


@cache
def off_topic_sentences() -> tuple[str, ...]:
    path = DATA / "off_topic.json"
    if not path.exists():
        return ()
    return tuple(s for ss in json.loads(path.read_text(encoding="utf-8")).values() for s in ss)


@cache
def labelled_questions() -> tuple[tuple[str, str], ...]:
    """(label, text) of `questions.jsonl`: a topic code, crisis, not_crisis or off_topic."""
    path = DATA / "questions.jsonl"
    if not path.exists():
        return ()
    rows = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line)
    return tuple((r["label"], r["text"]) for r in rows)


@cache
def prototype_texts() -> dict[str, list]:
    """Every prototype text, by set (also what the index fingerprint covers). Computed once
    per process (3.4 s with the transliteration check); callers only read it."""
    pos, neg = crisis_prototypes()
    questions = labelled_questions()
    special = {"crisis", "not_crisis", "off_topic"}
    # each as the encoder reads a question: Cyrillic languages typed in Latin letters
    # are written back in Cyrillic (index.translit), as `Engine.evidence` does
    return {
        "topics": [(code, readable(t)) for code, t in topic_prototypes()
                   + [(lab, t) for lab, t in questions if lab not in special]],
        "crisis": [readable(t) for t in pos + [t for lab, t in questions if lab == "crisis"]],
        "ordinary": [readable(t) for t in neg + [t for lab, t in questions
                                                  if lab == "not_crisis"]],
        "off_topic": [readable(t) for t in list(off_topic_sentences())
                      + [t for lab, t in questions if lab == "off_topic"]],
    }


def _top(sims: np.ndarray, n: int) -> np.ndarray:
    """The `n` largest values (fewer if there are fewer), in no order."""
    n = min(n, len(sims))
    return np.partition(sims, -n)[-n:] if n else sims[:0]


def _top_mean(sims: np.ndarray, n: int) -> float:
    best = _top(sims, n)
    return float(best.mean()) if len(best) else 0.0


@dataclass
class Reading:
    """What the prototypes say about one question."""

    topics: dict[str, float]  # per topic: the mean of its two nearest prototypes
    danger: float  # nearness to acute-danger sentences ...
    safe: float  # ... and to every other sentence
    off_topic: float  # nearness to off-topic questions ...
    in_scope: float  # ... and to every in-scope sentence
    danger_p: float = 0.0  # P(acute danger) of the linear model (index.danger)


@dataclass
class Prototypes:
    codes: list[str]
    topics: np.ndarray
    crisis: np.ndarray
    ordinary: np.ndarray
    off_topic: np.ndarray
    #: the linear danger model (`index.danger`), fitted on these sets when not given
    danger_w: np.ndarray | None = None
    danger_b: float = 0.0
    _all: np.ndarray = field(init=False, repr=False)

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
                 crisis=self.crisis, ordinary=self.ordinary, off_topic=self.off_topic,
                 danger_w=self._danger_w, danger_b=np.float64(self.danger_b))

    @classmethod
    def load(cls, folder: Path) -> Prototypes:
        with np.load(folder / FILE) as z:
            fitted = "danger_w" in z.files  # saved before the danger model: fitted now
            return cls(codes=[str(c) for c in z["codes"]], topics=z["topics"],
                       crisis=z["crisis"], ordinary=z["ordinary"], off_topic=z["off_topic"],
                       danger_w=z["danger_w"] if fitted else None,
                       danger_b=float(z["danger_b"]) if fitted else 0.0)

    def __post_init__(self) -> None:
        if self.danger_w is None:
            self.danger_w, self.danger_b = danger_model.fit(
                self.crisis, np.vstack([self.topics, self.ordinary, self.off_topic]))
        self._danger_w: np.ndarray = self.danger_w
        groups: dict[str, list[int]] = {}
        for i, code in enumerate(self.codes):
            groups.setdefault(code, []).append(i)
        self._groups = {c: np.array(ix) for c, ix in groups.items()}
        # one matrix, one product per question; each set is a slice of it
        self._all = np.ascontiguousarray(np.vstack([getattr(self, s) for s in SETS]),
                                         dtype=np.float32)
        bounds = np.cumsum([0] + [len(getattr(self, s)) for s in SETS])
        self._slices = {s: slice(int(a), int(b))
                        for s, a, b in zip(SETS, bounds[:-1], bounds[1:], strict=True)}
        for s, sl in self._slices.items():  # the sets become views of the one matrix
            setattr(self, s, self._all[sl])

    def read(self, qvec: np.ndarray, top: int = 2) -> Reading:
        """Topic scores, danger and scope of one question vector.

        The cosines are taken on this thread (a threaded BLAS call for one small
        matrix-vector product costs more in waiting than it saves, worst under load).
        """
        sims = np.einsum("ij,j->i", self._all, qvec)
        part = {s: sims[sl] for s, sl in self._slices.items()}
        topic = part["topics"]
        k = NEIGHBOURS
        best = {s: _top(v, k) for s, v in part.items()}  # the nearest k of the union of
        # sets are among the nearest k of each set: no copy of the similarities is made
        return Reading(
            topics={c: _top_mean(topic[ix], top) for c, ix in self._groups.items()},
            danger=_top_mean(best["crisis"], k),
            safe=_top_mean(np.concatenate([best["topics"], best["ordinary"],
                                           best["off_topic"]]), k),
            off_topic=_top_mean(best["off_topic"], k),
            in_scope=_top_mean(np.concatenate([best["topics"], best["ordinary"],
                                               best["crisis"]]), k),
            danger_p=danger_model.probability(self._danger_w, self.danger_b, qvec),
        )
