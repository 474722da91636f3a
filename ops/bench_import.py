"""`lotse bench --import-offers N`: how long a big import takes (default scale: 50,000 offers).

A synthetic spreadsheet (CSV template, N rows spread over the 54 Kommunen and
their Gemeinden, every row with a topic, address, phones, opening hours,
languages and an English translation) is imported into a fresh store in one
transaction, then imported again (nothing changes), exported as the HSDS CSV
data package and that package imported into a second fresh store; finally the
lexical search index is built over the imported offers. Each step reports
wall time, CPU seconds of this process and the peak RSS so far.
"""

from __future__ import annotations

import csv
import io
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from app.settings import Settings

HOURS = ("Mo-Fr 9-12, Di 14-16", "Mo, Mi 8:30-12:30", "Di-Do 10-16 Uhr", "nach Vereinbarung",
         "Mo-Fr 9-12 und 13-15")


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


class Step:
    """Measures one step: wall seconds, CPU seconds, peak RSS afterwards."""

    def __init__(self, results: dict, name: str):
        self.results, self.name = results, name

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), _cpu()
        print(f"{self.name} …", file=sys.stderr)
        return self

    def __exit__(self, *exc):
        self.results[self.name] = {"wall_s": round(time.perf_counter() - self.wall, 1),
                                   "cpu_s": round(_cpu() - self.cpu, 1),
                                   "peak_rss_mb": _peak_mb()}


def synthetic_sheet(store, n: int) -> bytes:
    """N offer rows in the spreadsheet template's CSV format."""
    from directory.hsds import sheet
    from directory.reference import gemeinden, kommunen, taxonomy

    ks = [k for k in kommunen()]
    by_kommune: dict[str, list[str]] = {}
    for g in gemeinden():
        by_kommune.setdefault(g.kommune_id, []).append(g.name)
    topics = [t["code"] for t in taxonomy()]
    headers = [c.header for c in sheet.COLUMNS]
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";")
    w.writerow(headers)
    for i in range(n):
        k = ks[i % len(ks)]
        places = by_kommune.get(k.id, [k.name])
        topic = topics[i % len(topics)]
        row = {
            "Name des Angebots": f"Beratung {topic} {k.name} Nr. {i + 1}",
            "Beschreibung": f"Synthetisches Angebot {i + 1} zum Thema {topic} in {k.name}. "
                            "Beratung, Begleitung und Hilfe bei Anträgen.",
            "Träger": f"Träger {i % 5000 + 1} {k.name}", "Kommune": k.id,
            "Gemeinden": places[i % len(places)], "Themen": topic,
            "Straße und Hausnummer": f"Musterweg {i % 300 + 1}",
            "PLZ": f"{40000 + i % 9000}", "Ort": places[i % len(places)],
            "Telefon": f"0000 {i:06d}; 0000 {i + 1:06d}", "E-Mail": f"angebot{i}@example.org",
            "Öffnungszeiten": HOURS[i % len(HOURS)], "Sprachen": "de, ar, uk",
            "Alter von": "" if i % 3 else "18", "Zuletzt geprüft": "01.11.2026",
            "Name (en)": f"Counselling {topic} {i + 1}",
        }
        w.writerow([row.get(h, "") for h in headers])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _check(ok: bool, report) -> None:
    """A bench that measured a failed import would print wrong figures: stop instead."""
    if not ok:
        raise RuntimeError(f"the import did not do what the bench expects: {report.summary()}")


def run_import_bench(settings: Settings, n: int) -> dict:
    from directory.hsds import exporter, importer
    from directory.hsds.importer import Limits
    from directory.store import Store
    from index.engine import SearchEngine

    limits = Limits(settings.import_max_bytes, max(settings.import_max_rows, n),
                    settings.import_max_unpacked_bytes)
    results: dict = {"offers": n, "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="lotse-import-bench-") as tmp:
        first = Store(f"sqlite:///{Path(tmp) / 'a.db'}")
        first.init()
        with Step(results, "generate_sheet"):
            data = synthetic_sheet(first, n)
        results["sheet_mb"] = round(len(data) / 1e6, 1)
        with Step(results, "import_sheet"):
            report = importer.run(first, ("bench.csv", data), limits=limits)
        _check(report.applied and len(report.result.new) == n, report)
        with Step(results, "reimport_unchanged"):
            again = importer.run(first, ("bench.csv", data), limits=limits)
        _check(again.result.unchanged == n, again)
        with Step(results, "export_csv_package"), first.session() as s:
            exporter.write_package(s, Path(tmp) / "pkg.zip")
        results["package_mb"] = round((Path(tmp) / "pkg.zip").stat().st_size / 1e6, 1)
        second = Store(f"sqlite:///{Path(tmp) / 'b.db'}")
        second.init()
        with Step(results, "import_hsds_package"):
            report = importer.run(second, Path(tmp) / "pkg.zip", limits=limits)
        _check(report.applied and len(report.result.new) == n, report)
        with Step(results, "lexical_index_build"):
            SearchEngine(None).build(second.offers())
    results["load_average"] = [round(x, 2) for x in os.getloadavg()]
    return results


def print_import_bench(results: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(results, indent=1))
        return
    print(f"import of {results['offers']} offers (sheet {results['sheet_mb']} MB, "
          f"HSDS package {results['package_mb']} MB zipped)")
    print(f"{'step':24}{'wall s':>10}{'CPU s':>10}{'peak RSS MB':>14}")
    for k, v in results.items():
        if isinstance(v, dict):
            print(f"{k:24}{v['wall_s']:>10}{v['cpu_s']:>10}{v['peak_rss_mb']:>14}")
    print(f"load average: {results['load_average']}, cpus: {results['cpus']}")
