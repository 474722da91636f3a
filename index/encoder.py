"""The text encoder: the only place that loads the embedding model.

Wraps a sentence-transformers model folder (by default the multilingual-e5-small
folder written by `lotse model install`). Queries and documents get the
model's own prompts ("query: " / "passage: "). Loading never touches the
network: the hub is switched off before sentence-transformers is imported.

Speed knobs (measured with `lotse bench` and `lotse eval`): the Linear layers
can be quantised to int8 (dynamic quantisation, ~3-4x faster on CPUs with
VNNI), and documents are cut at `max_seq_length` tokens. Both are part of
`model_id`, so cached vectors and saved indexes never mix two set-ups.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import warnings
from pathlib import Path

import numpy as np

from index.cache import EmbeddingCache

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


class ModelUnavailable(RuntimeError):
    """The embedding model cannot be loaded (missing folder, broken files)."""


def _folder_fingerprint(path: Path) -> str:
    """Identity of a model folder: its small files' contents and its weights' sizes."""
    h = hashlib.sha256(str(path.name).encode())
    if path.is_dir():
        for f in sorted(path.glob("*")):
            if f.is_file():
                st = f.stat()
                h.update(f"{f.name}:{st.st_size}".encode())
                if st.st_size < 4096:
                    h.update(f.read_bytes())
    return h.hexdigest()[:16]


class Encoder:
    """A loaded sentence-transformers model with thread-safe encode calls."""

    def __init__(self, model: str, *, threads: int | None = None, quantize: bool = False,
                 max_seq_length: int = 0):
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
            if quantize:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    torch.ao.quantization.quantize_dynamic(
                        self._model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)
            self._model.eval()
            if max_seq_length:
                self._model.max_seq_length = min(max_seq_length, self._model.max_seq_length)
        except Exception as exc:  # any failure to load means: no model
            raise ModelUnavailable(f"cannot load model {model}: {exc}") from exc
        self.name = model
        self.quantized = quantize
        self.max_seq_length = int(self._model.max_seq_length)
        self.dim = int(self._model.get_embedding_dimension())
        self.model_id = json.dumps([model, _folder_fingerprint(path), quantize,
                                    self.max_seq_length])
        self._lock = threading.Lock()

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

    def documents_cached(self, texts: list[str], cache: EmbeddingCache) -> np.ndarray:
        """Like `documents`, taking vectors seen before from the cache."""
        return cache.embed(self.model_id, "document", texts, self.documents, self.dim)

    def queries_cached(self, texts: list[str], cache: EmbeddingCache | None = None) -> np.ndarray:
        """Like `queries`, for fixed texts only (prototypes): never for people's questions."""
        cache = cache or EmbeddingCache(None)  # the process memo alone
        return cache.embed(self.model_id, "query", texts, self.queries, self.dim)
