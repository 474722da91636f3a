"""Import a file into the directory: recognise it, enforce limits, check every row, apply.

Accepted: HSDS 3.1 JSON (one service, a list, an organization with its
services, or an API page), the HSDS CSV data package (zip, or a folder on the
command line), and the spreadsheet template (XLSX or CSV). Limits (bytes,
rows, unpacked size of a zip/xlsx) refuse a file before it is parsed
(SEC-15). Every row is checked first; only a file without errors is written,
in one transaction (all or nothing). The `Report` lists every problem by
place and field in German, counts new, changed and unchanged offers, and lists
per offer the fields that change, old -> new (`conflicts.compare`). A row
older than the offer's last change is a conflict: it is written only as the
editor chose (`choices`: keep, take, merge per field; `take_theirs` for all),
by default the newer data in the directory is kept (`conflicts`).
"""

from __future__ import annotations

import copy
import csv
import io
import json
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory import changes
from directory.hsds import conflicts, ownership, sheet, tabular
from directory.hsds.cells import restore
from directory.hsds.checks import ERROR, Context, Problem
from directory.hsds.from_hsds import parse_service
from directory.hsds.sheet_export import keep_stored
from directory.hsds.writer import WriteResult, plan, write
from directory.models import Service
from directory.records import OfferRecord, chunks, read_records

INFLATE_STEP = 1 << 16  # bytes inflated at a time while a zip is checked


