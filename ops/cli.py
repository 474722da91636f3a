"""The `lotse` command line: one parser, its command groups wired by plain imports.

Each module of `ops` holds one command group, its parser lines (`register`) and
its `cmd_*` functions: `serve` (serve, index build, model install, info),
`evaluate` (eval), `bench`, `offers` (export, import), `staff` (user, audit),
`rules`, `referrals` (referrals list and drill, keys rotate), `backup` (backup,
restore). Heavy libraries are imported inside the commands, so `lotse --help`
and `lotse info` start fast. `ops` imports `app`; nothing imports `ops`.
"""

from __future__ import annotations

import argparse
import sys

from app.settings import Settings
from ops import backup, bench, evaluate, offers, precheck, referrals, rules, serve, staff

#: the command groups, in the order `lotse --help` lists them
GROUPS = (serve, evaluate, bench, offers, staff, rules, precheck, referrals, backup)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="lotse", description="KIM-Lotse command line")
    sub = p.add_subparsers(dest="command", required=True)
    for group in GROUPS:
        group.register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    from pydantic import ValidationError

    from directory.db import SchemaOutdated

    args = parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:  # e.g. LOTSE_LOAD_DEMO=true beside the production profile
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"])
            print(f"error: settings: {(where + ': ') if where else ''}{error['msg']}",
                  file=sys.stderr)
        return 2
    try:
        code: int = args.func(args, settings)
    except SchemaOutdated as exc:  # LOTSE_AUTO_MIGRATE=false and a new version's schema
        print(serve.schema_outdated_message(exc), file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
