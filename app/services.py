"""The running parts of one app instance: settings, store, search engine.

Built once at start-up (`app.main.start`), kept on `app.state.services`; routes
take it as `app.web.deps.ServicesDep`. The encoder is cached per model path, so
tests and the CLI load the model once per process. `migrated_store` is the bare
store the command-line tools use; `app.main.open_store` adds demo data and rules.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from typing import Any

from app.settings import Settings
from directory.db import schema_revisions
from directory.store import Store
from index.encoder import Encoder, ModelUnavailable
from index.engine import SearchEngine

log = logging.getLogger("lotse")


@cache
def load_encoder(model: str, threads: int = 0, quantize: bool = False,
                 max_seq_length: int = 0, idle_threads: int = 1) -> Encoder | None:
    try:
        return Encoder(model, threads=threads or None, quantize=quantize,
                       max_seq_length=max_seq_length, idle_threads=idle_threads)
    except ModelUnavailable as exc:
        log.error("search runs on the lexical index only: %s", exc)
        return None


@dataclass
class Services:
    settings: Settings
    store: Store
    engine: SearchEngine
    ready: bool = False
    events: Any = None  # app.analytics.writer.EventWriter, started on the first answer
    follower: Any = None  # index.follow.Follower: other processes' offer writes (app.jobs)

    @property
    def model_loaded(self) -> bool:
        return self.engine.encoder is not None

    @property
    def degraded(self) -> bool:
        """Search runs on the lexical index: no model, or encodings over their budget."""
        return self.engine.degraded


def schema_is_current(store: Store) -> bool:
    """The store's Alembic revision is the code's head."""
    current, head = schema_revisions(store.engine)
    return current == head


def migrated_store(settings: Settings, keys: bool = False) -> Store:
    """The store, migrated (no demo data, no rules seeded): for the command-line tools.
    Without `auto_migrate` an outdated schema raises `SchemaOutdated` instead.
    With `keys`, the key file is opened too (KeyringMissing if it is needed and gone)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(settings.resolved_database_url)
    store.init(migrate_schema=settings.auto_migrate)
    if keys:
        from app.keyring import open_keyring

        open_keyring(settings, store)
    return store


def encoder_for(settings: Settings) -> Encoder | None:
    return load_encoder(settings.resolved_model, settings.torch_threads, settings.quantize,
                        settings.max_seq_length, settings.idle_threads)
