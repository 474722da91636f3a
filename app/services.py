"""The running parts of one app instance: settings, store, search engine.

Built once at start-up (`start`), kept on `app.state.services`. The encoder
is cached per model path, so tests and the CLI load the model once per process.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache

from app.responsibility.repository import seed as seed_rules
from app.settings import Settings
from directory.store import Store
from index.cache import EmbeddingCache
from index.encoder import Encoder, ModelUnavailable
from index.engine import Progress, SearchEngine

log = logging.getLogger("lotse")


@cache
def load_encoder(model: str, threads: int = 0) -> Encoder | None:
    try:
        return Encoder(model, threads=threads or None)
    except ModelUnavailable as exc:
        log.error("search runs on the lexical index only: %s", exc)
        return None


@dataclass
class Services:
    settings: Settings
    store: Store
    engine: SearchEngine
    ready: bool = False

    @property
    def model_loaded(self) -> bool:
        return self.engine.encoder is not None


def open_store(settings: Settings) -> Store:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(settings.resolved_database_url)
    store.init()
    if settings.load_demo:
        store.load_demo_if_empty()
    seed_rules(store)
    return store


def start(settings: Settings, progress: Progress | None = None) -> Services:
    """Open the store (migrate, reference data, demo) and load or build the index."""
    store = open_store(settings)
    encoder = load_encoder(settings.resolved_model, settings.torch_threads)
    engine = SearchEngine(encoder, cache=EmbeddingCache(settings.embedding_cache_dir))
    engine.open(store.offers(), settings.index_dir, progress)
    return Services(settings, store, engine, ready=True)
