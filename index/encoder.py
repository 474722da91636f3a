"""The text encoder: the only place that loads the embedding model.

Wraps a sentence-transformers model folder (by default the multilingual-e5-small
folder written by `lotse model install`). Queries and documents get the
model's own prompts ("query: " / "passage: "). Loading never touches the
network: the hub is switched off before sentence-transformers is imported.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


class ModelUnavailable(RuntimeError):
    """The embedding model cannot be loaded (missing folder, broken files)."""


class Encoder:
    """A loaded sentence-transformers model with thread-safe encode calls."""

    def __init__(self, model: str, *, threads: int | None = None):
        path = Path(model)
        if not path.exists() and (model.startswith((".", "/")) or os.sep in model):
            raise ModelUnavailable(f"model folder not found: {model}")
        try:
            import torch
            import transformers
            from sentence_transformers import SentenceTransformer

            transformers.utils.logging.disable_progress_bar()

            if threads:
                torch.set_num_threads(threads)
            self._model = SentenceTransformer(
                str(path) if path.exists() else model, device="cpu", local_files_only=True
            )
        except Exception as exc:  # any failure to load means: no model
            raise ModelUnavailable(f"cannot load model {model}: {exc}") from exc
        self.name = model
        self.dim = int(self._model.get_embedding_dimension())
        self._lock = threading.Lock()
        self._memo: dict[str, np.ndarray] = {}

    def _encode(self, texts: list[str], prompt_name: str | None) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prompts = self._model.prompts or {}
        kwargs = {"prompt_name": prompt_name} if prompt_name in prompts else {}
        with self._lock:
            vecs = self._model.encode(
                texts,
                batch_size=32,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
                **kwargs,
            )
        return np.ascontiguousarray(vecs, dtype=np.float32)

    def queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, "query")

    def documents(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, "document")

    def queries_memo(self, texts: list[str]) -> np.ndarray:
        """Like `queries`, remembering each text: for the fixed prototype sets."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._memo))
        for text, vec in zip(missing, self.queries(missing), strict=True):
            self._memo[text] = vec
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._memo[t] for t in texts])
