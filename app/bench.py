"""`lotse bench`: real measurements of the search on synthetic directories.

For each size (default 1k and 10k offers, spread over the 54 Kommunen and
made from the demo offers with new ids): index build time, in-process
search latency, HTTP latency against a real uvicorn server on 127.0.0.1,
throughput with 8 concurrent clients, and the bare query-encoding time as
the floor the others are compared with. Peak RSS at the end.
"""

from __future__ import annotations

import dataclasses
import json
import resource
import socket
import statistics
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from app.settings import Settings

QUERIES = [
    "Wo kann ich Deutsch lernen?", "بدي اتعلم الماني", "I need help with the Jobcenter",
    "Мені потрібна квартира", "kita platz für mein kind", "borç danışmanlığı nerede",
    "Ausländerbehörde Termin verlängern", "je cherche un médecin", "ወረቐት ካብ ቤት ጽሕፈት",
    "waxaan rabaa shaqo", "مشاوره حقوقی پناهندگی", "Anerkennung meines Abschlusses",
]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def synthetic(offers, size: int, kommunen: list[str]):
    base = [o for o in offers if o.scope != "national"]
    out = [o for o in offers if o.scope == "national"]
    for i in range(size):
        o = base[i % len(base)]
        out.append(dataclasses.replace(
            o, id=str(uuid.UUID(int=(i + 1) << 68 | i)), kommune_id=kommunen[i % len(kommunen)],
            name=f"{o.name} {i // len(base) + 1}", gemeinde_ids=()))
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure(settings: Settings, size: int, n_queries: int) -> dict:
    import httpx
    import uvicorn

    from app.main import create_app
    from app.services import Services, load_encoder, open_store
    from index.engine import SearchEngine

    settings = settings.model_copy(update={"analytics_enabled": False})  # no events from tools
    store = open_store(settings)
    kommunen = [k.id for k in store.kommunen() if not k.sample]
    encoder = load_encoder(settings.resolved_model, settings.torch_threads)
    if encoder is None:
        raise SystemExit("the embedding model cannot be loaded; run `lotse model install`")
    offers = synthetic(store.offers(), size, kommunen)
    engine = SearchEngine(encoder)
    t0 = time.perf_counter()
    engine.build(offers)
    build_s = time.perf_counter() - t0
    qs = [QUERIES[i % len(QUERIES)] for i in range(n_queries)]
    encode_ms, search_ms = [], []
    for q in qs:
        t = time.perf_counter()
        encoder.queries([q])
        encode_ms.append((time.perf_counter() - t) * 1000)
    for i, q in enumerate(qs):
        t = time.perf_counter()
        engine.search(q, kommune=kommunen[i % len(kommunen)])
        search_ms.append((time.perf_counter() - t) * 1000)
    services = Services(settings, store, engine, ready=True)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings, services), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}/api/v1/search"
    http_ms = []
    with httpx.Client(timeout=30) as client:
        for i, q in enumerate(qs):
            t = time.perf_counter()
            client.get(url, params={"q": q, "kommune": kommunen[i % len(kommunen)]})
            http_ms.append((time.perf_counter() - t) * 1000)

        def one(i: int) -> None:
            client.get(url, params={"q": qs[i], "kommune": kommunen[i % len(kommunen)]})

        t = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(one, range(len(qs))))
        throughput = len(qs) / (time.perf_counter() - t)
    server.should_exit = True
    thread.join(10)
    enc_p50 = statistics.median(encode_ms)
    return {
        "offers": len(offers),
        "index_build_s": round(build_s, 2),
        "encode_p50_ms": round(enc_p50, 2),
        "search_p50_ms": round(statistics.median(search_ms), 2),
        "search_p95_ms": round(pct(search_ms, 95), 2),
        "http_p50_ms": round(statistics.median(http_ms), 2),
        "http_p95_ms": round(pct(http_ms, 95), 2),
        "http_p50_over_encode": round(statistics.median(http_ms) / enc_p50, 2),
        "throughput_8_clients_per_s": round(throughput, 1),
        "throughput_target_per_s": round(0.8 * 1000 / enc_p50, 1),
    }


def run_bench(settings: Settings, args) -> int:
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    results = []
    for size in sizes:
        print(f"measuring {size} offers …", file=sys.stderr)
        results.append(measure(settings, size, args.queries))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report = {"runs": results, "peak_rss_mb": round(peak_mb, 1)}
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    keys = list(results[0]) if results else []
    print(f"{'':28}" + "".join(f"{r['offers']:>12}" for r in results))
    for k in keys[1:]:
        print(f"{k:28}" + "".join(f"{r[k]:>12}" for r in results))
    print(f"peak RSS {report['peak_rss_mb']} MB")
    return 0
