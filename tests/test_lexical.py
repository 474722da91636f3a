"""The lexical index: folding as people type, BM25 ranking, updates, restriction."""

from index.lexical import LexicalIndex, fold, tokens


def test_folding_unifies_spellings():
    assert tokens("Ausländerbehörde") == tokens("auslaenderbehoerde") == tokens("Auslanderbehorde")
    assert fold("إقامة") == fold("اقامة")
    assert fold("Ёлка") == fold("елка")
    assert tokens("ein 1 Kind") == ["ein", "kind"]


def test_ranking_updates_and_allowed():
    idx = LexicalIndex()
    idx.add("a", "Integrationskurs Deutsch lernen an der Volkshochschule")
    idx.add("b", "Schuldnerberatung bei Schulden und Mahnungen")
    idx.add("c", "Sprachcafé: Deutsch sprechen lernen")
    hits = idx.search("deutsch lernen", 5)
    assert {h[0] for h in hits} == {"a", "c"}
    assert [h[0] for h in idx.search("deutsch", 5, allowed=["c"])] == ["c"]
    assert [h[0] for h in idx.search("deutsch", 5, allowed=["b"])] == []
    idx.add("b", "Deutschkurs für Eltern")  # replace
    assert "b" in {h[0] for h in idx.search("deutschkurs", 5)}
    assert idx.search("schulden", 5) == []
    idx.remove("a")
    idx.remove("a")  # twice is fine
    assert len(idx) == 2
    assert "a" not in {h[0] for h in idx.search("integrationskurs deutsch", 5)}


def test_empty_index_and_zero_k():
    idx = LexicalIndex()
    assert idx.search("x y", 3) == []
    idx.add("a", "text")
    assert idx.search("text", 0) == []
