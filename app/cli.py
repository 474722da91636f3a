"""The `lotse` command line: serve, index build, model install, info, eval, bench, rules,
backup and restore."""

from __future__ import annotations

import argparse
import json
import sys

from app.settings import Settings, redact_url


def _progress(label: str):
    from tqdm import tqdm

    bar = tqdm(total=0, desc=label, unit="offers", file=sys.stderr, dynamic_ncols=True)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return update


def cmd_serve(args, settings: Settings) -> int:
    import uvicorn

    from app.keyring import KeyringMissing
    from app.main import create_app
    from app.services import start

    services = start(settings, _progress("index"))
    try:
        app = create_app(settings, services)
    except KeyringMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    uvicorn.run(app, **serve_options(args.host or settings.host, args.port or settings.port))
    return 0


def serve_options(host: str, port: int) -> dict:
    """uvicorn's options: no access log of its own (it prints query strings, PRIV-07);
    the app logs method, path and status (`lotse.access`)."""
    import logging

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    return {"host": host, "port": port, "proxy_headers": False, "server_header": False,
            "access_log": False}


def cmd_index_build(args, settings: Settings) -> int:
    from app.services import encoder_for, open_store
    from index.cache import EmbeddingCache
    from index.engine import SearchEngine

    store = open_store(settings)
    encoder = encoder_for(settings)
    if encoder is None:
        print("error: the embedding model cannot be loaded; run `lotse model install`",
              file=sys.stderr)
        return 1
    engine = SearchEngine(encoder, cache=EmbeddingCache(settings.embedding_cache_dir))
    offers = store.offers()
    if args.force:
        engine.build(offers, _progress("index"))
        engine.save(settings.index_dir)
        rebuilt = True
    else:
        rebuilt = engine.open(offers, settings.index_dir, _progress("index"))
    state = "built" if rebuilt else "up to date"
    print(f"index {state}: {len(offers)} offers in {settings.index_dir}")
    return 0


def cmd_model_install(args, settings: Settings) -> int:
    from pathlib import Path

    from index.model_install import install_model

    target = Path(args.target) if args.target else Path(settings.resolved_model)
    info = install_model(target, progress=lambda msg: print(msg, file=sys.stderr),
                         force=args.force)
    print(json.dumps(info, indent=1, default=str))
    return 0


def cmd_info(args, settings: Settings) -> int:
    from directory.store import Store
    from index.engine import read_manifest

    store = Store(settings.resolved_database_url)
    store.init()
    manifest = read_manifest(settings.index_dir)
    info = {
        "data_dir": str(settings.data_dir.resolve()),
        "database_url": redact_url(settings.resolved_database_url),
        "model_path": settings.resolved_model,
        "index": {
            "path": str(settings.index_dir.resolve()),
            "size": manifest.get("count", 0),
            "model": manifest.get("model"),
            "created": manifest.get("created"),
        },
        "offers_per_kommune": store.offer_counts(),
    }
    if args.json:
        print(json.dumps(info, indent=1, ensure_ascii=False))
    else:
        for k, v in info.items():
            print(f"{k}: {v}")
    return 0


def cmd_eval(args, settings: Settings) -> int:
    from app.evaluate import run_eval

    return run_eval(settings, args)


def cmd_bench(args, settings: Settings) -> int:
    from app.bench import run_bench

    return run_bench(settings, args)