class ImportRefused(ValueError):
    """The file as a whole cannot be imported (too big, unknown format); German message."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 100_000_000
    max_rows: int = 100_000
    max_unpacked_bytes: int = 500_000_000


@dataclass
class Report:
    kind: str
    rows: int = 0
    records: list[OfferRecord] = field(default_factory=list, repr=False)
    places: dict[str, str] = field(default_factory=dict, repr=False)  # record id -> where
    problems: list[Problem] = field(default_factory=list)
    result: WriteResult | None = None
    applied: bool = False
    offers: list[conflicts.OfferDiff] = field(default_factory=list)  # new and changed ones
    kept: list[str] = field(default_factory=list)  # conflicts left as they are (ours)
    resolved: dict[str, str] = field(default_factory=dict)  # conflict id -> take | merge

    @property
    def conflicts(self) -> list[conflicts.OfferDiff]:
        return [d for d in self.offers if d.state == conflicts.CONFLICT]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == ERROR]

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> dict:
        r = self.result or WriteResult()
        return {"kind": self.kind, "rows": self.rows, "valid": len(self.records),
                "errors": len(self.errors), "notes": len(self.problems) - len(self.errors),
                "new": len(r.new), "changed": len(r.changed), "unchanged": r.unchanged,
                "conflicts": len(self.conflicts), "kept": len(self.kept),
                "applied": self.applied}


def _too_big(n: int, limits: Limits) -> None:
    if n > limits.max_bytes:
        raise ImportRefused(f"Die Datei ist {n / 1e6:.1f} MB groß; erlaubt sind "
                            f"{limits.max_bytes / 1e6:.1f} MB.")


def _rows_ok(n: int, limits: Limits) -> None:
    if n > limits.max_rows:
        raise ImportRefused(f"Die Datei hat mehr als {limits.max_rows} Angebote; bitte "
                            "in mehrere Dateien teilen.")


def _zip(data: bytes, limits: Limits) -> zipfile.ZipFile:
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        infos = z.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise ImportRefused("Die ZIP- oder XLSX-Datei ist beschädigt.") from exc
    if sum(i.file_size for i in infos) > limits.max_unpacked_bytes:
        raise ImportRefused(_unpacked_message(limits))
    inflated(z, limits)
    return z


def _unpacked_message(limits: Limits) -> str:
    return f"Die Datei ist entpackt größer als {limits.max_unpacked_bytes / 1e6:.0f} MB."


def inflated(z: zipfile.ZipFile, limits: Limits) -> int:
    """Inflate every member once, in small steps, counting the bytes that really come out
    (SEC-23): a zip bomb that declares small sizes stops at the limit, and a member whose
    real size differs from the declared one makes the file refused, so every later read
    (the CSV package, openpyxl) gets exactly the sizes checked. Returns the total."""
    total = 0
    for info in z.infolist():
        if info.is_dir():
            continue
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ImportRefused("Die ZIP-Datei nutzt ein Packverfahren, das hier nicht "
                                "gelesen wird (erlaubt: ohne Packen oder Deflate).")
        probe = copy.copy(info)
        probe.file_size = 1 << 62  # the declared size is not trusted: we count
        size = 0
        try:
            with z.open(probe) as member:
                while chunk := member.read(INFLATE_STEP):
                    size += len(chunk)
                    if total + size > limits.max_unpacked_bytes:
                        raise ImportRefused(_unpacked_message(limits))
        except ImportRefused:
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
            raise ImportRefused("Die ZIP- oder XLSX-Datei ist beschädigt.") from exc
        if size != info.file_size:
            raise ImportRefused("Die ZIP- oder XLSX-Datei ist beschädigt: ein Teil ist "
                                "entpackt anders groß, als die Datei angibt.")
        total += size
    return total


def _json_items(data: bytes, limits: Limits) -> list[tuple[str, dict]]:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportRefused(f"Die JSON-Datei ist nicht lesbar: {exc}") from exc
    except RecursionError as exc:
        raise ImportRefused("Die JSON-Datei ist zu tief verschachtelt (HSDS braucht wenige "
                            "Ebenen).") from exc
    if isinstance(doc, dict) and isinstance(doc.get("contents"), list):
        doc = doc["contents"]  # a page of the HSDS API
    elif isinstance(doc, dict) and isinstance(doc.get("services"), list):
        org = {k: v for k, v in doc.items() if k != "services"}
        doc = [s if isinstance(s, dict) and s.get("organization") else
               {**s, "organization": org} if isinstance(s, dict) else s
               for s in doc["services"]]
    items = doc if isinstance(doc, list) else [doc]
    _rows_ok(len(items), limits)
    out = []
    for i, s in enumerate(items, start=1):
        name = s.get("name") if isinstance(s, dict) else None
        label = str(name)[:60].encode("utf-8", "replace").decode() if isinstance(
            name, str | int | float) and name else ""
        out.append((f"Eintrag {i}" + (f" ('{label}')" if label else ""), s))
    return out


def _sheet_rows_csv(data: bytes, limits: Limits) -> list[list]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    rows = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    with tabular.long_fields(limits.max_bytes):
        try:
            for row in reader:
                rows.append(row)
                _rows_ok(len(rows) - 1, limits)
        except csv.Error as exc:
            raise ImportRefused(f"Zeile {reader.line_num}: die CSV-Datei ist nicht lesbar "
                                f"({exc}).") from exc
    return rows


def _sheet_rows_xlsx(z: zipfile.ZipFile, data: bytes, limits: Limits) -> list[list]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise ImportRefused("Die XLSX-Datei ist nicht lesbar.") from exc
    ws = wb["Angebote"] if "Angebote" in wb.sheetnames else wb.worksheets[0]
    rows = []
    for row in ws.iter_rows(values_only=True):
        rows.append(list(row))
        _rows_ok(len(rows) - 1, limits)
    wb.close()
    return rows


def _sheet(rows: list[list], ctx: Context, report: Report) -> None:
    if not rows:
        raise ImportRefused("Die Tabelle ist leer.")
    keys, problems = sheet.header_keys([str(x or "") for x in rows[0]])
    report.problems += problems
    if any(p.level == ERROR for p in problems):
        return
    for n, row in enumerate(rows[1:], start=2):
        if not any(str(x or "").strip() for x in row):
            continue
        values = {k: restore(x) for k, x in zip(keys, row, strict=False) if k}
        if str(values.get("id") or "").strip() == sheet.EXAMPLE_ID:
            continue
        report.rows += 1
        _add(report, f"Zeile {n}", *sheet.parse_row(values, ctx, f"Zeile {n}"))


def _add(report: Report, where: str, record: OfferRecord | None,
         problems: list[Problem]) -> None:
    report.problems += problems
    if record is not None:
        report.records.append(record)
        report.places[record.id] = where


def _foreign(s: Session, report: Report, kommune_id: str) -> None:
    """Rows that name a stored offer of another Kommune (or a nationwide one) are errors:
    an editor bound to a Kommune never takes over or changes another Kommune's offer."""
    for part in chunks([r.id for r in report.records]):
        for sid, owner in s.execute(select(Service.id, Service.kommune_id)
                                    .where(Service.id.in_(part))):
            if owner != kommune_id:
                report.problems.append(Problem(
                    report.places.get(sid, ""), "ID", f"das Angebot {sid} gehört nicht zur "
                    f"Kommune '{kommune_id}' und kann hier nicht geändert werden"))
    _drop_failed(report)


