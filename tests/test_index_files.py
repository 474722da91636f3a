"""The saved index survives torn and foreign files: loading them rebuilds with a warning.

Each case damages one file of a freshly saved index the way a crash or a copy from
elsewhere would (cut short, zero bytes, another model's dimension, garbage) and
checks that `SearchEngine.open` rebuilds (returns True), logs a warning, answers the
same as before, and leaves a complete index on disk that the next start loads.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import numpy as np
import pytest

from index import persistence
from index.engine import SearchEngine
from index.vectors import ShardVectors


@pytest.fixture(scope="module")
def small(services):
    return services.store.offers()[:12]


@pytest.fixture
def saved(tmp_path, small, encoder) -> Path:
    folder = tmp_path / "index"
    assert SearchEngine(encoder).open(small, folder) is True
    return folder


def cut(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def other_dimension_faiss(path: Path) -> None:
    blob = ShardVectors.build(16, [np.ones((1, 16), dtype=np.float32)]).serialize()
    path.write_bytes(blob)


def other_dimension_prototypes(path: Path) -> None:
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    for k in ("topics", "crisis", "ordinary", "off_topic"):
        arrays[k] = arrays[k][:, :16]
    np.savez(path, **arrays)


DAMAGE = {
    "torn faiss": ("shards/0.faiss", cut),
    "empty faiss": ("shards/0.faiss", lambda p: p.write_bytes(b"")),
    "faiss of another model": ("shards/0.faiss", other_dimension_faiss),
    "torn npz": ("shards/0.npz", cut),
    "garbage npz": ("shards/0.npz", lambda p: p.write_bytes(os.urandom(300))),
    "torn prototypes": ("prototypes.npz", cut),
    "prototypes of another model": ("prototypes.npz", other_dimension_prototypes),
    "torn df": ("df.npy", cut),
    "torn vocabulary": ("vocabulary.json", cut),
    "torn shard list": ("shards.json", cut),
    "manifest not an object": ("manifest.json", lambda p: p.write_text("[1, 2]")),
}


@pytest.mark.parametrize("case", sorted(DAMAGE))
def test_damaged_index_file_is_rebuilt_with_a_warning(case, saved, small, encoder, caplog):
    name, damage = DAMAGE[case]
    damage(saved / name)
    engine = SearchEngine(encoder)
    with caplog.at_level(logging.WARNING, logger="lotse"):
        assert engine.open(small, saved) is True  # rebuilt, not a failed start
    if name != "manifest.json":  # a manifest that is no object is simply no index
        assert any("rebuilding" in r.getMessage() for r in caplog.records)
    assert len(engine.offers) == len(small)
    q = "Deutschkurs"
    reference = SearchEngine(encoder)
    reference.build(small)
    assert [h.id for h in engine.search(q).results] == [h.id for h in reference.search(q).results]
    assert SearchEngine(encoder).open(small, saved) is False  # the rewritten index loads


def test_save_leaves_no_temporary_folder_and_is_complete(saved):
    assert sorted(p.name for p in saved.parent.iterdir() if not p.name.startswith(".")) == [
        "index"]
    assert not list(saved.parent.glob(".index-*"))
    manifest = json.loads((saved / "manifest.json").read_text())
    assert manifest["count"] == 12 and manifest["format"] == persistence.FORMAT


def test_a_failed_save_keeps_the_old_index(saved, small, encoder, monkeypatch):
    before = (saved / "manifest.json").read_bytes()
    engine = SearchEngine(encoder)
    engine.build(small[:6])

    def full_disk(_root):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(persistence, "fsync_tree", full_disk)
    with pytest.raises(OSError):
        engine.save(saved)
    assert (saved / "manifest.json").read_bytes() == before
    assert not list(saved.parent.glob(".index-*"))
    assert SearchEngine(encoder).open(small, saved) is False
