"""`lotse export` and `lotse import`: the directory as HSDS 3.1 files and spreadsheets.

`lotse export [--format json|csv|xlsx|sheet-csv] [--kommune ID] [OUT]` writes HSDS
3.1 JSON (stdout when OUT is missing), the CSV data package (a folder, or a zip
when OUT ends in .zip), or the active offers as the spreadsheet template.
`lotse import FILE [--dry-run] [--kommune ID] [--take-theirs]` reads HSDS JSON,
the CSV data package or the spreadsheet template, prints the German report (per
offer the fields that change, old -> new, and the conflicts: rows older than the
offer's last change) and applies all or nothing. A conflict keeps the newer data
of the directory unless `--take-theirs` takes the file's rows.
"""

from __future__ import annotations

import sys
from pathlib import Path

from app.settings import Settings

SHOWN = 200  # new or changed offers listed one by one (conflicts: all)


def cmd_export(args, settings: Settings) -> int:
    from app.services import migrated_store
    from directory.hsds import exporter

    store = migrated_store(settings)
    if args.kommune and store.kommune(args.kommune) is None:
        print(f"error: unknown Kommune {args.kommune!r}", file=sys.stderr)
        return 2
    with store.session() as s:
        if args.format in ("xlsx", "sheet-csv"):
            if not args.out:
                print("error: the spreadsheet needs OUT (a file)", file=sys.stderr)
                return 2
            write = exporter.sheet_xlsx if args.format == "xlsx" else exporter.sheet_csv
            Path(args.out).write_bytes(write(s, args.kommune))
        elif args.format == "csv":
            if not args.out:
                print("error: the CSV data package needs OUT (a folder or a .zip file)",
                      file=sys.stderr)
                return 2
            exporter.write_package(s, Path(args.out), args.kommune)
        else:
            text = exporter.to_json(s, args.kommune)
            if args.out and args.out != "-":
                Path(args.out).write_text(text, encoding="utf-8")
            else:
                sys.stdout.write(text)
    return 0


def limits(settings: Settings):
    from directory.hsds.importer import Limits

    return Limits(settings.import_max_bytes, settings.import_max_rows,
                  settings.import_max_unpacked_bytes)


def print_offers(report, out) -> None:
    """Per offer: new, or the fields that change (old -> new); conflicts marked, all of
    them listed first, then at most `SHOWN` other offers."""
    ordered = sorted(report.offers, key=lambda d: d.state != "conflict")
    others = len(ordered) - len(report.conflicts)
    if others > SHOWN:
        ordered = ordered[:len(report.conflicts) + SHOWN]
    for d in ordered:
        if d.state == "new":
            print(f"neu: {d.name} ({d.where}, ID {d.id})", file=out)
            continue
        head = "KONFLIKT" if d.state == "conflict" else "geändert"
        print(f"{head}: {d.name} ({d.where}, ID {d.id})", file=out)
        if d.state == "conflict":
            print(f"  Zeile von {d.row_time or 'unbekannt'}, zuletzt geändert im Verzeichnis "
                  f"{d.stored_time}", file=out)
        for c in d.changes:
            print(f"  {c.label}: {c.before or '—'} -> {c.after or '—'}", file=out)
    if others > SHOWN:
        print(f"… und {others - SHOWN} weitere neue oder geänderte Angebote.", file=out)


def print_report(report, out=None) -> None:
    out = out or sys.stdout
    for p in report.problems:
        print(f"{p.level}: {p.text()}", file=out)
    print_offers(report, out)
    s = report.summary()
    print(f"{s['kind']}: {s['rows']} Angebote gelesen, {s['errors']} Fehler, "
          f"{s['notes']} Hinweise; neu {s['new']}, geändert {s['changed']}, "
          f"unverändert {s['unchanged']}, Konflikte {s['conflicts']}.", file=out)
    if report.applied and report.conflicts:
        print(f"Konflikte: {len(report.kept)} behalten wie im Verzeichnis (neuer), "
              f"{len(report.resolved)} aus der Datei übernommen.", file=out)
    elif report.conflicts:
        print("Konflikte werden beim Übernehmen nicht überschrieben: das Verzeichnis ist "
              "neuer (mit --take-theirs gilt die Datei).", file=out)


def cmd_import(args, settings: Settings) -> int:
    from app.services import migrated_store
    from directory.editing import Actor
    from directory.hsds.history import ImportHistory
    from directory.hsds.importer import ImportRefused, run

    store = migrated_store(settings)
    if args.kommune and store.kommune(args.kommune) is None:
        print(f"error: unknown Kommune {args.kommune!r}", file=sys.stderr)
        return 2
    path = Path(args.file)
    if not path.exists():
        print(f"error: {path} does not exist", file=sys.stderr)
        return 2
    try:
        history = ImportHistory(Actor("cli", "lotse import"), settings.import_history_max)
        report = run(store, path, kommune_id=args.kommune, dry_run=args.dry_run,
                     limits=limits(settings), history=history, take_theirs=args.take_theirs)
    except ImportRefused as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 2
    print_report(report)
    if not report.ok:
        print("Nichts übernommen: bitte die Fehler beheben und die Datei erneut einspielen.")
        return 1
    if args.dry_run:
        print("Probelauf: nichts übernommen.")
    else:
        print("Übernommen. Laufende `lotse serve`-Prozesse nehmen die Angebote binnen "
              "Sekunden in ihre Suche auf (Änderungsprotokoll im Speicher).")
    return 0


def register(sub) -> None:
    """The parser lines of this command group (called by `ops.cli.parser`)."""
    ex = sub.add_parser("export", help="the directory as HSDS 3.1 JSON or CSV data package")
    ex.add_argument("out", nargs="?", help="file (JSON; default stdout) or folder/.zip (CSV)")
    ex.add_argument("--format", choices=["json", "csv", "xlsx", "sheet-csv"], default="json",
                    help="HSDS JSON, HSDS CSV data package, or the spreadsheet template")
    ex.add_argument("--kommune", help="only the offers of this Kommune")
    ex.set_defaults(func=cmd_export)
    im = sub.add_parser("import", help="HSDS 3.1 JSON, CSV data package or spreadsheet")
    im.add_argument("file", help="JSON, zip/folder (HSDS CSV data package), XLSX or CSV")
    im.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    im.add_argument("--kommune", help="Kommune of rows that name none; rows of another "
                    "Kommune are refused")
    im.add_argument("--take-theirs", action="store_true", help="conflicts (rows older than "
                    "the offer's last change) take the file's data; default: keep the newer")
    im.set_defaults(func=cmd_import)
