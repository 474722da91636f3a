"""`lotse precheck …`: check, export and show the pre-check's law rules (§§ 25a, 25b
AufenthG, § 10 StAG) as a dated rules file."""

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


def cmd_export(args, settings: Settings) -> int:
    from app.precheck.law import dump_rules_file, load_rules

    rules, start = load_rules()
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
        rules = rules_in_force(day)
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
    x = pc.add_parser("export", help="write the shipped rules as a rules file (JSON)")
    x.add_argument("--output", "-o", help="file to write (default: stdout)")
    x.set_defaults(func=cmd_export)
    s = pc.add_parser("show", help="the rules in force on a day")
    s.add_argument("--date", help="YYYY-MM-DD (default: today)")
    s.set_defaults(func=cmd_show)