def _lazy(module: str, name: str):
    """A command implemented in a feature module, imported only when it runs."""

    def run(args, settings: Settings) -> int:
        import importlib

        return getattr(importlib.import_module(module), name)(args, settings)

    return run


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="lotse", description="KIM-Lotse command line")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="serve the web app")
    s.add_argument("--host")
    s.add_argument("--port", type=int)
    s.set_defaults(func=cmd_serve)
    i = sub.add_parser("index", help="search index").add_subparsers(dest="sub", required=True)
    b = i.add_parser("build", help="build the search index (only when the directory changed)")
    b.add_argument("--force", action="store_true", help="rebuild even if up to date")
    b.set_defaults(func=cmd_index_build)
    m = sub.add_parser("model", help="embedding model").add_subparsers(dest="sub", required=True)
    mi = m.add_parser("install", help="write the multilingual-e5-small model folder")
    mi.add_argument("--target", help="folder to write (default: the configured model)")
    mi.add_argument("--force", action="store_true")
    mi.set_defaults(func=cmd_model_install)
    inf = sub.add_parser("info", help="data dir, database, model, index, offers")
    inf.add_argument("--json", action="store_true")
    inf.set_defaults(func=cmd_info)
    e = sub.add_parser("eval", help="search quality on the evaluation queries")
    e.add_argument("--file", help="JSONL queries (default: settings.eval_file)")
    e.add_argument("--kommune", default="demo")
    e.add_argument("--json", action="store_true", help="print the figures as JSON")
    e.add_argument("--misses", action="store_true", help="list the queries missed at 3")
    e.set_defaults(func=cmd_eval)
    be = sub.add_parser("bench", help="latency, throughput, build time, memory")
    be.add_argument("--sizes", default="1000,10000", help="synthetic directory sizes")
    be.add_argument("--queries", type=int, default=200)
    be.add_argument("--cold-start", action="store_true",
                    help="also time `lotse serve` until /readyz is green")
    be.add_argument("--reuse-vectors", action="store_true",
                    help="copies reuse their demo offer's vector (NRW size: latency, memory)")
    be.add_argument("--import-offers", type=int, default=0, metavar="N",
                    help="instead: import N synthetic offers (50000: the NRW scale) from a "
                    "spreadsheet and an HSDS package; wall, CPU, peak RSS per step")
    be.add_argument("--json", action="store_true")
    be.set_defaults(func=cmd_bench)
    ex = sub.add_parser("export", help="the directory as HSDS 3.1 JSON or CSV data package")
    ex.add_argument("out", nargs="?", help="file (JSON; default stdout) or folder/.zip (CSV)")
    ex.add_argument("--format", choices=["json", "csv", "xlsx", "sheet-csv"], default="json",
                    help="HSDS JSON, HSDS CSV data package, or the spreadsheet template")
    ex.add_argument("--kommune", help="only the offers of this Kommune")
    ex.set_defaults(func=_lazy("app.directory_cli", "cmd_export"))
    im = sub.add_parser("import", help="HSDS 3.1 JSON, CSV data package or spreadsheet")
    im.add_argument("file", help="JSON, zip/folder (HSDS CSV data package), XLSX or CSV")
    im.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    im.add_argument("--kommune", help="Kommune of rows that name none; rows of another "
                    "Kommune are refused")
    im.set_defaults(func=_lazy("app.directory_cli", "cmd_import"))
    u = sub.add_parser("user", help="staff accounts").add_subparsers(dest="sub", required=True)
    ua = u.add_parser("add", help="bootstrap the first admin (there are no default accounts)")
    ua.add_argument("username")
    ua.add_argument("--role", action="append", help="repeatable; default admin",
                    choices=["admin", "case_manager", "editor", "coordinator"])
    ua.add_argument("--kommune", help="Kommune id; empty = state-wide")
    ua.add_argument("--name", help="name shown in the staff area")
    ua.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    ua.set_defaults(func=_lazy("app.staff.cli", "cmd_user_add"))
    ud = u.add_parser("disable", help="disable an account and end its sessions")
    ud.add_argument("username")
    ud.set_defaults(func=_lazy("app.staff.cli", "cmd_user_disable"))
    ul = u.add_parser("list", help="list the staff accounts")
    ul.add_argument("--json", action="store_true")
    ul.set_defaults(func=_lazy("app.staff.cli", "cmd_user_list"))
    au = sub.add_parser("audit", help="audit log").add_subparsers(dest="sub", required=True)
    av = au.add_parser("verify", help="check the HMAC chain of the audit log")
    av.set_defaults(func=_lazy("app.staff.cli", "cmd_audit_verify"))
    ru = sub.add_parser("rules", help="responsibility rules").add_subparsers(dest="sub",
                                                                           required=True)
    rx = ru.add_parser("export", help="write all rules in force as a rules file (JSON)")
    rx.add_argument("--output", "-o", help="file to write (default: stdout)")
    rx.set_defaults(func=_lazy("app.responsibility.cli", "cmd_export"))
    ri = ru.add_parser("import", help="take over a rules file (upsert by key, with history)")
    ri.add_argument("file", nargs="?", help="rules file (JSON)")
    ri.add_argument("--defaults", action="store_true", help="the shipped NRW default rules")
    ri.add_argument("--replace-all", action="store_true", help="delete rules not in the file")
    ri.add_argument("--comment", help="reason, kept in the history")
    ri.add_argument("--kommune", help="import for this Kommune only: its rules may be "
                    "created, changed or (--replace-all) deleted, no other (SEC-22)")
    ri.set_defaults(func=_lazy("app.responsibility.cli", "cmd_import"))
    rc = ru.add_parser("check", help="validate a rules file without importing it")
    rc.add_argument("file")
    rc.set_defaults(func=_lazy("app.responsibility.cli", "cmd_check"))
    rf = sub.add_parser("referrals", help="referrals").add_subparsers(dest="sub", required=True)
    rl = rf.add_parser("list", help="list referrals (audited)")
    rl.add_argument("--json", action="store_true")
    rl.add_argument("--kommune", help="only this Kommune")
    rl.add_argument("--personal", action="store_true", help="include decrypted personal fields")
    rl.set_defaults(func=_lazy("app.referrals.cli", "cmd_list"))
    rd = rf.add_parser("drill", help="reliability drill: load + SIGKILLs on 127.0.0.1")
    rd.add_argument("--clients", type=int, default=8)
    rd.add_argument("--posts", type=int, default=200, help="referrals per client")
    rd.add_argument("--kills", type=int, default=20, help="SIGKILLs of the server during load")
    rd.set_defaults(func=_lazy("app.referrals.drill", "cmd_drill"))
    bk = sub.add_parser("backup", help="online backup of the store (not the key file)")
    bk.add_argument("file", nargs="?", help="where to write the backup")
    bk.add_argument("--drill", action="store_true",
                    help="back up, restore into a scratch store, compare counts and integrity")
    bk.add_argument("--scratch-url", help="an empty database for the drill (PostgreSQL)")
    bk.set_defaults(func=_lazy("app.backup", "cmd_backup"))
    rs = sub.add_parser("restore", help="put a backup in place of an empty store")
    rs.add_argument("file")
    rs.add_argument("--force", action="store_true", help="replace a store that has data")
    rs.set_defaults(func=_lazy("app.backup", "cmd_restore"))
    k = sub.add_parser("keys", help="encryption keys").add_subparsers(dest="sub", required=True)
    kr = k.add_parser("rotate", help="new data key; re-encrypt every encrypted field")
    kr.add_argument("--keep-old", action="store_true", help="keep the old keys in the key file")
    kr.set_defaults(func=_lazy("app.referrals.cli", "cmd_rotate"))
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args, Settings())


if __name__ == "__main__":
    sys.exit(main())
