"""The `lotse` command line, run as a user runs it."""

import json
import os
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent / "lotse"


def run(args, data_dir, model_path):
    from app.settings import default_model_dir

    # the session's shared embedding cache (see conftest): the build encodes nothing seen before
    cache = default_model_dir().parent.parent / "embedding-cache"
    env = {**os.environ, "LOTSE_DATA_DIR": str(data_dir), "LOTSE_MODEL": model_path,
           "LOTSE_EMBEDDING_CACHE": str(cache)}
    return subprocess.run([str(BIN), *args], env=env, capture_output=True, text=True,
                          timeout=600)


def test_index_build_then_info(tmp_path, model_path):
    r = run(["index", "build"], tmp_path, model_path)
    assert r.returncode == 0, r.stderr
    assert "index built" in r.stdout
    assert "offers" in r.stderr  # the progress bar
    r = run(["index", "build"], tmp_path, model_path)
    assert "up to date" in r.stdout
    r = run(["info", "--json"], tmp_path, model_path)
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["data_dir"] == str(tmp_path.resolve())
    assert info["database_url"].startswith("sqlite:///")
    assert info["model_path"] == model_path
    assert info["index"]["size"] == sum(info["offers_per_kommune"].values())
    assert info["offers_per_kommune"]["demo"] >= 66


def test_unknown_command_is_refused(tmp_path, model_path):
    r = run(["frobnicate"], tmp_path, model_path)
    assert r.returncode == 2 and "invalid choice" in r.stderr
