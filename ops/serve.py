"""`lotse serve`, `lotse worker`, `lotse migrate`, `lotse index build`, `lotse model install`,
`lotse info`.

`migrate` brings the schema to the newest migration under the schema lock (an
advisory lock on PostgreSQL, a lock file beside the SQLite database), the step a
production start runs before `serve`; `serve` opens the store (with
`LOTSE_AUTO_MIGRATE` it migrates under the same lock, otherwise it refuses an
outdated schema naming `lotse migrate`; NRW reference data, demo directory if empty),
loads or builds the index and serves the app with uvicorn (no access log of its
own, PRIV-07; JSON log lines from every logger) with its background workers;
`worker` runs those workers alone (no web); `index build` builds the search
index only when the model or the directory changed; `model install` writes the
embedding model folder; `info` names the data dir, database (without password), model,
index and offer counts.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from app.settings import Settings, redact_url


def _progress(label: str) -> Callable[[int, int], None]:
    from tqdm import tqdm

    bar = tqdm(total=0, desc=label, unit="offers", file=sys.stderr, dynamic_ncols=True)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return update


def schema_outdated_message(exc: Exception) -> str:
    return (f"error: {exc} (one process, before starting the new version), or set "
            "LOTSE_AUTO_MIGRATE=true to migrate on start (not in the production profile).")


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from directory.db import schema_revisions
    from directory.store import Store

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(settings.resolved_database_url)
    before, _ = schema_revisions(store.engine)
    store.init(migrate_schema=True)
    after, head = schema_revisions(store.engine)
    state = "already current" if before == after else f"migrated from {before or 'empty'}"
    print(f"schema {state}: revision {after} (newest {head}) in "
          f"{redact_url(settings.resolved_database_url)}")
    return 0 if after == head else 1


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from app.keyring import KeyringMissing
    from app.main import create_app, start
    from app.web import logs
    from directory.db import SchemaOutdated

    logs.configure()  # JSON lines from the first log line on (the store, the model)
    try:
        # a progress bar on a terminal only: where stderr is a log, JSON lines alone
        services = start(settings, _progress("index") if sys.stderr.isatty() else None)
        app = create_app(settings, services)
    except SchemaOutdated as exc:
        print(schema_outdated_message(exc), file=sys.stderr)
        return 2
    except KeyringMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    uvicorn.run(app, **serve_options(args.host or settings.host, args.port or settings.port))
    return 0


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    """Background jobs only, no web: the workers `serve` runs too (Procrastinate on
    PostgreSQL, the lease table on SQLite), until SIGTERM or SIGINT."""
    import signal
    import threading

    from app.jobs import Background
    from app.keyring import KeyringMissing, open_keyring
    from app.main import start
    from app.queue import contract
    from app.web import logs
    from directory.db import SchemaOutdated

    logs.configure()
    if settings.jobs_poll_seconds <= 0:
        print("error: LOTSE_JOBS_POLL_SECONDS=0 means no jobs for this process",
              file=sys.stderr)
        return 2
    try:
        services = start(settings)
        open_keyring(settings, services.store)  # jobs read and erase encrypted records
    except SchemaOutdated as exc:
        print(schema_outdated_message(exc), file=sys.stderr)
        return 2
    except KeyringMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    background = Background(services)
    background.start()
    print(f"worker: {contract.engine(services.store)} jobs of "
          f"{redact_url(settings.resolved_database_url)}", file=sys.stderr, flush=True)
    stop.wait()
    background.stop()
    return 0


def serve_options(host: str, port: int) -> dict:
    """uvicorn's options: no access log of its own (it prints query strings, PRIV-07; the
    app logs method, path, route, status and time as `lotse.access`) and no logging set-up
    of its own (`log_config=None`): every logger writes the app's JSON lines
    (app/web/logs)."""
    from app.web import logs

    logs.configure()
    return {"host": host, "port": port, "proxy_headers": False, "server_header": False,
            "access_log": False, "log_config": None}


def cmd_index_build(args: argparse.Namespace, settings: Settings) -> int:
    from app.main import open_store
    from app.services import encoder_for
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


def cmd_model_install(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from index.model_install import install_model

    target = Path(args.target) if args.target else Path(settings.resolved_model)
    info = install_model(target, progress=lambda msg: print(msg, file=sys.stderr),
                         force=args.force)
    print(json.dumps(info, indent=1, default=str))
    return 0


def cmd_info(args: argparse.Namespace, settings: Settings) -> int:
    from directory.store import Store
    from index.engine import read_manifest

    store = Store(settings.resolved_database_url)
    store.init(migrate_schema=settings.auto_migrate)
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


def register(sub: argparse._SubParsersAction) -> None:
    """The parser lines of this command group (called by `ops.cli.parser`)."""
    s = sub.add_parser("serve", help="serve the web app")
    s.add_argument("--host")
    s.add_argument("--port", type=int)
    s.set_defaults(func=cmd_serve)
    w = sub.add_parser("worker", help="run background jobs only (outbox, retention, imports), "
                       "beside web processes started with LOTSE_JOBS_POLL_SECONDS=0")
    w.set_defaults(func=cmd_worker)
    mg = sub.add_parser("migrate", help="bring the database schema to the newest migration "
                        "(under a lock; run once before starting a new version)")
    mg.set_defaults(func=cmd_migrate)
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
