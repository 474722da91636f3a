"""The lock file stays true (SEC-21): every pin of pyproject.toml is locked at the same
version with a sha256, and nothing is locked twice."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def locked() -> dict[str, str]:
    text = (ROOT / "requirements.lock").read_text()
    entries = re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+) \\\n    --hash=sha256:([0-9a-f]{64})$",
                         text, re.M)
    assert len(entries) == len(re.findall(r"^[A-Za-z0-9]", text, re.M)), "a line without hash"
    names = [canonicalize_name(n) for n, _, _ in entries]
    assert len(names) == len(set(names)), "a package locked twice"
    return {canonicalize_name(n): v for n, v, _ in entries}


def test_every_pin_is_locked_with_its_hash():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    lock = locked()
    for pin in pins:
        req = Requirement(pin)
        (spec,) = req.specifier
        assert spec.operator == "==", f"{pin} is not pinned"
        name = canonicalize_name(req.name)
        assert name in lock, f"{name} missing from requirements.lock (make lock)"
        assert lock[name].split("+")[0] == spec.version, f"{name}: lock differs from pyproject"
