"""The gap report: unanswered questions grouped into themes by their embeddings.

The scrubbed questions of a view (one Kommune, or all) that have an embedding
from the current model are clustered with average linkage on cosine
similarity (`analytics_theme_similarity`; multilingual-e5 puts paraphrases in
different languages together, see tests). A theme is shown only with at least
k questions; its languages and months are k-protected counts, and its
examples come only from languages with at least k questions in the theme. In
an example, a word appears only when at least k stored questions share it (or
KIM-Lotse's own vocabulary has it): a rare name the scrubber missed is shown
as "…".
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter, OrderedDict
from dataclasses import dataclass, field

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform
from sqlalchemy import select

from app.analytics.figures import OTHER, QUERY_LANGUAGES, month_start
from app.analytics.lexicon import WORD, fold, lexicon
from app.analytics.maintenance import embed_pending
from app.analytics.models import Question
from app.analytics.protect import Cell, protect_column
from app.analytics.writer import flush

#: Average linkage keeps the whole similarity matrix: above this many questions the
#: newest ones are clustered (the report says so).
MAX_QUESTIONS = 3000
EXAMPLES = 3
_cache: OrderedDict = OrderedDict()
_lock = threading.Lock()
PLACEHOLDER_WORDS = frozenset({"name", "email", "link", "phone", "iban", "date", "number",
                               "address"})


@dataclass
class Theme:
    size: int
    languages: list[tuple[str, Cell]]
    months: list[tuple[dt.date, Cell]]
    examples: list[tuple[str, str]]  # (language, scrubbed text with rare words hidden)
    other_languages: Cell | None = None


@dataclass
class GapReport:
    kommune: str | None
    days: int
    k: int
    questions: Cell
    themes: list[Theme] = field(default_factory=list)
    outside: Cell | None = None  # questions in no theme that is shown
    clustered: int = 0  # how many questions went into the clustering
    capped: bool = False
    seconds: float = 0.0


def cluster(vectors: np.ndarray, similarity: float) -> np.ndarray:
    """Cluster labels (0..n-1) by average linkage; two questions below `similarity` on
    average never share a cluster."""
    n = len(vectors)
    if n < 2:
        return np.zeros(n, dtype=int)
    distance = 1.0 - (vectors @ vectors.T).astype(np.float64)  # BLAS, far faster than pdist
    np.fill_diagonal(distance, 0.0)
    np.clip(distance, 0.0, 2.0, out=distance)
    tree = linkage(squareform(distance, checks=False), method="average")
    return fcluster(tree, t=1.0 - similarity, criterion="distance") - 1


def _load(services, kommune: str | None) -> list[tuple[dt.date, str, str, np.ndarray, int]]:
    encoder = services.engine.encoder
    if encoder is None:
        return []
    q = (select(Question.day, Question.lang, Question.text, Question.vector, Question.id)
         .where(Question.model == encoder.name, Question.vector.is_not(None))
         .order_by(Question.day.desc(), Question.id.desc()))
    if kommune is not None:
        q = q.where(Question.kommune_id == kommune)
    with services.store.session() as s:
        return [(day, lang, text, np.frombuffer(vec, dtype=np.float32), qid)
                for day, lang, text, vec, qid in s.execute(q.limit(MAX_QUESTIONS + 1))]


def _word_counts(texts: list[str]) -> Counter:
    counts: Counter = Counter()
    for t in texts:
        counts.update({fold(m.group()) for m in WORD.finditer(t)})
    return counts


def shared_words_only(text: str, counts: Counter, k: int) -> str:
    """The example with every word that fewer than k questions share replaced by '…'."""
    lex = lexicon()
    known = lex.vocabulary | lex.stop | PLACEHOLDER_WORDS

    def keep(m) -> str:
        w = fold(m.group())
        return m.group() if counts[w] >= k or w in known else "…"
    return WORD.sub(keep, text)


def gap_report(services, kommune: str | None, now: dt.datetime | None = None) -> GapReport:
    """The themes of a view; the same questions on the same day give the cached report."""
    flush(services)  # events still on the writer queue count too
    settings = services.settings
    embed_pending(services, limit=512)  # the newest questions, if the thread has not yet
    rows = _load(services, kommune)
    today = (now or dt.datetime.now(dt.UTC)).date()
    model = services.engine.encoder.name if services.engine.encoder else ""
    key = (services.store.url, model, kommune, today, settings.analytics_theme_similarity,
           settings.analytics_k, settings.analytics_question_days,
           tuple(sorted(r[4] for r in rows)))
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    report = _report(settings, kommune, rows, today)
    with _lock:
        _cache[key] = report
        while len(_cache) > 16:
            _cache.popitem(last=False)
    return report


def _report(settings, kommune: str | None, rows: list, today: dt.date) -> GapReport:
    started = time.perf_counter()
    k = settings.analytics_k
    capped = len(rows) > MAX_QUESTIONS
    rows = rows[:MAX_QUESTIONS]
    total_cells, _ = protect_column([len(rows)], k)
    report = GapReport(kommune, settings.analytics_question_days, k, total_cells[0],
                       clustered=len(rows), capped=capped)
    if len(rows) >= k:
        vectors = np.stack([r[3] for r in rows])
        labels = cluster(vectors, settings.analytics_theme_similarity)
        counts = _word_counts([r[2] for r in rows])
        groups = [np.flatnonzero(labels == c) for c in np.unique(labels)]
        groups = sorted((g for g in groups if len(g) >= k), key=lambda g: (-len(g), g[0]))
        window = _window(today, settings.analytics_question_days)
        report.themes = [_theme(rows, vectors, g, counts, k, window) for g in groups]
        outside = len(rows) - sum(t.size for t in report.themes)
        report.outside = protect_column([outside], k)[0][0]
    report.seconds = time.perf_counter() - started
    return report


def _window(today: dt.date, days: int) -> list[dt.date]:
    """Every month that the kept questions can fall in (all shown, so none stands out)."""
    months, m = [], month_start(today - dt.timedelta(days=days))
    while m <= today:
        months.append(m)
        m = dt.date(m.year + m.month // 12, m.month % 12 + 1, 1)
    return months


def _theme(rows, vectors: np.ndarray, members: np.ndarray, counts: Counter, k: int,
           window: list[dt.date]) -> Theme:
    centroid = vectors[members].mean(axis=0)
    order = members[np.argsort(-(vectors[members] @ centroid), kind="stable")]
    langs = [*QUERY_LANGUAGES, OTHER]
    per_lang = Counter(rows[i][1] if rows[i][1] in QUERY_LANGUAGES else OTHER for i in members)
    lang_cells, _ = protect_column([per_lang.get(x, 0) for x in langs], k)
    # a language is listed with a count of at least k (a zero is shown in tables, but a
    # theme names only the languages it was asked in)
    shown = [(x, c) for x, c in zip(langs, lang_cells, strict=True) if c.shown and c.value]
    rest = len(members) - sum(c.value for _, c in shown)
    months = window
    per_month = Counter(month_start(rows[i][0]) for i in members)
    month_cells, _ = protect_column([per_month[m] for m in months], k)
    examples: list[tuple[str, str]] = []
    ok_langs = {x for x, _ in shown}
    for i in order:
        if rows[i][1] in ok_langs or (rows[i][1] not in QUERY_LANGUAGES and OTHER in ok_langs):
            text = shared_words_only(rows[i][2], counts, k)
            if text not in [e for _, e in examples] and text.replace("…", "").strip(" ?.,!"):
                examples.append((rows[i][1], text))
        if len(examples) == EXAMPLES:
            break
    return Theme(
        size=len(members),
        languages=shown,
        months=list(zip(months, month_cells, strict=True)),
        examples=examples,
        other_languages=protect_column([rest], k)[0][0] if rest else None,
    )
