"""`lotse bench`: real measurements of the search on synthetic directories.

For each size (default 1k and 10k offers; `--sizes 54000` is the NRW case of
54 Kommunen x 1,000 offers) the demo offers are copied with new ids, spread
over the 54 Kommunen, and each copy's texts name its Kommune and number, so
no two offers share a text and the embedding cache cannot shortcut the build.
Measured in one run, with distinct questions in every language (no question repeats):
the in-process query encoding, the index build (cold cache, with a progress bar), the
in-process search latency, the time until an upserted offer is found and the peak RSS of
this process (which built the index); then, against a uvicorn server in a process of its
own (`ops.bench_server`, loading the saved index as `lotse serve` does), HTTP latency in
turns with the floor: the same question encoded by plain sentence-transformers in a third
process (`ops.bench_floor`), as an outside check measures it; the throughput of 8
concurrent clients and the server's peak RSS.
`--cold-start` also times `lotse serve` from launch to a green /readyz.
`--processes 1,2` instead loads 1 and 2 real `lotse serve` processes on one store
(`ops.bench_processes`): throughput, p50, p95 and memory per process.
`--reuse-vectors` gives each copy its demo offer's vector instead of encoding
it (for the NRW size, where latency and memory are measured, not the build).
The build's CPU seconds are reported beside its wall time: on a machine shared
with other work the wall time says little.
"""

from __future__ import annotations

import dataclasses
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from app.settings import Settings


def questions(n: int, seed: int = 7) -> list[str]:
    """`n` distinct questions in every language (the labelled questions shipped with the
    index, shuffled with a fixed seed): no question repeats, so nothing a cache kept for
    one question can shorten another's path."""
    import random

    from index.prototypes import DATA

    texts = []
    with (DATA / "questions.jsonl").open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                texts.append(json.loads(line)["text"])
    texts = sorted(set(texts))
    random.Random(seed).shuffle(texts)  # nosec B311: a fixed order of questions, no secret
    return texts[:n]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def synthetic(offers, size: int, kommunen: list[tuple[str, str]]):
    """`size` offers made from the demo ones, each with texts of its own."""
    base = [o for o in offers if o.scope != "national"]
    out = [o for o in offers if o.scope == "national"]
    for i in range(size):
        o = base[i % len(base)]
        kid, kname = kommunen[i % len(kommunen)]
        tag = f"{kname}, Nr. {i + 1}"
        out.append(dataclasses.replace(
            o, id=str(uuid.UUID(int=(i + 1) << 68 | i)), kommune_id=kid, gemeinde_ids=(),
            name=f"{o.name} ({tag})", description=f"{o.description} Standort {tag}.",
            translations={lang: (f"{n} ({tag})", f"{d} {tag}.")
                          for lang, (n, d) in o.translations.items()}))
    return out


def synthetic_offers(store, size: int):
    """The synthetic directory of `size` offers of this store, and the Kommunen it uses
    (the same every time: the bench's server process makes it again)."""
    kommunen = [(k.id, k.name) for k in store.kommunen() if not k.sample]
    return synthetic(store.offers(), size, kommunen), kommunen


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bar(label: str):
    from tqdm import tqdm

    bar = tqdm(total=0, desc=label, unit="offers", file=sys.stderr, dynamic_ncols=True)

    def update(done: int, total: int) -> None:
        bar.total, bar.n = total, done
        bar.refresh()
        if done >= total:
            bar.close()

    return update


def _reuse_vectors(encoder, offers) -> None:
    """Give each copy the vector of its demo offer's passage (in the process memo).

    For the NRW case, where search latency and memory are the point: the shards hold
    as many vectors and postings as with real encodings, without hours of encoding.
    """
    import numpy as np

    from index.cache import MEMO, cache_key
    from index.documents import offer_views

    base: dict[str, np.ndarray] = {}
    items = {}
    for o in offers:
        key = o.name.rsplit(" (", 1)[0]
        if key not in base:
            base[key] = encoder.documents([offer_views(o)[0]])[0]
        items[cache_key(encoder.document_id, "document", offer_views(o)[0])] = base[key]
    MEMO.limit = max(MEMO.limit, len(items) + 10_000)
    MEMO.put(items)


