"""`lotse rules …`: export, import and check rules files of the responsibility rules."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from app.settings import Settings

MAX_FILE_BYTES = 5_000_000


def _open_store(settings: Settings):
    from app.main import open_store

    return open_store(settings)


def _read(path: str) -> list:
    from app.responsibility.rules import RuleError, parse_rules_file

    p = Path(path)
    if p.stat().st_size > MAX_FILE_BYTES:
        raise RuleError([f"{path}: größer als {MAX_FILE_BYTES} Bytes"])
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RuleError([f"{path}: kein gültiges JSON ({exc})"]) from exc
    return parse_rules_file(data)


def _bound_to(store, kommune_id: str):
    """`allowed` of an import for one Kommune: only rules in its (or its Gemeinden's) scope."""
    from app.responsibility.editing import kommune_of_scope

    return lambda scope, scope_id: (scope != "nrw" and
                                    kommune_of_scope(store, scope, scope_id) == kommune_id)


def cmd_export(args, settings: Settings) -> int:
    from app.responsibility import repository

    text = json.dumps(repository.export_rules(_open_store(settings)), ensure_ascii=False,
                      indent=1)
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return 0


def cmd_import(args, settings: Settings) -> int:
    from app.responsibility import repository
    from app.responsibility.rules import RuleError

    store = _open_store(settings)
    try:
        if args.defaults:
            rules = repository.default_rules()
            if store.kommune("demo") is not None:
                rules += repository.demo_rules()
        elif args.file:
            rules = _read(args.file)
        else:
            print("error: name a rules file or --defaults", file=sys.stderr)
            return 2
        allowed = None
        if getattr(args, "kommune", None):
            if store.kommune(args.kommune) is None:
                print(f"error: unknown Kommune {args.kommune!r}", file=sys.stderr)
                return 2
            allowed = _bound_to(store, args.kommune)
        counts = repository.import_rules(store, rules, by="cli", comment=args.comment or "",
                                         replace_all=args.replace_all, allowed=allowed)
    except (RuleError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(counts))
    return 0


def cmd_check(args, settings: Settings) -> int:
    from app.responsibility.rules import RuleError

    try:
        rules = _read(args.file)
    except (RuleError, OSError) as exc:
        for problem in getattr(exc, "problems", [str(exc)]):
            print(problem, file=sys.stderr)
        return 1
    print(f"{len(rules)} rules ok")
    return 0


def register(sub) -> None:
    """The parser lines of this command group (called by `ops.cli.parser`)."""
    ru = sub.add_parser("rules", help="responsibility rules").add_subparsers(dest="sub",
                                                                           required=True)
    rx = ru.add_parser("export", help="write all rules in force as a rules file (JSON)")
    rx.add_argument("--output", "-o", help="file to write (default: stdout)")
    rx.set_defaults(func=cmd_export)
    ri = ru.add_parser("import", help="take over a rules file (upsert by key, with history)")
    ri.add_argument("file", nargs="?", help="rules file (JSON)")
    ri.add_argument("--defaults", action="store_true", help="the shipped NRW default rules")
    ri.add_argument("--replace-all", action="store_true", help="delete rules not in the file")
    ri.add_argument("--comment", help="reason, kept in the history")
    ri.add_argument("--kommune", help="import for this Kommune only: its rules may be "
                    "created, changed or (--replace-all) deleted, no other (SEC-22)")
    ri.set_defaults(func=cmd_import)
    rc = ru.add_parser("check", help="validate a rules file without importing it")
    rc.add_argument("file")
    rc.set_defaults(func=cmd_check)