def _drop_failed(report: Report) -> None:
    """Records of rows with errors leave the report (the figures count the others)."""
    bad = {p.where for p in report.errors}
    report.records = [r for r in report.records if report.places.get(r.id) not in bad]


def _hsds(items: list[tuple[str, dict]], ctx: Context, report: Report) -> None:
    for where, obj in items:
        report.rows += 1
        try:
            _add(report, where, *parse_service(obj, ctx, where))
        except (AttributeError, TypeError, ValueError, KeyError, RecursionError):
            # a shape the checks did not foresee: this entry's error, not a crash
            report.problems.append(Problem(where, "", "der Eintrag hat einen Aufbau, den "
                                                      "HSDS so nicht vorsieht"))


def _texts(source: Path | bytes, limits: Limits) -> dict[str, str]:
    try:
        return tabular.read_texts(source)
    except UnicodeDecodeError as exc:
        raise ImportRefused("Eine CSV-Datei des Datenpakets ist nicht in UTF-8 gespeichert."
                            ) from exc
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise ImportRefused("Die ZIP-Datei ist beschädigt.") from exc


def _package(texts: dict[str, str], ctx: Context, limits: Limits) -> Report:
    _rows_ok(max(0, texts.get("services.csv", "").count("\n") - 1), limits)
    report = Report("HSDS-CSV-Datenpaket")
    with tabular.long_fields(limits.max_bytes):
        try:
            items = tabular.nest(texts)
        except csv.Error as exc:
            raise ImportRefused(f"Eine CSV-Datei des Datenpakets ist nicht lesbar ({exc})."
                                ) from exc
    _hsds(items, ctx, report)
    return report


def read(name: str, data: bytes, ctx: Context, limits: Limits) -> Report:
    """Recognise and check a file (nothing written)."""
    _too_big(len(data), limits)
    lower = name.lower()
    if data[:2] == b"PK":
        z = _zip(data, limits)
        names = {Path(i.filename).name for i in z.infolist()}
        if "datapackage.json" in names or "services.csv" in names:
            return _package(_texts(data, limits), ctx, limits)
        if "workbook.xml" in names:
            report = Report("Tabelle (XLSX)")
            _sheet(_sheet_rows_xlsx(z, data, limits), ctx, report)
            return report
        raise ImportRefused("Die ZIP-Datei ist weder ein HSDS-Datenpaket noch eine "
                            "XLSX-Tabelle.")
    head = data[:200].decode("utf-8-sig", errors="ignore").lstrip()
    if lower.endswith(".json") or head.startswith(("{", "[")):
        report = Report("HSDS-JSON")
        _hsds(_json_items(data, limits), ctx, report)
        return report
    if lower.endswith((".csv", ".txt")) or not name:
        report = Report("Tabelle (CSV)")
        _sheet(_sheet_rows_csv(data, limits), ctx, report)
        return report
    raise ImportRefused("Unbekanntes Format: erwartet HSDS-JSON, ein HSDS-CSV-Datenpaket "
                        "(ZIP) oder die Tabellenvorlage (XLSX oder CSV).")