def measure(settings: Settings, size: int, n_queries: int, reuse: bool = False) -> dict:
    from app.main import open_store
    from app.services import encoder_for
    from index.cache import MEMO, EmbeddingCache, cache_key
    from index.engine import SearchEngine
    from index.prototypes import Prototypes, prototype_texts

    settings = settings.for_tools()
    store = open_store(settings)
    encoder = encoder_for(settings)
    if encoder is None:
        raise SystemExit("the embedding model cannot be loaded; run `lotse model install`")
    offers, kommunen = synthetic_offers(store, size)
    engine = SearchEngine(encoder, cache=EmbeddingCache(None))
    t0 = time.perf_counter()
    # fixed sentences: embedded once, then taken from the data dir's cache
    Prototypes.embed(encoder, EmbeddingCache(settings.embedding_cache_dir))
    proto_s = time.perf_counter() - t0
    texts = [t for ts in prototype_texts().values() for t in ts]
    keep = {k for k in (cache_key(encoder.query_id, "query", t if isinstance(t, str) else t[1])
                        for t in texts)}
    with MEMO.lock:  # every offer text starts cold
        MEMO.items = {k: v for k, v in MEMO.items.items() if k in keep}
    if reuse:
        _reuse_vectors(encoder, offers)
    t0, c0 = time.perf_counter(), time.process_time()
    engine.build(offers, _bar(f"build {len(offers)}"))
    build_s, build_cpu = time.perf_counter() - t0, time.process_time() - c0
    if reuse:
        with MEMO.lock:
            MEMO.items = {k: v for k, v in MEMO.items.items() if k in keep}
    work = Path(tempfile.mkdtemp(prefix="lotse-bench-"))
    engine.save(work / "index")  # for the server process, before the upsert changes it
    warm, qs = _split(questions(n_queries + 8))
    encoder.queries(warm[:4])  # warm up the model and the search path (batcher thread, shards)
    for i, q in enumerate(warm):
        engine.search(q, kommune=kommunen[i % len(kommunen)][0])
    encode_ms, search_ms = [], []
    for i, q in enumerate(qs):  # floor and search in turns: both see the same machine
        t = time.perf_counter()
        encoder.queries([q])
        encode_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        engine.search(q, kommune=kommunen[i % len(kommunen)][0])
        search_ms.append((time.perf_counter() - t) * 1000)
    base = next(o for o in offers if o.scope != "national")
    fresh = dataclasses.replace(base, id=str(uuid.uuid4()), name="Fahrradwerkstatt Bench",
                                description="Fahrräder reparieren, gemeinsam und kostenlos.")
    t = time.perf_counter()
    engine.upsert(fresh)
    found = engine.search("Fahrradwerkstatt", kommune=fresh.kommune_id).results[0].id == fresh.id
    upsert_ms = (time.perf_counter() - t) * 1000
    try:
        http_ms, floor_ms, throughput, server_rss = _over_http(settings, size, work, warm, qs,
                                                               kommunen)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    enc_p50 = statistics.median(encode_ms)
    floor_p50 = statistics.median(floor_ms)
    return {
        "offers": len(offers),
        "vectors": "reused" if reuse else "encoded",
        "index_build_s": round(build_s, 1),
        "index_build_cpu_s": round(build_cpu, 1),
        "offers_per_s": round(len(offers) / build_s, 1),
        "prototypes_s": round(proto_s, 1),
        "encode_p50_ms": round(enc_p50, 2),
        "search_p50_ms": round(statistics.median(search_ms), 2),
        "search_p95_ms": round(pct(search_ms, 95), 2),
        "search_over_encode_ms": round(statistics.median(search_ms) - enc_p50, 2),
        "http_p50_ms": round(statistics.median(http_ms), 2),
        "http_p95_ms": round(pct(http_ms, 95), 2),
        "floor_p50_ms": round(floor_p50, 2),
        "http_p50_over_floor": round(statistics.median(http_ms) / floor_p50, 2),
        "throughput_8_clients_per_s": round(throughput, 1),
        "throughput_target_per_s": round(0.8 * 1000 / floor_p50, 1),
        "upsert_to_found_ms": round(upsert_ms, 1) if found else None,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "server_peak_rss_mb": server_rss,
    }


def _split(texts: list[str]) -> tuple[list[str], list[str]]:
    """Eight questions to warm up with, and the rest to measure."""
    return texts[:8], texts[8:]


def wait_until_up(proc: subprocess.Popen, url: str, timeout: float = 600) -> None:
    """Until `url` (a server's /healthz or /readyz) answers 200 while loading the model and
    the index; SystemExit when the server process ends first or takes over `timeout` s."""
    import httpx

    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"the server for {url} ended with {proc.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"the server for {url} was not up in {timeout:.0f} s")


