"""The HSDS 3.1 CSV data package: nested services <-> one CSV per table + datapackage.json.

Table and field definitions come from the HSDS 3.1 schemas (vendored as
`directory/data/hsds_tables.json`, scalar fields in schema order). Every CSV
has every field of its table as a column; text cells are formula-neutralised
(`cells`). Reading accepts a folder or a zip with the same files and gives the
nested service objects back, each with where it came from ("services.csv,
Zeile 5") for the import report.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from directory.hsds.cells import neutralise, restore

TABLES_FILE = Path(__file__).resolve().parent.parent / "data" / "hsds_tables.json"
CHILDREN = (("phones", "phone"), ("contacts", "contact"), ("schedules", "schedule"),
            ("languages", "language"), ("service_areas", "service_area"))
NUMBER_TYPES = {"number"}


@cache
def tables() -> dict[str, dict]:
    """HSDS table name -> {"path", "order", "fields": [{"name", "type", ...}]}."""
    data = json.loads(TABLES_FILE.read_text(encoding="utf-8"))
    return {t["name"]: t for t in data["tables"]}


def _field(f: dict, tabular_required: set[str]) -> dict:
    out = {"name": f["name"]}
    if f.get("format") == "date-time":
        out["type"] = "datetime"
    else:
        out["type"] = f["type"]
        if f.get("format") in ("uuid", "email", "uri"):
            out["format"] = f["format"]
    constraints = {}
    if f.get("required") or f["name"] in tabular_required:
        constraints["required"] = True
    if f.get("unique"):
        constraints["unique"] = True
    if constraints:
        out["constraints"] = constraints
    return out


TABULAR_REQUIRED = {"service": {"organization_id"}, "service_at_location": {"service_id",
                                                                            "location_id"},
                    "attribute": {"link_id", "taxonomy_term_id", "link_entity"}}


def datapackage(names: list[str]) -> dict:
    """The datapackage.json describing the tables written."""
    resources = []
    for name in sorted(names, key=lambda n: tables()[n]["order"]):
        t = tables()[name]
        resources.append({
            "name": name, "path": t["path"], "profile": "tabular-data-resource",
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
            "schema": {"fields": [_field(f, TABULAR_REQUIRED.get(name, set()))
                                  for f in t["fields"]], "primaryKey": ["id"]},
        })
    # `created`: when the export was taken (each service row has its own last_modified)
    return {"name": "kim-lotse-hsds", "title": "KIM-Lotse directory (HSDS 3.1)",
            "profile": "tabular-data-package",
            "created": dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z"),
            "resources": resources}


def flatten(services: list[dict], taxonomies: list[dict], terms: list[dict]) -> dict:
    """Nested service objects -> {table: [row, ...]} (shared rows once)."""
    out: dict[str, dict[str, dict]] = {name: {} for name in tables()}

    def put(table: str, row: dict) -> None:
        out[table].setdefault(row["id"], row)

    def attrs(obj: dict) -> None:
        for a in obj.get("attributes") or []:
            put("attribute", {k: v for k, v in a.items() if k != "taxonomy_term"})

    for s in services:
        put("organization", {k: v for k, v in s["organization"].items() if k != "services"})
        put("service", {k: v for k, v in s.items() if not isinstance(v, list | dict)})
        attrs(s)
        for key, table in CHILDREN:
            for child in s.get(key) or []:
                put(table, {k: v for k, v in child.items() if not isinstance(v, list)})
                attrs(child)
        for sal in s.get("service_at_locations") or []:
            loc = sal["location"]
            put("service_at_location", {k: v for k, v in sal.items() if k != "location"})
            put("location", {k: v for k, v in loc.items() if not isinstance(v, list)})
            attrs(loc)
            for addr in loc.get("addresses") or []:
                put("address", addr)
    for t in taxonomies:
        put("taxonomy", t)
    for t in terms:
        put("taxonomy_term", t)
    return {name: list(rows.values()) for name, rows in out.items()}


def _csv(name: str, rows: list[dict]) -> str:
    fields = [f["name"] for f in tables()[name]["fields"]]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(fields)
    for row in rows:
        w.writerow(["" if row.get(f) is None else neutralise(row[f]) for f in fields])
    return buf.getvalue()


def files(flat: dict[str, list[dict]]) -> dict[str, str]:
    """File name -> text of the whole package."""
    names = [n for n in tables() if flat.get(n)]
    out = {tables()[n]["path"]: _csv(n, flat[n]) for n in names}
    out["datapackage.json"] = json.dumps(datapackage(names), indent=1, ensure_ascii=False)
    return out


def write(target: Path, flat: dict[str, list[dict]]) -> None:
    """Write the package into a folder, or a zip when `target` ends in .zip."""
    content = files(flat)
    if target.suffix == ".zip":
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
            for name, text in content.items():
                z.writestr(name, text)
        return
    target.mkdir(parents=True, exist_ok=True)
    for name, text in content.items():
        (target / name).write_text(text, encoding="utf-8")


# --- reading ---------------------------------------------------------------------------


@contextmanager
def long_fields(limit: int):
    """Let the csv module read fields up to `limit` characters (its default stops at
    131,072 with an error that names no field): the file size is bounded already, and the
    import check names an over-long field by row and column."""
    before = csv.field_size_limit()
    csv.field_size_limit(max(before, limit))
    try:
        yield
    finally:
        csv.field_size_limit(before)


def _rows(text: str, table: str) -> list[tuple[int, dict]]:
    numbers = {f["name"] for f in tables()[table]["fields"] if f["type"] in NUMBER_TYPES}
    out = []
    for n, row in enumerate(csv.DictReader(io.StringIO(text, newline="")), start=2):
        clean = {}
        for k, v in row.items():
            if k is None or v is None or v == "":
                continue
            v = restore(v)
            if k in numbers:
                try:
                    num = float(v)
                    v = int(num) if num.is_integer() and "." not in v else num
                except ValueError:
                    pass  # left as text: the import check reports it
            clean[k] = v
        out.append((n, clean))
    return out


def nest(texts: dict[str, str]) -> list[tuple[str, dict]]:
    """Package file texts (by file name) -> [(where, nested service object)]."""
    rows = {name: _rows(texts[t["path"]], name) if t["path"] in texts else []
            for name, t in tables().items()}
    terms = {r["id"]: r for _, r in rows["taxonomy_term"] if "id" in r}
    attrs: dict[str, list[dict]] = {}
    for _, a in rows["attribute"]:
        a = dict(a)
        if a.get("taxonomy_term_id") in terms:
            a["taxonomy_term"] = terms[a["taxonomy_term_id"]]
        attrs.setdefault(a.get("link_id", ""), []).append(a)

    def with_attrs(obj: dict) -> dict:
        found = attrs.get(obj.get("id", ""))
        return obj | {"attributes": found} if found else obj

    orgs = {r["id"]: r for _, r in rows["organization"] if "id" in r}
    addresses: dict[str, list[dict]] = {}
    for _, a in rows["address"]:
        addresses.setdefault(a.get("location_id", ""), []).append(a)
    locations = {r["id"]: with_attrs(r | {"addresses": addresses.get(r["id"], [])})
                 for _, r in rows["location"] if "id" in r}
    by_service: dict[str, dict[str, list[dict]]] = {}
    for key, table in CHILDREN:
        for _, child in rows[table]:
            by_service.setdefault(child.get("service_id", ""), {}).setdefault(key, []).append(
                with_attrs(child))
    for _, sal in rows["service_at_location"]:
        sal = dict(sal)
        if sal.get("location_id") in locations:
            sal["location"] = locations[sal["location_id"]]
        by_service.setdefault(sal.get("service_id", ""), {}).setdefault(
            "service_at_locations", []).append(sal)
    path = tables()["service"]["path"]
    out = []
    for n, svc in rows["service"]:
        nested = with_attrs(dict(svc)) | by_service.get(svc.get("id", ""), {})
        if svc.get("organization_id") in orgs:
            nested["organization"] = orgs[svc["organization_id"]]
        out.append((f"{path}, Zeile {n}", nested))
    return out


def read_texts(source: Path | bytes) -> dict[str, str]:
    """File texts of a package folder, or of a zip (path or bytes)."""
    if isinstance(source, Path) and source.is_dir():
        return {p.name: p.read_text(encoding="utf-8-sig") for p in source.glob("*.csv")}
    data = source if isinstance(source, bytes) else source.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {Path(i.filename).name: z.read(i).decode("utf-8-sig")
                for i in z.infolist() if i.filename.endswith(".csv")}
