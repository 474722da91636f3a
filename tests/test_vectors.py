"""FAISS shards: stable ids, -1 padding, empty shards, removal, round trip."""

import uuid

import numpy as np

from index.vectors import NATIONAL, VectorShards, offer_number


def unit(*xs):
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def oid(n):
    return str(uuid.UUID(int=n << 70 | n))


def test_k_larger_than_index_skips_padding():
    vs = VectorShards(3)
    vs.add(oid(1), "k1", np.stack([unit(1, 0, 0), unit(0, 1, 0)]))
    best = vs.search(unit(1, 0, 0), ["k1"], k=100)  # FAISS pads with -1 here
    assert best == {oid(1): 1.0}


def test_empty_and_unknown_shards():
    vs = VectorShards(3)
    assert vs.search(unit(1, 0, 0), ["nowhere"], k=5) == {}
    vs.add(oid(1), "k1", np.stack([unit(1, 0, 0)]))
    vs.remove(oid(1))
    assert vs.search(unit(1, 0, 0), ["k1"], k=5) == {}
    assert vs.count == 0


def test_filter_never_loses_matches_and_max_pools_views():
    vs = VectorShards(3)
    for i in range(1, 50):  # many near matches in another Kommune
        vs.add(oid(i), "other", np.stack([unit(1, 0.01 * i, 0)]))
    vs.add(oid(99), "mine", np.stack([unit(0, 0, 1), unit(0.5, 0, 0.5)]))
    vs.add(oid(98), NATIONAL, np.stack([unit(0, 1, 0)]))
    best = vs.search(unit(1, 0, 0), ["mine", NATIONAL], k=1)
    assert set(best) == {oid(99), oid(98)}
    assert abs(best[oid(99)] - float(unit(0.5, 0, 0.5) @ unit(1, 0, 0))) < 1e-6


def test_replace_reconstruct_and_round_trip():
    vs = VectorShards(3)
    vs.add(oid(1), "k1", np.stack([unit(1, 0, 0)]))
    vs.add(oid(1), "k2", np.stack([unit(0, 1, 0), unit(0, 0, 1)]))  # moved and changed
    assert vs.search(unit(1, 0, 0), ["k1"], k=5) == {}
    assert np.allclose(vs.vectors(oid(1))[1], unit(0, 0, 1))
    meta = {k: (vs.offer_shard[k], vs.offer_views[k]) for k in vs.offer_shard}
    back = VectorShards.restore(3, vs.snapshot(), meta)
    assert back.search(unit(0, 0, 1), ["k2"], k=1) == {oid(1): 1.0}
    assert 0 <= offer_number(oid(1)) << 4 < 2**63
    big = "ffffffff-ffff-4fff-bfff-ffffffffffff"
    vs.add(big, "k3", np.stack([unit(1, 1, 0)]))  # the largest UUIDs still fit int64
    assert big in vs.search(unit(1, 1, 0), ["k3"], k=1)