def _start_floor(settings: Settings) -> subprocess.Popen:
    """Plain sentence-transformers in a process of its own (`ops.bench_floor`), ready."""
    floor = subprocess.Popen(
        [sys.executable, "-m", "ops.bench_floor", str(settings.resolved_model)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    if floor.stdout is None or floor.stdout.readline().strip() != "ready":
        floor.kill()
        raise SystemExit("the floor process (plain sentence-transformers) did not start")
    return floor


def _floor_ms(floor: subprocess.Popen, question: str) -> float:
    if floor.stdin is None or floor.stdout is None:
        raise SystemExit("the floor process has no pipes")
    floor.stdin.write(json.dumps(question) + "\n")
    floor.stdin.flush()
    return float(floor.stdout.readline())


def _over_http(settings: Settings, size: int, work: Path, warm: list[str], qs: list[str],
               kommunen):
    """HTTP and floor p50s in turns, 8-client throughput and the server's peak RSS.

    The floor is the same question encoded by plain sentence-transformers in another
    process; each question goes first over HTTP, then to the floor, so both see the same
    moment of a shared machine and neither sees a question twice."""
    import httpx

    (work / "settings.json").write_text(settings.model_dump_json())
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ops.bench_server", str(work / "settings.json"), str(size),
         str(work / "index"), str(port)], stdout=subprocess.DEVNULL)
    floor = None
    url = f"http://127.0.0.1:{port}/api/v1/search"
    try:
        floor = _start_floor(settings)
        wait_until_up(proc, url.replace("/api/v1/search", "/healthz"))
        http_ms, floor_ms = [], []
        with httpx.Client(timeout=30) as client:
            for i, q in enumerate(warm):  # warm up the server and the connection
                client.get(url, params={"q": q, "kommune": kommunen[i % len(kommunen)][0]})
            for i, q in enumerate(qs):
                t = time.perf_counter()
                client.get(url, params={"q": q, "kommune": kommunen[i % len(kommunen)][0]})
                http_ms.append((time.perf_counter() - t) * 1000)
                floor_ms.append(_floor_ms(floor, q))

            def one(i: int) -> None:
                client.get(url, params={"q": qs[i], "kommune": kommunen[i % len(kommunen)][0]})

            t = time.perf_counter()
            with ThreadPoolExecutor(8) as pool:
                list(pool.map(one, range(len(qs))))
            throughput = len(qs) / (time.perf_counter() - t)
        return http_ms, floor_ms, throughput, _peak_rss_mb(proc.pid)
    finally:
        if floor is not None:
            floor.kill()
        proc.terminate()
        proc.wait(30)


def _peak_rss_mb(pid: int) -> float | None:
    """The peak resident memory of a running process (VmHWM), in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def cold_start(settings: Settings) -> float:
    """Seconds from launching `lotse serve` (index already built) to a green /readyz."""
    import httpx

    env = {**os.environ, "LOTSE_DATA_DIR": str(settings.data_dir)}
    build = [sys.executable, "-m", "ops.cli", "index", "build"]
    subprocess.run(build, env=env, check=True, capture_output=True)
    port = _free_port()
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "ops.cli", "serve", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - t < 120:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    return round(time.perf_counter() - t, 2)
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        return float("nan")
    finally:
        proc.terminate()
        proc.wait(10)


def run_bench(settings: Settings, args) -> int:
    if getattr(args, "cases", 0):
        from ops.bench_cases import print_case_bench, run_case_bench

        print_case_bench(run_case_bench(settings, args.cases), args.json)
        return 0
    if getattr(args, "processes", ""):
        from ops.bench_processes import print_process_bench, run_process_bench

        counts = [int(n) for n in args.processes.split(",") if n.strip()]
        processes = run_process_bench(settings, counts, args.clients, args.queries)
        if args.json:
            print(json.dumps(processes, indent=1))
        else:
            print_process_bench(processes)
        return 0
    if getattr(args, "import_offers", 0):
        from ops.bench_import import print_import_bench, run_import_bench

        print_import_bench(run_import_bench(settings, args.import_offers), args.json)
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    results = []
    for size in sizes:
        print(f"measuring {size} offers …", file=sys.stderr)
        results.append(measure(settings, size, args.queries, reuse=args.reuse_vectors))
    report: dict = {"runs": results, "cpus": os.cpu_count(),
                    "load_average": [round(x, 2) for x in os.getloadavg()]}
    if args.cold_start:
        report["cold_start_to_readyz_s"] = cold_start(settings)
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    keys = list(results[0]) if results else []
    print(f"{'':28}" + "".join(f"{r['offers']:>12}" for r in results))
    for k in keys[1:]:
        print(f"{k:28}" + "".join(f"{r[k]!s:>12}" for r in results))
    for k, v in report.items():
        if k != "runs":
            print(f"{k}: {v}")
    return 0


def cmd_bench(args, settings: Settings) -> int:
    return run_bench(settings, args)


def register(sub) -> None:
    """The parser lines of this command group (called by `ops.cli.parser`)."""
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
    be.add_argument("--cases", type=int, default=0, metavar="N",
                    help="instead: page load of the case-management pages with N cases "
                    "(10000: the issue-14 target) in one Kommune")
    be.add_argument("--processes", default="", metavar="1,2",
                    help="instead: GET /api/v1/search throughput, p50, p95 and memory per "
                    "process with this many `lotse serve` processes on one store "
                    "(LOTSE_DATABASE_URL, or SQLite in a temporary data dir)")
    be.add_argument("--clients", type=int, default=8, help="concurrent clients (--processes)")
    be.add_argument("--json", action="store_true")
    be.set_defaults(func=cmd_bench)
