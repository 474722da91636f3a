"""`lotse rules …`: export, import and check rules files (the parser lines are in app/cli.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from app.responsibility import repository
from app.responsibility.rules import RuleError, parse_rules_file
from app.settings import Settings

MAX_FILE_BYTES = 5_000_000


def _open_store(settings: Settings):
    from app.services import open_store

    return open_store(settings)


def _read(path: str) -> list:
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
    text = json.dumps(repository.export_rules(_open_store(settings)), ensure_ascii=False,
                      indent=1)
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return 0


def cmd_import(args, settings: Settings) -> int:
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
    try:
        rules = _read(args.file)
    except (RuleError, OSError) as exc:
        for problem in getattr(exc, "problems", [str(exc)]):
            print(problem, file=sys.stderr)
        return 1
    print(f"{len(rules)} rules ok")
    return 0
