"""index.memory.trim: freed heap pages go back to the system (glibc)."""

import numpy as np
import pytest

from index.memory import _malloc_trim, trim


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


def test_trim_returns_fragmented_free_memory():
    if _malloc_trim() is None:
        pytest.skip("not glibc")
    warm = np.ones(8 * 2**20 // 8)  # freeing a mapped block raises glibc's mmap threshold
    del warm
    big, pins, fillers = [], [], []
    for _ in range(60):  # 2 MB blocks now come from the heap, pinned apart by small ones
        block = np.ones(2**18)
        big.append(block)
        pin = np.ones(512)  # 4 KB: from the heap, right after its big block ...
        for _ in range(4096):  # ... unless a hole the imports left below takes it: then it
            if pin.ctypes.data > block.ctypes.data:  # stays there, and the next one is tried
                break
            fillers.append(pin)
            pin = np.ones(512)
        pins.append(pin)
    before = _rss_mb()
    del big
    kept = _rss_mb()
    assert trim() is True
    after = _rss_mb()
    assert before - kept < 30, (before, kept)  # freeing alone keeps the pages
    assert before - after > 60, (before, kept, after)  # trimming returns them
    assert len(pins) == 60
