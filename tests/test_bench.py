"""`lotse bench` end to end on a tiny synthetic directory, and what its server half relies on."""

from pathlib import Path

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
