"""`lotse bench` end to end on a tiny synthetic directory, and what its server half relies on."""

from pathlib import Path

import pytest

from app.main import open_store
from index.cache import EmbeddingCache
from index.engine import SearchEngine
from ops.bench import measure, synthetic_offers


def test_bench_measures_in_process_and_over_http(settings):
    r = measure(settings, 40, 6)
    assert r["offers"] > 40 and r["vectors"] == "encoded"
    assert r["upsert_to_found_ms"] is not None  # the upserted offer was found
    assert r["encode_p50_ms"] > 0 and r["search_p50_ms"] > 0 and r["index_build_s"] > 0
    assert r["http_p50_ms"] > 0 and r["throughput_8_clients_per_s"] > 0
    # the floor: plain sentence-transformers in a process of its own, in turns with HTTP
    assert r["floor_p50_ms"] > 0 and r["http_p50_over_floor"] > 0
    assert r["server_peak_rss_mb"] > 100  # a real server process with the model loaded


def test_server_half_loads_the_saved_index_without_rebuilding(settings, encoder, tmp_path):
    store = open_store(settings)
    offers, kommunen = synthetic_offers(store, 30)
    assert len({k for k, _ in kommunen}) > 1 and len({o.id for o in offers}) == len(offers)
    built = SearchEngine(encoder, cache=EmbeddingCache(None))
    built.build(offers)
    built.save(tmp_path / "index")
    again, _ = synthetic_offers(store, 30)  # the same offers, made anew
    loaded = SearchEngine(encoder, cache=EmbeddingCache(None))
    assert loaded.open(again, Path(tmp_path / "index")) is False
    assert loaded.directory_hash == built.directory_hash


def test_bench_questions_are_distinct_and_multilingual():
    from index.language import detect_language
    from ops.bench import questions

    qs = questions(200)
    assert len(qs) == 200 and len(set(qs)) == 200  # no question repeats: no cache helps
    assert len({detect_language(q) for q in qs}) >= 8


@pytest.mark.slow
def test_bench_with_two_serve_processes_on_one_store(monkeypatch, tmp_path):
    """`lotse bench --processes 1,2`: real `lotse serve` processes on one store (lexical
    search here, no model: the mechanics, not the figures), memory of each."""
    from app.settings import Settings
    from ops.bench_processes import run_process_bench

    monkeypatch.setenv("LOTSE_MODEL", str(tmp_path / "no-model"))
    report = run_process_bench(Settings(data_dir=tmp_path), [1, 2], clients=3, queries=24)
    one, two = report["runs"]
    assert (one["processes"], two["processes"]) == (1, 2)
    for run in (one, two):
        assert run["failures"] == 0 and run["throughput_qps"] > 0
        assert 0 < run["p50_ms"] <= run["p95_ms"]
        assert len(run["memory"]) == run["processes"]
        assert all(m["rss_mb"] > 30 and m["peak_rss_mb"] >= m["rss_mb"] for m in run["memory"])
    assert len({m["port"] for m in two["memory"]}) == 2
