"""The embedding cache: memo and SQLite file, keys by model, kind and text."""

import numpy as np

from index.cache import MEMO, EmbeddingCache, cache_key


def fake_encoder(calls):
    def compute(texts):
        calls.extend(texts)
        return np.stack([np.full(4, float(len(t)), dtype=np.float32) for t in texts])
    return compute


def test_each_distinct_text_is_computed_once(tmp_path):
    calls = []
    cache = EmbeddingCache(tmp_path)
    out = cache.embed("m1", "document", ["aa", "b", "aa"], fake_encoder(calls), 4)
    assert calls == ["aa", "b"]
    assert out.shape == (3, 4) and out[0][0] == 2.0 and out[1][0] == 1.0
    cache.embed("m1", "document", ["b", "ccc"], fake_encoder(calls), 4)
    assert calls == ["aa", "b", "ccc"]
    cache.close()


def test_vectors_survive_on_disk_and_keys_separate_models_and_kinds(tmp_path):
    first = EmbeddingCache(tmp_path)
    first.embed("m1", "document", ["hallo"], fake_encoder([]), 4)
    first.close()
    MEMO.items.clear()  # as in a new process
    calls = []
    again = EmbeddingCache(tmp_path)
    again.embed("m1", "document", ["hallo"], fake_encoder(calls), 4)
    assert calls == []
    again.embed("m2", "document", ["hallo"], fake_encoder(calls), 4)
    again.embed("m1", "query", ["hallo"], fake_encoder(calls), 4)
    assert calls == ["hallo", "hallo"]
    assert len({cache_key("m1", "document", "x"), cache_key("m2", "document", "x"),
                cache_key("m1", "query", "x"), cache_key("m1", "document", "y")}) == 4
    again.close()


def test_unusable_folder_falls_back_to_memory(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    cache = EmbeddingCache(blocker / "cache")
    calls = []
    cache.embed("m1", "document", ["x"], fake_encoder(calls), 4)
    cache.embed("m1", "document", ["x"], fake_encoder(calls), 4)
    assert calls == ["x"]
    assert cache.embed("m1", "document", [], fake_encoder(calls), 4).shape == (0, 4)


def test_memo_is_bounded():
    from index.cache import _Memo

    memo = _Memo(3)
    for i in range(5):
        memo.put({bytes([i]): np.zeros(2, dtype=np.float32)})
    assert list(memo.items) == [bytes([2]), bytes([3]), bytes([4])]
