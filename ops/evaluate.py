"""`lotse eval`: search quality on labelled queries, beside a BM25-only baseline.

Every query goes through the real HTTP search API (in process) against one
Kommune. Printed per language: Recall@1, Recall@3, MRR; then crisis recall
and false alarms, and out-of-scope handling (`confident`).
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

from app.settings import Settings


def load_queries(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def score_run(queries: list[dict], answers: list[dict]) -> dict:
    """Figures for one run; `answers` are search API bodies in query order."""
    per_lang: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    crisis_hits = crisis_total = false_alarms = ordinary = 0
    oos_ok = oos_total = ordinary_confident = confident_wrong = 0
    crisis_by_lang: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # [asked, recognised]
    # every question that is no crisis, out-of-scope ones included, by the set's own kind
    alarms_by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # [asked, alarmed]
    misses, crisis_misses, alarms = [], [], []
    for q, a in zip(queries, answers, strict=True):
        expect = q["expect"]
        if expect == ["crisis"]:
            crisis_total += 1
            crisis_hits += bool(a["crisis"])
            crisis_by_lang[q["lang"]][0] += 1
            crisis_by_lang[q["lang"]][1] += bool(a["crisis"])
            if not a["crisis"]:
                crisis_misses.append({"id": q.get("id"), "q": q["q"]})
            continue
        kind = q.get("kind") or ("out_of_scope" if not expect else "topic")
        alarms_by_kind[kind][0] += 1
        alarms_by_kind[kind][1] += bool(a["crisis"])
        if a["crisis"]:
            alarms.append({"id": q.get("id"), "q": q["q"], "kind": kind})
        if not expect:
            oos_total += 1
            oos_ok += not a["confident"]
            continue
        ordinary += 1
        false_alarms += bool(a["crisis"])
        ordinary_confident += bool(a["confident"])
        rank = next((i for i, r in enumerate(a["results"], 1)
                     if set(r["categories"]) & set(expect)), None)
        # confident, yet no fitting offer among the first three: the answer misleads
        confident_wrong += bool(a["confident"]) and not (rank is not None and rank <= 3)
        per_lang[q["lang"]].append(
            (float(rank == 1), float(rank is not None and rank <= 3), 1.0 / rank if rank else 0.0)
        )
        if not rank or rank > 3:
            misses.append({"id": q["id"], "q": q["q"], "expect": expect,
                           "got": [r["categories"] for r in a["results"][:3]]})

    def agg(rows):
        n = len(rows) or 1
        return {"n": len(rows), "r1": sum(r[0] for r in rows) / n,
                "r3": sum(r[1] for r in rows) / n, "mrr": sum(r[2] for r in rows) / n}

    all_rows = [r for rows in per_lang.values() for r in rows]
    return {
        "overall": agg(all_rows),
        "languages": {lang: agg(rows) for lang, rows in sorted(per_lang.items())},
        "crisis_recall": crisis_hits / (crisis_total or 1),
        "crisis_false_alarm_rate": false_alarms / (ordinary or 1),
        "false_alarms_all": sum(v[1] for v in alarms_by_kind.values())
        / (sum(v[0] for v in alarms_by_kind.values()) or 1),
        "false_alarms_by_kind": {k: {"n": n, "alarms": hit}
                                 for k, (n, hit) in sorted(alarms_by_kind.items())},
        "out_of_scope_not_confident": oos_ok / (oos_total or 1),
        "out_of_scope_questions": oos_total,
        "ordinary_confident": ordinary_confident / (ordinary or 1),
        "confident_but_wrong": confident_wrong / (ordinary or 1),
        "crisis_languages": {lang: hit / n for lang, (n, hit) in sorted(crisis_by_lang.items())},
        "misses": misses,
        "crisis_misses": crisis_misses,
        "false_alarms": alarms,
    }


def run_queries(client, queries: list[dict], kommune: str) -> list[dict]:
    out = []
    for q in queries:
        params = {"q": q["q"], "kommune": kommune, "limit": 5}
        if q.get("age") is not None:
            params["age"] = q["age"]
        r = client.get("/api/v1/search", params=params)
        if r.status_code == 404:
            raise SystemExit(f"error: unknown Kommune {kommune!r}: --kommune takes an id "
                             "of GET /api/v1/kommunen (e.g. kreis-guetersloh)")
        r.raise_for_status()
        out.append(r.json())
    return out


def evaluate(settings: Settings, queries: list[dict], kommune: str) -> dict:
    from fastapi.testclient import TestClient

    from app.main import create_app, open_store, start
    from app.services import Services
    from index.engine import SearchEngine

    settings = settings.for_tools()
    services = start(settings)
    with TestClient(create_app(settings, services)) as client:
        hybrid = score_run(queries, run_queries(client, queries, kommune))
    lexical = SearchEngine(None)
    lexical.build(services.store.offers())
    bm25 = Services(settings, open_store(settings), lexical, ready=True)
    with TestClient(create_app(settings, bm25)) as client:
        baseline = score_run(queries, run_queries(client, queries, kommune))
    return {"search": hybrid, "bm25": baseline, "queries": len(queries), "kommune": kommune}


def run_eval(settings: Settings, args) -> int:
    path = Path(args.file) if args.file else settings.eval_file
    if not path.exists():
        print(f"error: no evaluation file at {path}", file=sys.stderr)
        return 1
    result = evaluate(settings, load_queries(path), args.kommune)
    if args.json:
        print(json.dumps(result, indent=1, ensure_ascii=False))
        return 0
    s, b = result["search"], result["bm25"]
    print(f"{result['queries']} queries against Kommune '{result['kommune']}'")
    print(f"{'lang':6} {'n':>3}  {'R@1':>5} {'R@3':>5} {'MRR':>5}   | BM25 {'R@1':>5} {'R@3':>5}")
    rows = [("all", s["overall"], b["overall"])]
    rows += [(lang, v, b["languages"].get(lang, {})) for lang, v in s["languages"].items()]
    for lang, v, bv in rows:
        print(f"{lang:6} {v['n']:>3}  {v['r1']:5.2f} {v['r3']:5.2f} {v['mrr']:5.2f}   |      "
              f"{bv.get('r1', 0):5.2f} {bv.get('r3', 0):5.2f}")
    print(f"crisis recall {s['crisis_recall']:.2f} (BM25 {b['crisis_recall']:.2f}); "
          f"false alarms on ordinary queries {s['crisis_false_alarm_rate']:.3f}")
    oos = (f"{s['out_of_scope_not_confident']:.2f}" if s["out_of_scope_questions"]
           else "n/a (the set has none)")
    print(f"out-of-scope not confident {oos}; "
          f"ordinary queries confident {s['ordinary_confident']:.2f}; "
          f"confident but no fitting offer in the first three {s['confident_but_wrong']:.3f}")
    if s["false_alarms_by_kind"]:
        print(f"false alarms on every question that is no crisis {s['false_alarms_all']:.3f}: "
              + ", ".join(f"{k} {v['alarms']}/{v['n']}"
                          for k, v in s["false_alarms_by_kind"].items()))
    if s["crisis_languages"]:
        print("crisis recall by language: " + " ".join(
            f"{lang} {v:.2f}" for lang, v in s["crisis_languages"].items()))
    if args.misses:
        for m in s["misses"]:
            print(f"  miss {m['id']}: {m['q'][:70]!r} expect {m['expect']} got {m['got']}")
        for m in s["crisis_misses"]:
            print(f"  crisis missed {m['id']}: {m['q'][:70]!r}")
        for m in s["false_alarms"]:
            print(f"  false alarm ({m['kind']}) {m['id']}: {m['q'][:70]!r}")
    return 0


def cmd_eval(args, settings: Settings) -> int:
    return run_eval(settings, args)


def register(sub) -> None:
    """The parser lines of this command group (called by `ops.cli.parser`)."""
    e = sub.add_parser("eval", help="search quality on the evaluation queries")
    e.add_argument("--file", help="JSONL queries (default: settings.eval_file)")
    e.add_argument("--kommune", default="demo")
    e.add_argument("--json", action="store_true", help="print the figures as JSON")
    e.add_argument("--misses", action="store_true", help="list the queries missed at 3")
    e.set_defaults(func=cmd_eval)
