"""Saving and loading the index: one folder, written aside and swapped in by rename.

Layout of `<data dir>/index`: `manifest.json` (format, model, dimension,
count, hash of the directory, shards), `vocabulary.json` + `df.npy` (the
global BM25 statistics), per shard `shards/<n>.faiss` (view vectors) and
`shards/<n>.npz` (BM25 postings, which view belongs to which offer), and
`prototypes.npz`. Loading needs the offers themselves (from the store) and
fails with ValueError when the saved index does not match them.

Saving is crash-safe: every file of the fresh folder and the folder itself are
fsynced before the rename, and the parent directory after it, so a power cut
leaves either the old index or the new one, never a torn file under the final
name; two processes saving at once take turns (a lock file beside the folder).
Whatever still goes wrong on loading (a torn or foreign file from elsewhere)
is the caller's cue to rebuild (`SearchEngine.open`).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from directory.store import Offer
from index.lexical import LexicalShard, Vocabulary
from index.memory import trim
from index.prototypes import FILE as PROTOTYPES_FILE
from index.prototypes import Prototypes
from index.shards import Shard
from index.vectors import ShardVectors

FORMAT = 3  # 3: postings in compressed rows (index.lexical)


def read_manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def fsync_path(path: Path) -> None:
    """Flush a file or a directory to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(root: Path) -> None:
    """Flush every file below `root`, then each directory (deepest first)."""
    dirs = []
    for here, _subdirs, files in os.walk(root):
        dirs.append(Path(here))
        for name in files:
            fsync_path(Path(here) / name)
    for d in reversed(dirs):
        fsync_path(d)


@contextlib.contextmanager
def swap_lock(folder: Path):
    """One process at a time swaps a folder into `folder` (a lock file beside it)."""
    with open(folder.with_name(f".{folder.name}.lock"), "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def save(folder: Path, shards: dict[str, Shard], vocab: Vocabulary,
         prototypes: Prototypes | None, manifest: dict) -> None:
    """Write everything to a fresh folder next to `folder`, then swap it in."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".index-", dir=folder.parent))
    try:
        (tmp / "shards").mkdir()
        entries = []
        for n, (key, shard) in enumerate(sorted(shards.items())):
            entries.append({"key": key, "file": n, "ids": [o.id for o in shard.offers]})
            lex = shard.lexical
            view_doc = shard.vectors.view_doc if shard.vectors is not None else np.zeros(0)
            np.savez(tmp / "shards" / f"{n}.npz", terms=lex.terms, starts=lex.starts,
                     doc=lex.doc, tf=lex.tf, length=lex.length, view_doc=view_doc)
            if shard.vectors is not None:
                (tmp / "shards" / f"{n}.faiss").write_bytes(shard.vectors.serialize())
        (tmp / "shards.json").write_text(json.dumps(entries))
        (tmp / "vocabulary.json").write_text(json.dumps(
            {"terms": vocab.terms(), "n_docs": vocab.n_docs, "total_len": vocab.total_len},
            ensure_ascii=False))
        np.save(tmp / "df.npy", vocab.df[:len(vocab.ids)])
        if prototypes is not None:
            prototypes.save(tmp)
        manifest = {"format": FORMAT, **manifest,
                    "count": sum(len(s) for s in shards.values()),
                    "shards": sorted(shards),
                    "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1))
        fsync_tree(tmp)
        with swap_lock(folder):
            old = folder.with_name(folder.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            if folder.exists():
                os.replace(folder, old)
            os.replace(tmp, folder)
            fsync_path(folder.parent)
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def load(folder: Path, offers: list[Offer], dim: int
         ) -> tuple[dict[str, Shard], Vocabulary, Prototypes]:
    """The saved shards, vocabulary and prototypes, checked against `offers`."""
    manifest = read_manifest(folder)
    if manifest.get("format") != FORMAT or manifest.get("dimension") != dim:
        raise ValueError("index of another format or model")
    by_id = {o.id: o for o in offers}
    entries = json.loads((folder / "shards.json").read_text())
    seen: set[str] = set()
    shards = {}
    for e in entries:
        try:
            members = [by_id[i] for i in e["ids"]]
        except KeyError as exc:
            raise ValueError("index holds an offer the directory does not") from exc
        seen.update(e["ids"])
        with np.load(folder / "shards" / f"{e['file']}.npz") as z:
            lexical = LexicalShard(z["terms"], z["starts"], z["doc"], z["tf"], z["length"])
            view_doc = z["view_doc"]
        blob = (folder / "shards" / f"{e['file']}.faiss").read_bytes()
        vectors = ShardVectors.restore(blob, view_doc)
        if vectors.dim != dim:
            raise ValueError("vectors of another dimension")
        if len(lexical.length) != len(members) or (
                len(view_doc) and int(view_doc.max()) >= len(members)):
            raise ValueError("shard does not match its offers")
        shards[e["key"]] = Shard.assemble(e["key"], members, lexical, vectors)
        del blob
        trim()
    if seen != set(by_id):
        raise ValueError("index does not match the directory")
    voc = json.loads((folder / "vocabulary.json").read_text())
    df = np.load(folder / "df.npy")
    if df.ndim != 1 or len(df) != len(voc["terms"]):
        raise ValueError("vocabulary and its counts disagree")
    vocab = Vocabulary.restore(voc["terms"], df, voc["n_docs"],
                               voc["total_len"])
    if not (folder / PROTOTYPES_FILE).exists():
        raise ValueError("index without prototypes")
    prototypes = Prototypes.load(folder)
    if any(m.ndim != 2 or m.shape[1] != dim for m in (
            prototypes.topics, prototypes.crisis, prototypes.ordinary, prototypes.off_topic)):
        raise ValueError("prototypes of another dimension")
    if len(prototypes.codes) != len(prototypes.topics):
        raise ValueError("prototype codes and vectors disagree")
    return shards, vocab, prototypes
