"""`lotse precheck …`: check, import, export and show the pre-check's law rules (§§ 25a,
25b AufenthG, § 10 StAG) as a dated rules file.

`import FILE` takes a rules file over into the store (upsert by id, with history),
after validating it together with the rules it keeps; `--dry-run` checks and shows
per rule what would change and writes nothing (as `lotse import --dry-run`).
`export` and `show` read the store (the rules the pre-check applies); `--shipped`
reads the shipped default file instead."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

from app.settings import Settings


def cmd_check(args, settings: Settings) -> int:
    from app.precheck.law import LawError, read_file

    try:
        rules, _ = read_file(Path(args.file))
    except LawError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    unchecked = sum(not r.checked for r in rules)
    print(f"{len(rules)} rules ok ({unchecked} not confirmed against a source: checked=false)")
    return 0


MAX_FILE_BYTES = 5_000_000


def _store(settings: Settings):
    from app.main import open_store

    return open_store(settings)


def cmd_import(args, settings: Settings) -> int:
    from app.precheck import repository
    from app.precheck.law import LawError, read_file

    path = Path(args.file)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise LawError([f"{path}: größer als {MAX_FILE_BYTES} Bytes"])
        rules, _ = read_file(path)
        changes, kept = repository.import_rules(_store(settings), rules, by="cli",
                                                comment=args.comment or "",
                                                apply=not args.dry_run)
    except LawError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print("error: nothing imported", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for c in changes:
        if c.action == "unchanged" and not args.verbose:
            continue
        print(f"{c.action:9} {c.id}")
        for name, before, after in c.fields:
            print(f"          {name}: {before} -> {after}")
    for rule_id in kept:
        print(f"kept      {rule_id} (not in the file; stays as it is)")
    counts = {a: sum(c.action == a for c in changes) for a in ("created", "updated",
                                                                "unchanged")}
    print(json.dumps({**counts, "kept": len(kept), "dry_run": args.dry_run}))
    return 0


def _rules(args, settings: Settings):
    from app.precheck import repository
    from app.precheck.law import load_rules

    if args.shipped:
        return load_rules()
    return repository.current_rules(_store(settings)), repository.model_start()


def cmd_export(args, settings: Settings) -> int:
    from app.precheck.law import dump_rules_file

    rules, start = _rules(args, settings)
    text = json.dumps(dump_rules_file(list(rules), start), ensure_ascii=False, indent=1)
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return 0


def cmd_show(args, settings: Settings) -> int:
    from app.precheck.evaluate import OutOfRange, rules_in_force

    try:
        day = dt.date.fromisoformat(args.date) if args.date else dt.date.today()
        every, start = _rules(args, settings)
        if day < start:
            raise OutOfRange(day.isoformat())
        rules = rules_in_force(day, every)
    except (ValueError, OutOfRange) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for r in rules:
        flag = "" if r.checked else "  [checked=false]"
        print(f"{r.path:7} {r.source.cite():32} {r.title_de}{flag}")
    return 0


def register(sub) -> None:
    """The parser lines of this command group (called by `ops.cli.parser`)."""
    pc = sub.add_parser("precheck", help="pre-check law rules (§§ 25a, 25b AufenthG, § 10 StAG)"
                        ).add_subparsers(dest="sub", required=True)
    c = pc.add_parser("check", help="validate a pre-check rules file")
    c.add_argument("file")
    c.set_defaults(func=cmd_check)
    i = pc.add_parser("import", help="take a rules file over into the store (upsert by id, "
                      "with history; validated with the rules kept)")
    i.add_argument("file")
    i.add_argument("--dry-run", action="store_true", help="check and show per rule what "
                   "would change, write nothing")
    i.add_argument("--comment", help="reason, kept in the history")
    i.add_argument("--verbose", "-v", action="store_true", help="list unchanged rules too")
    i.set_defaults(func=cmd_import)
    x = pc.add_parser("export", help="write the rules in the store as a rules file (JSON)")
    x.add_argument("--output", "-o", help="file to write (default: stdout)")
    x.add_argument("--shipped", action="store_true", help="the shipped default file instead")
    x.set_defaults(func=cmd_export)
    s = pc.add_parser("show", help="the rules in force on a day (in the store)")
    s.add_argument("--date", help="YYYY-MM-DD (default: today)")
    s.add_argument("--shipped", action="store_true", help="the shipped default file instead")
    s.set_defaults(func=cmd_show)
