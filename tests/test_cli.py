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


def test_rules_export_check_import(tmp_path, monkeypatch, capsys):
    """In process: export, check, import with history, refusal of a broken file."""
    from ops.cli import main

    monkeypatch.setenv("LOTSE_DATA_DIR", str(tmp_path))
    out = tmp_path / "rules.json"
    assert main(["rules", "export", "-o", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["format"] == "kim-lotse-rules/1" and len(data["rules"]) > 80
    assert main(["rules", "check", str(out)]) == 0
    next(r for r in data["rules"] if r["key"] == "kita")["explanation"] = "Neu."
    out.write_text(json.dumps(data), encoding="utf-8")
    capsys.readouterr()
    assert main(["rules", "import", str(out), "--comment", "test"]) == 0
    assert json.loads(capsys.readouterr().out)["updated"] == 1
    data["rules"][0]["type"] = "weird"
    out.write_text(json.dumps(data), encoding="utf-8")
    assert main(["rules", "check", str(out)]) == 1
    assert main(["rules", "import", str(out)]) == 1
    assert "weird" in capsys.readouterr().err
