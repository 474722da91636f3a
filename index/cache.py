"""Embedding cache: vectors of texts already encoded, in process and on disk.

Building an index embeds every view of every offer and the fixed prototype
sentences. Most of those texts were embedded before (the same directory, one
edited offer, a fresh store in a test), so each vector is kept under a key
made of the model's identity, the kind of text (query or document prompt)
and the text itself. Lookups go to a bounded in-process memo first, then to a
SQLite file (WAL mode, so several processes may share one file). Only
directory texts and prototypes are cached: questions people ask are never
written to disk.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

log = logging.getLogger("lotse")
FILE = "embeddings.sqlite3"
MEMO_LIMIT = 50_000  # vectors kept in process (~75 MB at 384 dimensions)


def cache_key(model_id: str, kind: str, text: str) -> bytes:
    return hashlib.blake2b(f"{model_id}\0{kind}\0{text}".encode(), digest_size=16).digest()


class _Memo:
    """The process-wide memo shared by every cache (keys include the model identity)."""

    def __init__(self, limit: int):
        self.limit = limit
        self.items: dict[bytes, np.ndarray] = {}
        self.lock = threading.Lock()

    def get(self, keys: list[bytes]) -> dict[bytes, np.ndarray]:
        with self.lock:
            return {k: self.items[k] for k in keys if k in self.items}

    def put(self, items: dict[bytes, np.ndarray]) -> None:
        with self.lock:
            self.items.update(items)
            excess = len(self.items) - self.limit
            if excess > 0:  # forget the oldest
                for key in list(self.items)[:excess]:
                    del self.items[key]


MEMO = _Memo(MEMO_LIMIT)


class EmbeddingCache:
    """Vectors by key: the process memo in front of an optional SQLite file."""

    def __init__(self, folder: Path | None = None):
        self.path = folder / FILE if folder else None
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        if self.path is not None:
            try:
                folder.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path, timeout=30, isolation_level=None,
                                       check_same_thread=False)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("CREATE TABLE IF NOT EXISTS vectors "
                             "(key BLOB PRIMARY KEY, vec BLOB NOT NULL) WITHOUT ROWID")
                self._conn = conn
            except (OSError, sqlite3.Error) as exc:
                log.warning("embedding cache on disk is off: %s", exc)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def get_many(self, keys: list[bytes]) -> dict[bytes, np.ndarray]:
        found = MEMO.get(keys)
        missing = [k for k in dict.fromkeys(keys) if k not in found]
        if missing and self._conn is not None:
            from_disk = {}
            try:
                with self._lock:
                    for i in range(0, len(missing), 500):
                        chunk = missing[i:i + 500]
                        marks = ",".join("?" * len(chunk))  # placeholders only: no data in SQL
                        sql = "".join(("SELECT key, vec FROM vectors WHERE key IN (", marks, ")"))
                        rows = self._conn.execute(sql, chunk).fetchall()
                        from_disk.update({k: np.frombuffer(v, dtype=np.float32)
                                          for k, v in rows})
            except sqlite3.Error as exc:
                log.warning("embedding cache read failed: %s", exc)
            MEMO.put(from_disk)
            found.update(from_disk)
        return found

    def put_many(self, items: dict[bytes, np.ndarray]) -> None:
        if not items:
            return
        items = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in items.items()}
        MEMO.put(items)
        if self._conn is None:
            return
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                self._conn.executemany("INSERT OR REPLACE INTO vectors (key, vec) VALUES (?, ?)",
                                       [(k, v.tobytes()) for k, v in items.items()])
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                log.warning("embedding cache write failed: %s", exc)
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
    def embed(self, model_id: str, kind: str, texts: list[str],
              compute: Callable[[list[str]], np.ndarray], dim: int) -> np.ndarray:
        """Vectors of `texts`, computing only those not cached (each distinct text once)."""
        if not texts:
            return np.zeros((0, dim), dtype=np.float32)
        keys = [cache_key(model_id, kind, t) for t in texts]
        found = self.get_many(keys)
        todo = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in found))
        if todo:
            fresh = compute(todo)
            new = {cache_key(model_id, kind, t): v for t, v in zip(todo, fresh, strict=True)}
            self.put_many(new)
            found.update(new)
        return np.stack([found[k] for k in keys])
