"""The text encoder: the only place that loads the embedding model.

Wraps a sentence-transformers model folder (by default the multilingual-e5-small
folder written by `lotse model install`). Queries and documents get the
model's own prompts ("query: " / "passage: "). Loading never touches the
network: the hub is switched off before sentence-transformers is imported.

Speed knobs for documents (measured with `lotse bench` and `lotse eval`): offer
texts can be encoded by an int8 copy of the model (dynamic quantisation of the
Linear layers, ~3-4x faster on CPUs with VNNI, sharing the embedding table)
and are cut at `max_seq_length` tokens; questions and prototypes always use
the full-precision model. Both knobs are part of `document_id`/`model_id`, so
cached vectors and saved indexes never mix two set-ups.

Threads for questions: `threads` (`LOTSE_TORCH_THREADS`, 1) while other work wants
the CPU, up to `idle_threads` (`LOTSE_IDLE_THREADS`; 0 = the process's CPUs) while
none does. Before each batch `claim_threads` asks `index.cpu.SpareCpus` how many CPUs
no other process's task wants (work that is just ending gets 4 ms to end): a question
on an idle 2-core machine takes about 19 ms on two threads against 29 ms on one, and
while other work wants a core it stays on one thread, where torch's parallel regions
cannot stall behind a busy core (4-9x slower under load, issue 15).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import threading
import warnings
from pathlib import Path

import numpy as np

from index.cache import EmbeddingCache
from index.cpu import SpareCpus, cpu_count

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


def _skeleton(module):
    """A copy of a module tree that shares every parameter and buffer (no tensor is copied).

    Quantising its Linear layers in place swaps them in the copy only: the int8 document
    model then costs its int8 weights, not a float32 copy of the whole network first."""
    clone = copy.copy(module)
    clone._modules = {k: _skeleton(v) if v is not None else None
                      for k, v in module._modules.items()}
    clone._parameters = dict(module._parameters)
    clone._buffers = dict(module._buffers)
    return clone


class Encoder:
    """A loaded sentence-transformers model with thread-safe encode calls."""

    def __init__(self, model: str, *, threads: int | None = None, quantize: bool = False,
                 max_seq_length: int = 0, idle_threads: int = 1):
        path = Path(model)
        if not path.exists() and (model.startswith((".", "/")) or os.sep in model):
            raise ModelUnavailable(f"model folder not found: {model}")
        try:
            import torch

            if threads:
                torch.set_num_threads(threads)
            from index.bert import LeanModel, supported

            if path.is_dir() and supported(path):
                self._model = LeanModel(path)
            else:
                import transformers
                from sentence_transformers import SentenceTransformer

                transformers.utils.logging.disable_progress_bar()
                self._model = SentenceTransformer(
                    str(path) if path.exists() else model, device="cpu", local_files_only=True
                )
                self._model.eval()
        except Exception as exc:  # any failure to load means: no model
            raise ModelUnavailable(f"cannot load model {model}: {exc}") from exc
        self.name = model
        self.quantized = quantize
        self.dim = int(self._model.get_embedding_dimension())
        full = int(self._model.max_seq_length)
        self.full_length = full
        self.max_seq_length = min(max_seq_length, full) if max_seq_length else full
        fingerprint = _folder_fingerprint(path)
        variant = getattr(self._model, "variant", "")
        if variant:
            fingerprint = f"{fingerprint}:{variant}"
        self.query_id = json.dumps([model, fingerprint, False, full])
        self.document_id = json.dumps([model, fingerprint, quantize, self.max_seq_length])
        self.model_id = self.document_id if self.document_id == self.query_id else json.dumps(
            [self.query_id, self.document_id])
        self._documents_model = None
        self._lock = threading.Lock()
        #: torch threads for a question; offer texts run on as many threads of one each
        self.threads = max(1, threads or torch.get_num_threads())
        #: the most torch threads for a question while no other task wants the CPU
        self.idle_threads = max(self.threads, idle_threads or cpu_count())
        self.spare = SpareCpus()

    def _document_model(self):
        """The model for offer texts: the same, or an int8 copy sharing the embeddings."""
        if self._documents_model is not None:
            return self._documents_model
        if not self.quantized:
            self._documents_model = self._model
            return self._model
        import torch

        # a skeleton sharing every tensor; quantising swaps its Linear layers only
        if hasattr(self._model, "net"):  # the lean model (not a torch module itself)
            clone = copy.copy(self._model)
            clone.net = target = _skeleton(self._model.net)
        else:  # a SentenceTransformer (a torch module; its tokenizer is shared too)
            clone = target = _skeleton(self._model)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.ao.quantization.quantize_dynamic(target, {torch.nn.Linear},
                                                   dtype=torch.qint8, inplace=True)
        clone.max_seq_length = self.max_seq_length
        self._documents_model = clone
        return clone

    def _encode(self, texts: list[str], prompt_name: str | None) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prompts = self._model.prompts or {}
        kwargs = {"prompt_name": prompt_name} if prompt_name in prompts else {}
        document = prompt_name == "document"
        if document:
            with self._lock:
                model = self._document_model()
        else:
            model = self._model
        length = self.max_seq_length if document else self.full_length
        if hasattr(model, "net"):  # the lean model locks its tokenizer only, not the network
            vecs = model.encode(texts, batch_size=16 if document else 32, max_length=length,
                                workers=self.threads if document else 1, **kwargs)
        else:
            with self._lock:
                model.max_seq_length = length
                vecs = model.encode(texts, batch_size=32, normalize_embeddings=True,
                                    convert_to_numpy=True, show_progress_bar=False, **kwargs)
        return np.ascontiguousarray(vecs, dtype=np.float32)

    def threads_now(self) -> int:
        """Torch threads for the next questions: `threads`, or up to `idle_threads` while
        no other process's task wants that many CPUs (`index.cpu.SpareCpus`)."""
        if self.idle_threads <= self.threads:
            return self.threads
        spare = self.spare.read(self.idle_threads)
        if spare is None:  # not known: never more than asked for
            return self.threads
        return max(self.threads, min(self.idle_threads, spare))

    def claim_threads(self) -> None:
        """Give the calling thread the torch threads for the next questions (before each
        batch, `threads_now`).

        Torch's thread count is kept per thread; set it in the thread that encodes
        questions, or it depends on what other threads did (measured: 17 ms a question
        when set, 22-25 ms after the document workers had set theirs to one)."""
        import torch

        n = self.threads_now()
        if torch.get_num_threads() != n:
            torch.set_num_threads(n)

    def queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, "query")

    def documents(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, "document")

    def documents_cached(self, texts: list[str], cache: EmbeddingCache) -> np.ndarray:
        """Like `documents`, taking vectors seen before from the cache."""
        return cache.embed(self.document_id, "document", texts, self.documents, self.dim)

    def queries_cached(self, texts: list[str], cache: EmbeddingCache | None = None) -> np.ndarray:
        """Like `queries`, for fixed texts only (prototypes): never for people's questions."""
        cache = cache or EmbeddingCache(None)  # the process memo alone
        return cache.embed(self.query_id, "query", texts, self.queries, self.dim)
