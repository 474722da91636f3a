"""The query batcher: concurrent questions share a model call; the worker sets itself up first."""

import threading
import time

import numpy as np
import torch

from index.batcher import QueryBatcher


def test_concurrent_questions_are_encoded_together():
    calls = []

    def encode(texts):
        calls.append(list(texts))
        time.sleep(0.05)  # a busy model: questions queue up meanwhile
        return np.stack([np.full(2, len(t), dtype=np.float32) for t in texts])

    b = QueryBatcher(encode)
    out = {}
    threads = [threading.Thread(target=lambda t=t: out.update({t: b.encode(t)}))
               for t in ("a", "bb", "ccc", "dddd", "eeeee")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {t: float(v[0]) for t, v in out.items()} == {t: len(t) for t in out}
    assert len(calls) < 5 and sorted(x for c in calls for x in c) == sorted(out)


def test_a_late_encoding_gives_none_and_marks_degraded():
    b = QueryBatcher(lambda texts: time.sleep(0.3) or np.zeros((len(texts), 2)), budget_ms=50)
    assert b.encode("slow") is None and b.degraded and b.timeouts == 1


def test_the_worker_claims_its_torch_threads_before_the_first_batch(encoder):
    seen = []

    def on_start():
        torch.set_num_threads(1)  # what a document worker thread leaves behind ...
        encoder.claim_threads()  # ... is replaced by the encoder's count for questions
        seen.append((threading.current_thread().name, torch.get_num_threads()))

    b = QueryBatcher(encoder.queries, on_start=on_start)
    assert b.encode("Wo kann ich Deutsch lernen?").shape == (encoder.dim,)
    b.encode("noch eine Frage")
    assert seen == [("lotse-encoder", encoder.threads)]
    from index.engine import SearchEngine

    assert SearchEngine(encoder).batcher._on_start == encoder.claim_threads  # wired so
