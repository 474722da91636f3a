"""Reliability drill (REL-01/02/03, REL-09): many clients POST referrals to a real server on
127.0.0.1 while it is SIGKILLed again and again; afterwards every acknowledged reference
must be in the store and `PRAGMA integrity_check` must say ok.

`lotse referrals drill [--clients 8 --posts 200 --kills 20]` runs it and prints the
figures. The server is a light app (the same FastAPI app and store, search on the lexical
index without the embedding model) started as `python -m ops.drill serve`, so a
restart takes about a second; the referral code path is the production one. Each client
retries a request that got no answer with the same Idempotency-Key, as a real client
would. Everything stays on 127.0.0.1 and is bounded in count and time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx

HOST = "127.0.0.1"


def serve(data_dir: str, port: int) -> None:
    import uvicorn

    from app.main import create_app, open_store
    from app.services import Services
    from app.settings import Settings
    from index.engine import SearchEngine
    from ops.serve import serve_options

    settings = Settings(data_dir=Path(data_dir), model="", referral_limit_ip=10**9,
                        jobs_interval_seconds=0)
    store = open_store(settings)
    engine = SearchEngine(None)
    engine.build(store.offers())
    app = create_app(settings, Services(settings, store, engine, ready=True))
    uvicorn.run(app, **{**serve_options(HOST, port), "log_level": "warning"})


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    """The light app in its own process; `database_url` (an empty PostgreSQL database, say)
    replaces the SQLite file in `data_dir`."""

    def __init__(self, data_dir: Path, port: int, database_url: str | None = None):
        self.data_dir, self.port, self.proc = data_dir, port, None
        self.env = os.environ.copy()
        if database_url:
            self.env["LOTSE_DATABASE_URL"] = database_url
        self.log = open(data_dir / "server.log", "ab")  # noqa: SIM115 - closed in stop()

    def start(self, timeout: float = 60) -> float:
        t0 = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ops.drill", "serve", str(self.data_dir),
             str(self.port)], stdout=self.log, stderr=self.log, env=self.env)
        while time.monotonic() - t0 < timeout:
            try:
                if httpx.get(f"http://{HOST}:{self.port}/healthz", timeout=1).status_code == 200:
                    return time.monotonic() - t0
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("the drill server did not start")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
        self.log.close()


def body(i: int) -> dict:
    return {"kommune": "demo", "language": "de", "topics": ["sprache"],
            "contact_channel": "phone", "contact": f"0170 {1000000 + i}", "consent": True,
            "message": f"Lasttest {i}", "name": f"Person {i}"}


def run_drill(clients: int = 8, posts: int = 200, kills: int = 20, data_dir: Path | None = None,
              time_limit: float = 900, database_url: str | None = None) -> dict:
    tmp = None
    if data_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="lotse-drill-")
        data_dir = Path(tmp.name)
    server = Server(data_dir, free_port(), database_url)
    first_start = server.start()
    url = f"http://{HOST}:{server.port}/api/v1/referrals"
    acked: dict[str, str] = {}
    statuses: dict[int, int] = {}
    latencies: list[float] = []
    retries = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + time_limit

    # kills fall at random points of the sequence of posts, not at random times: a fast
    # machine must not finish every post before the last kill (the count is exact)
    expected = clients * posts
    kill_at = set(random.sample(range(1, expected), min(kills, max(expected - 1, 0))))  # nosec B311
    sequence = [0]
    kill_lock = threading.Lock()
    restarts: list[float] = []

    def kill_and_restart() -> None:
        with kill_lock:  # other clients keep posting into the dead server meanwhile
            server.kill()
            restarts.append(server.start())

    def client(n: int) -> None:
        with httpx.Client(timeout=30) as http:
            for i in range(posts):
                key = str(uuid.uuid4())
                with lock:
                    sequence[0] += 1
                    kill_now = sequence[0] in kill_at
                if kill_now:
                    kill_and_restart()
                while time.monotonic() < deadline:
                    t0 = time.perf_counter()
                    try:
                        r = http.post(url, json=body(n * posts + i),
                                      headers={"Idempotency-Key": key})
                    except httpx.HTTPError:
                        with lock:
                            retries[0] += 1
                        time.sleep(0.2)  # the server is down: wait, then the same key again
                        continue
                    with lock:
                        statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
                        if r.status_code == 201:
                            acked[key] = r.json()["reference"]
                            latencies.append(time.perf_counter() - t0)
                    if r.status_code == 201:
                        break
                    time.sleep(0.05)

    t0 = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    server.stop()
    integrity, stored = _stored(data_dir, database_url)
    lost = sorted(set(acked.values()) - stored)
    latencies.sort()
    result = {
        "clients": clients, "posts_per_client": posts, "acknowledged": len(acked),
        "expected": clients * posts, "stored_rows": len(stored), "lost": len(lost),
        "status_codes": {str(k): v for k, v in sorted(statuses.items())},
        "server_errors_5xx": sum(v for k, v in statuses.items() if k >= 500),
        "retries_after_no_answer": retries[0], "sigkills": len(restarts),
        "restart_seconds_max": round(max(restarts), 2) if restarts else None,
        "first_start_seconds": round(first_start, 2), "integrity_check": integrity,
        "wall_seconds": round(wall, 1),
        "throughput_per_second": round(len(acked) / wall, 1) if wall else None,
        "latency_ms_p50": round(1000 * latencies[len(latencies) // 2], 1) if latencies else None,
        "latency_ms_p95": round(1000 * latencies[int(len(latencies) * 0.95)], 1)
        if latencies else None,
    }
    if tmp is not None:
        tmp.cleanup()
    return result


def _stored(data_dir: Path, database_url: str | None) -> tuple[str, set[str]]:
    """The store's own check ("ok" or its complaint) and the references it holds."""
    if not database_url:
        db = sqlite3.connect(data_dir / "lotse.db")
        try:
            integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
            return integrity, {r for (r,) in db.execute("SELECT reference FROM referral")}
        finally:
            db.close()
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            refs = {r for (r,) in conn.execute(text("SELECT reference FROM referral"))}
            # no reference twice: retries after a kill made no duplicate rows
            dup = conn.execute(text("SELECT count(*) - count(DISTINCT reference) FROM referral"))
            return ("ok" if dup.scalar() == 0 else "duplicate references"), refs
    finally:
        engine.dispose()


def cmd_drill(args, settings) -> int:
    result = run_drill(args.clients, args.posts, args.kills)
    print(json.dumps(result, indent=1))
    ok = (result["lost"] == 0 and result["server_errors_5xx"] == 0
          and result["integrity_check"] == "ok"
          and result["acknowledged"] == result["expected"])
    return 0 if ok else 1


if __name__ == "__main__":
    p = argparse.ArgumentParser(prog="python -m ops.drill")
    p.add_argument("what", choices=["serve"])
    p.add_argument("data_dir")
    p.add_argument("port", type=int)
    a = p.parse_args()
    serve(a.data_dir, a.port)
