"""`lotse export` and `lotse import`: the directory as HSDS 3.1 files and spreadsheets.

`lotse export [--format json|csv|xlsx|sheet-csv] [--kommune ID] [OUT]` writes HSDS
3.1 JSON (stdout when OUT is missing), the CSV data package (a folder, or a zip
when OUT ends in .zip), or the active offers as the spreadsheet template.
`lotse import FILE [--dry-run] [--kommune ID]` reads HSDS JSON, the CSV data
package or the spreadsheet template, prints the German report and applies all or
nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

from app.settings import Settings


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


def print_report(report, out=None) -> None:
    out = out or sys.stdout
    for p in report.problems:
        print(f"{p.level}: {p.text()}", file=out)
    s = report.summary()
    print(f"{s['kind']}: {s['rows']} Angebote gelesen, {s['errors']} Fehler, "
          f"{s['notes']} Hinweise; neu {s['new']}, geändert {s['changed']}, "
          f"unverändert {s['unchanged']}.", file=out)


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
                     limits=limits(settings), history=history)
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
    im.set_defaults(func=cmd_import)
