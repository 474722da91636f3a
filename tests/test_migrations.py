"""The migrations and the models agree: autogenerate against a freshly migrated store finds
nothing to do, and migrations/env.py sees every models module of the product."""

from __future__ import annotations

import ast
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import app.analytics.models
import app.assistant.models
import app.referrals.models
import app.responsibility.models
import app.staff.models  # noqa: F401  the tables register on Base.metadata
from directory.db import make_engine, migrate
from directory.models import Base

ROOT = Path(__file__).resolve().parent.parent


def test_env_imports_every_models_module():
    found = {".".join(p.relative_to(ROOT).with_suffix("").parts)
             for package in ("app", "directory") for p in (ROOT / package).rglob("models.py")}
    tree = ast.parse((ROOT / "migrations" / "env.py").read_text())
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert found <= imported, found - imported


def test_autogenerate_finds_no_difference(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    migrate(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                         "render_as_batch": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], diff


def test_revision_files_are_named_in_revision_order():
    versions = sorted((ROOT / "migrations" / "versions").glob("*.py"))
    down = None
    for path in versions:
        tree = ast.parse(path.read_text())
        values = {t.id: n.value.value for n in tree.body
                  if isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant)
                  for t in n.targets if isinstance(t, ast.Name)}
        assert values["down_revision"] == down, path.name
        down = values["revision"]