def read_path(path: Path, ctx: Context, limits: Limits) -> Report:
    """A file, or a folder holding an HSDS CSV data package (command line)."""
    if path.is_dir():
        texts = _texts(path, limits)
        _too_big(sum(len(t.encode()) for t in texts.values()), limits)
        return _package(texts, ctx, limits)
    size = path.stat().st_size
    _too_big(size, limits)
    return read(path.name, path.read_bytes(), ctx, limits)


def record_feed(s: Session, ids: list[str]) -> None:
    """The imported offers go into the change feed (every running process reindexes)."""
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        kommunen = {i: k for i, k in s.execute(select(Service.id, Service.kommune_id)
                                               .where(Service.id.in_(chunk)))}
        changes.record_many(s, [(i, kommunen.get(i)) for i in chunk], "import")


def run(store, source: Path | tuple[str, bytes], *, kommune_id: str | None = None,
        allow_national: bool = True, dry_run: bool = False, limits: Limits | None = None,
        progress: Callable[[int, int], None] | None = None,
        on_write: Callable[[Session, Report], None] | None = None,
        history=None, choices: dict[str, object] | None = None,
        take_theirs: bool = False) -> Report:
    """Check a file and, unless it has errors or this is a dry run, apply it in one go.

    Conflicts (rows older than the offer's last change) are written only as `choices`
    says per offer id (`conflicts.resolve`), or all taken with `take_theirs`; otherwise
    the directory's newer data stays. Inside the write transaction:
    `history.before(session, ids)` and `history.after(session, touched ids)` (the offers'
    change history, `ImportHistory`), then `on_write(session, report)` (an audit entry).
    """
    limits = limits or Limits()
    with store.session() as s:
        ctx = Context.load(s, kommune_id, allow_national)
    report = (read_path(source, ctx, limits) if isinstance(source, Path)
              else read(source[0], source[1], ctx, limits))
    if kommune_id and report.records:
        with store.session() as s:
            _foreign(s, report, kommune_id)
    sheet_kind = report.kind.startswith("Tabelle")
    times = {r.id: r.last_modified for r in report.records}  # each row's own time
    stored: dict[str, OfferRecord] = {}
    if report.records:
        with store.session() as s:
            stored = {r.id: r for r in read_records(s, [r.id for r in report.records])}
    if sheet_kind:  # what a sheet has no column for comes from the store; its time is now
        report.records = [keep_stored(r, stored[r.id]) if r.id in stored else r
                          for r in report.records]
        report.records = [replace(r, last_modified=None) for r in report.records]
    if report.records:  # every nested record: its Kommune, its ids (SEC-22)
        with store.session() as s:
            report.problems += ownership.check(s, report.records, report.places, kommune_id,
                                               sheet=sheet_kind)
        _drop_failed(report)
    with store.session() as s:
        planned = plan(s, report.records, stored)[0]
    report.offers = conflicts.compare(report.records, stored, times, report.places,
                                      set(planned.changed), set(planned.new))
    if not report.ok or dry_run:
        report.result = planned
        return report
    wanted = {} if take_theirs else conflicts.parse_choices(choices or {})
    open_ids = {d.id for d in report.conflicts}
    with store.session.begin() as s:
        records = []
        for r in report.records:
            if r.id not in open_ids:
                records.append(r)
                continue
            choice = conflicts.TAKE if take_theirs else wanted.get(r.id, conflicts.KEEP)
            chosen = conflicts.resolve(s, r, stored[r.id], choice)
            if chosen is None:
                report.kept.append(r.id)
            else:
                records.append(chosen)
                report.resolved[r.id] = conflicts.TAKE if choice == conflicts.TAKE \
                    else conflicts.MERGE
        if history is not None:
            history.before(s, [r.id for r in records])
        report.result = write(s, records, progress=progress, stored=stored)
        report.result.unchanged += len(report.kept)
        if history is not None:
            history.after(s, report.result.touched)
        record_feed(s, report.result.touched)
        if on_write is not None:
            on_write(s, report)
    report.applied = True
    return report
