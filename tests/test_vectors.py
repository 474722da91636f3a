"""FAISS shard vectors: -1 padding, empty shards, per-offer pooling, changes, round trip."""

import numpy as np

from index.vectors import ShardVectors


def unit(*xs):
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_k_larger_than_the_shard_skips_padding():
    sv = ShardVectors.build(3, [np.stack([unit(1, 0, 0), unit(0, 1, 0)])])
    scores = sv.scores(unit(1, 0, 0), 1, k=100)  # FAISS pads the answer with -1 here
    assert np.allclose(scores, [1.0])


def test_empty_shard():
    sv = ShardVectors.build(3, [])
    assert sv.rows == 0
    assert sv.scores(unit(1, 0, 0), 0).shape == (0,)
    one = sv.replaced(0, np.stack([unit(0, 0, 1)]))
    assert np.allclose(one.scores(unit(0, 0, 1), 1), [1.0])
    assert one.without(0).rows == 0


def test_views_pool_by_maximum_and_top_k_leaves_others_at_minus_one():
    sv = ShardVectors.build(3, [np.stack([unit(0, 0, 1), unit(0.5, 0, 0.5)]),
                                np.stack([unit(0, 1, 0)]),
                                np.stack([unit(1, 0.1, 0)])])
    full = sv.scores(unit(1, 0, 0), 3)
    assert abs(full[0] - float(unit(0.5, 0, 0.5) @ unit(1, 0, 0))) < 1e-6
    assert full[2] > full[0] > full[1]
    top = sv.scores(unit(1, 0, 0), 3, k=1)
    assert top[2] > 0.9 and top[0] == top[1] == -1.0


def test_replace_remove_and_round_trip():
    sv = ShardVectors.build(3, [np.stack([unit(1, 0, 0)]), np.stack([unit(0, 1, 0)])])
    changed = sv.replaced(0, np.stack([unit(0, 0, 1), unit(0, 1, 1)]))
    assert sv.scores(unit(1, 0, 0), 2)[0] > 0.99  # the old object is untouched
    assert changed.scores(unit(1, 0, 0), 2)[0] < 0.01
    assert np.allclose(changed.vectors_of(0)[0], unit(0, 0, 1))
    fewer = changed.without(0)  # offer 1 becomes offer 0
    assert fewer.rows == 1 and np.allclose(fewer.scores(unit(0, 1, 0), 1), [1.0])
    back = ShardVectors.restore(changed.serialize(), changed.view_doc)
    assert np.allclose(back.scores(unit(0, 1, 1), 2), changed.scores(unit(0, 1, 1), 2))
