"""`lotse bench --processes 1,2`: search throughput and p95 with several `lotse serve`
processes on one store, and the memory of each process.

For each count N the bench starts N real `lotse serve` processes (the same data dir,
index and store: SQLite in the data dir, or `--database-url`, e.g. PostgreSQL) one
after another on 127.0.0.1, waits for each `/readyz`, warms each up, then lets
`--clients` threads send `--queries` questions of `GET /api/v1/search` spread over the
processes in turn (as a load balancer would) and reports throughput, p50 and p95 of
the whole run and the resident memory of every process (now and peak). The index is
built once beforehand (`lotse index build`), so no process encodes the directory.
The processes run with the settings of the environment (one torch thread each by
default) plus `LOTSE_SEARCH_LIMIT_IP` lifted and the background timers off.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from app.settings import Settings, redact_url
from ops.bench import _free_port, pct, questions, wait_until_up


def _rss_mb(pid: int) -> dict[str, float]:
    """Resident memory of a running process now (VmRSS) and at its peak (VmHWM), in MB."""
    out: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out["rss_mb" if key == "VmRSS" else "peak_rss_mb"] = round(
                int(value.split()[0]) / 1024, 1)
    return out


def run_processes(env: dict[str, str], count: int, clients: int, queries: int) -> dict:
    """Start `count` servers, load them, stop them; the figures of this run."""
    import httpx

    lotse = str(Path(sys.executable).with_name("lotse"))
    procs: list[tuple[int, subprocess.Popen]] = []
    try:
        for _ in range(count):  # one after another: the first start seeds the store
            port = _free_port()
            proc = subprocess.Popen([lotse, "serve", "--port", str(port)], env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            procs.append((port, proc))
            wait_until_up(proc, f"http://127.0.0.1:{port}/readyz")
        ports = [port for port, _ in procs]
        distinct = questions(queries + 12)  # no question twice: no cache shortens a path
        warm, asked = distinct[:12], distinct[12:]
        with httpx.Client(timeout=60, limits=httpx.Limits(max_connections=clients * 2)) as c:
            for port in ports:  # warm up every process (model, caches, connections)
                for q in warm:
                    c.get(f"http://127.0.0.1:{port}/api/v1/search", params={"q": q})
            latencies: list[float] = []
            failures = 0

            def one(i: int) -> None:
                nonlocal failures
                url = f"http://127.0.0.1:{ports[i % len(ports)]}/api/v1/search"
                t = time.perf_counter()
                r = c.get(url, params={"q": asked[i % len(asked)], "kommune": "demo"})
                latencies.append((time.perf_counter() - t) * 1000)
                failures += r.status_code != 200

            cpu0 = os.times()
            t0 = time.perf_counter()
            with ThreadPoolExecutor(clients) as pool:
                list(pool.map(one, range(queries)))
            wall = time.perf_counter() - t0
        memory = [{"port": port, **_rss_mb(proc.pid)} for port, proc in procs]
        return {"processes": count, "clients": clients, "queries": queries,
                "failures": failures, "throughput_qps": round(queries / wall, 1),
                "p50_ms": round(statistics.median(latencies), 1),
                "p95_ms": round(pct(latencies, 95), 1),
                "client_cpu_s": round(sum(os.times()[:2]) - sum(cpu0[:2]), 1),
                "memory": memory}
    finally:
        for _, proc in procs:
            proc.terminate()
        for _, proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()


def run_process_bench(settings: Settings, counts: list[int], clients: int,
                      queries: int) -> dict:
    """The runs for every process count on one prepared store (demo directory, index)."""
    with tempfile.TemporaryDirectory(prefix="lotse-bench-proc-") as tmp:
        data_dir = Path(tmp)
        env = {**os.environ, "LOTSE_DATA_DIR": str(data_dir),
               "LOTSE_SEARCH_LIMIT_IP": str(10**9), "LOTSE_ANALYTICS_ENABLED": "false",
               "LOTSE_JOBS_INTERVAL_SECONDS": "0", "LOTSE_ANALYTICS_MAINTENANCE_MINUTES": "0"}
        if settings.database_url:
            env["LOTSE_DATABASE_URL"] = settings.database_url
        lotse = str(Path(sys.executable).with_name("lotse"))
        built = subprocess.run([lotse, "index", "build"], env=env, capture_output=True,
                               text=True)
        # without a model there is nothing to encode: each process builds its lexical index
        if built.returncode and "model cannot be loaded" not in built.stderr:
            raise SystemExit(f"lotse index build failed: {built.stderr[-2000:]}")
        runs = [run_processes(env, n, clients, queries) for n in counts]
    return {"store": redact_url(settings.resolved_database_url).split("://")[0],
            "database_url": redact_url(settings.database_url) if settings.database_url
            else "sqlite (temporary data dir)", "torch_threads": settings.torch_threads,
            "cpus": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()],
            "runs": runs}


def print_process_bench(report: dict) -> None:
    print(f"store: {report['database_url']}; torch threads per process: "
          f"{report['torch_threads']}; {report['cpus']} CPUs, load {report['load_average']}")
    print(f"{'processes':>9} {'clients':>7} {'q/s':>7} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'fail':>5}  RSS now / peak per process (MB)")
    for r in report["runs"]:
        mem = ", ".join(f"{m.get('rss_mb')}/{m.get('peak_rss_mb')}" for m in r["memory"])
        print(f"{r['processes']:>9} {r['clients']:>7} {r['throughput_qps']:>7} "
              f"{r['p50_ms']:>8} {r['p95_ms']:>8} {r['failures']:>5}  {mem}")
