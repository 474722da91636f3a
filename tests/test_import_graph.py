"""The shape of the code (DESIGN.md, Layout): the import graph, routes and htmx in one place.

Walks the source with `ast` (imports at module level and inside functions alike) and
checks: ops -> app -> index -> directory with nothing running back up and nothing
importing ops; migrations import app and directory only; inside app/ the kit (app/web)
and the shared modules (settings, services, keyring, i18n, cards) import no feature,
nothing imports the app factory (main) or the scheduler (jobs) but the two of them, and
the feature packages import each other without a loop. Every route lives in a
`routes.py` that `app.main.FEATURES` lists; only app/web/rendering.py reads HX-Request.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("ops", "app", "index", "directory", "migrations")
#: a package may import only the packages below it (and itself)
ALLOWED = {
    "ops": {"ops", "app", "index", "directory"},
    "app": {"app", "index", "directory"},
    "index": {"index", "directory"},
    "directory": {"directory"},
    "migrations": {"app", "directory"},
}
SHARED = {"settings", "services", "keyring", "i18n", "cards"}
ROOTS = {"main", "jobs"}  # the app factory and the scheduler: they know every feature


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def resolve(name: str) -> str | None:
    """The module an import names: `app.staff.audit` or, for `from app.staff import X`
    where X is no module, `app.staff`."""
    parts = name.split(".")
    while parts:
        base = ROOT.joinpath(*parts)
        if base.with_suffix(".py").exists() or (base / "__init__.py").exists():
            return ".".join(parts)
        parts.pop()
    return None


def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "versions" in path.parts:
                continue
            targets = set()
            for node in ast.walk(ast.parse(path.read_text())):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names = [f"{node.module}.{a.name}" for a in node.names]
                for name in names:
                    if name.split(".")[0] in PACKAGES and (found := resolve(name)):
                        targets.add(found)
            edges[module_name(path)] = targets
    return edges


EDGES = graph()


def unit(module: str) -> str:
    """app.staff.audit -> app.staff; app.settings -> app.settings; index.engine -> index."""
    parts = module.split(".")
    if parts[0] != "app" or len(parts) == 1:
        return parts[0]
    return ".".join(parts[:2])


def kind(module: str) -> str:
    name = unit(module).split(".")[-1]
    if name in ROOTS:
        return "root"
    if name in SHARED:
        return "shared"
    if name == "web":
        return "web"
    return "feature"


def test_the_graph_is_read():
    assert "app.main" in EDGES and "ops.cli" in EDGES and "migrations.env" in EDGES
    assert "app.staff.routes" in EDGES["app.main"]


def test_imports_run_one_way_ops_app_index_directory():
    wrong = [(src, dst) for src, dsts in EDGES.items() for dst in dsts
             if dst.split(".")[0] not in ALLOWED[src.split(".")[0]]]
    assert not wrong, wrong


def test_nothing_imports_ops_or_migrations():
    wrong = [(src, dst) for src, dsts in EDGES.items() for dst in dsts
             if dst.split(".")[0] in ("ops", "migrations")
             and src.split(".")[0] != dst.split(".")[0]]
    assert not wrong, wrong


def test_the_kit_and_the_shared_modules_import_no_feature():
    wrong = [(src, dst) for src, dsts in EDGES.items() if src.startswith("app.")
             and kind(src) in ("web", "shared") for dst in dsts
             if dst.startswith("app.") and kind(dst) in ("feature", "root")]
    assert not wrong, wrong
    # the kit may use the shared modules, but they never lean on the kit
    assert not [(s, d) for s, ds in EDGES.items() if s.startswith("app.") and kind(s) == "shared"
                for d in ds if d.startswith("app.web")]


def test_only_the_roots_import_main_and_jobs():
    wrong = [(src, dst) for src, dsts in EDGES.items() if src.startswith("app.")
             and kind(src) != "root" for dst in dsts
             if dst.startswith("app.") and kind(dst) == "root"]
    assert not wrong, wrong


def test_no_package_loop_inside_app():
    units: dict[str, set[str]] = {}
    for src, dsts in EDGES.items():
        if src.startswith("app."):
            units.setdefault(unit(src), set()).update(
                unit(d) for d in dsts if d.startswith("app.") and unit(d) != unit(src))
    # Tarjan's strongly connected components: any component of two or more is a loop
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    loops: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in units.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                loops.append(component)

    for v in list(units):
        if v not in index:
            visit(v)
    assert not loops, loops


def test_every_route_lives_in_a_routes_module_the_app_lists():
    from app.main import FEATURES

    listed = {feature.__name__ for feature in FEATURES}
    found = {module_name(p) for p in (ROOT / "app").glob("*/routes.py")}
    assert listed == found
    verbs = {"get", "post", "put", "patch", "delete", "head", "options", "api_route"}
    for path in (ROOT / "app").rglob("*.py"):
        if path.name == "routes.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "APIRouter":
                raise AssertionError(f"a router outside routes.py: {path}")
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for d in node.decorator_list:
                    func = d.func if isinstance(d, ast.Call) else d
                    if isinstance(func, ast.Attribute) and func.attr in verbs and \
                            getattr(func.value, "id", None) != "app":
                        raise AssertionError(f"a route outside routes.py: {path} {node.name}")


def test_only_rendering_reads_hx_request():
    readers = {str(p.relative_to(ROOT)) for p in (ROOT / "app").rglob("*.py")
               if "HX-Request\")" in p.read_text() or "HX-Request')" in p.read_text()
               or "\"HX-Redirect\"" in p.read_text()}
    assert readers == {"app/web/rendering.py"}
