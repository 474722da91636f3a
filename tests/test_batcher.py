"""The query batcher: concurrent questions share a model call; before each batch the worker
claims its torch threads (more while the CPUs are idle, one while they are busy)."""

import copy
import subprocess
import sys
import threading
import time

import numpy as np
import torch

from index.batcher import QueryBatcher
from index.cpu import _running_here, cpu_count, spare_cpus


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


def test_the_worker_claims_its_torch_threads_before_each_batch(encoder):
    seen = []

    def on_batch():
        torch.set_num_threads(3)  # what another thread of torch's left behind ...
        encoder.claim_threads()  # ... is replaced by the encoder's count for questions
        seen.append((threading.current_thread().name, torch.get_num_threads()))

    b = QueryBatcher(encoder.queries, on_batch=on_batch)
    assert b.encode("Wo kann ich Deutsch lernen?").shape == (encoder.dim,)
    b.encode("noch eine Frage")
    assert seen == [("lotse-encoder", encoder.threads)] * 2
    from index.engine import SearchEngine

    assert SearchEngine(encoder).batcher._on_batch == encoder.claim_threads  # wired so


def test_a_question_takes_idle_cpus_and_one_thread_when_they_are_busy(encoder):
    adaptive = copy.copy(encoder)
    adaptive.idle_threads = 4
    assert encoder.threads == 1 and encoder.threads_now() == 1  # idle_threads 1: never more
    assert 1 <= adaptive.threads_now() <= min(4, cpu_count())
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
                for _ in range(cpu_count())]
    try:
        deadline = time.monotonic() + 30
        while spare_cpus() != 0 and time.monotonic() < deadline:
            time.sleep(0.05)  # the spinners start
        assert spare_cpus() == 0  # every CPU is wanted by another process's task ...
        assert adaptive.threads_now() == 1  # ... so a question stays on its one thread,
        assert adaptive.spare._busy_until > time.monotonic()  # the load counts as lasting
        assert adaptive.spare.read(4) == 0  # and is believed for a while without looking
    finally:
        for p in spinners:
            p.kill()
            p.wait()


def test_this_process_s_running_threads_are_counted_as_its_own():
    """A busy thread of this process (the encoder itself, a request thread handing over
    its question) is subtracted from the machine's running tasks, not counted as other
    work: `_running_here` sees it."""
    stop = threading.Event()
    busy = threading.Thread(target=lambda: [None for _ in iter(stop.is_set, True)])
    alone = _running_here()
    busy.start()
    try:
        time.sleep(0.1)
        assert alone >= 1 and _running_here() >= 2  # this thread, and the busy one
    finally:
        stop.set()
        busy.join()
