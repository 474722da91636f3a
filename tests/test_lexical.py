"""The lexical index: folding as people type, BM25 per shard, copy-on-write changes."""

import numpy as np

from index.lexical import LexicalIndex, LexicalShard, Vocabulary, fold, idf_classic, tokens


def test_folding_unifies_spellings():
    assert tokens("Ausländerbehörde") == tokens("auslaenderbehoerde") == tokens("Auslanderbehorde")
    assert fold("إقامة") == fold("اقامة")
    assert fold("Ёлка") == fold("елка")
    assert tokens("ein 1 Kind") == ["ein", "kind"]
    assert tokens("iş arıyorum") == tokens("is ariyorum")
    assert tokens("می‌خواهم") == tokens("می خواهم")
    assert tokens("۲۰ سالمه") == tokens("20 سالمه")


def shard_of(vocab, texts):
    docs = [vocab.encode(t) for t in texts]
    for d in docs:
        vocab.count(d[0], d[2])
    return LexicalShard.build(docs), docs


def test_bm25_ranking_and_global_statistics():
    vocab = Vocabulary()
    shard, _ = shard_of(vocab, ["Integrationskurs Deutsch lernen an der Volkshochschule",
                                "Schuldnerberatung bei Schulden und Mahnungen",
                                "Sprachcafé: Deutsch sprechen lernen"])
    ids = vocab.lookup("deutsch lernen")
    scores = shard.scores(ids, vocab.idf(ids), vocab.avgdl)
    assert scores[1] == 0 and scores[0] > 0 and scores[2] > scores[0]  # shorter doc wins
    assert np.allclose(vocab.idf(vocab.lookup("schulden")), idf_classic(3, 1))
    assert len(vocab.lookup("unbekanntes wort")) == 0


def test_replace_and_remove_are_copies():
    vocab = Vocabulary()
    shard, docs = shard_of(vocab, ["Deutschkurs am Abend", "Schuldnerberatung", "Kita Anmeldung"])
    changed = shard.replaced(1, vocab.encode("Deutschkurs für Eltern"))
    ids = vocab.lookup("deutschkurs")
    assert shard.scores(ids, vocab.idf(ids), vocab.avgdl)[1] == 0  # the original is untouched
    assert changed.scores(ids, vocab.idf(ids), vocab.avgdl)[1] > 0
    grown = changed.replaced(3, vocab.encode("Deutschkurs online"))
    assert grown.n_docs == 4
    fewer = grown.without(0)  # the others move down
    s = fewer.scores(ids, vocab.idf(ids), vocab.avgdl)
    assert fewer.n_docs == 3 and s[0] > 0 and s[1] == 0 and s[2] > 0
    assert set(fewer.doc_terms(1)) == set(docs[2][0])


def test_empty_shards_and_small_index():
    vocab = Vocabulary()
    empty = LexicalShard.build([])
    ids = vocab.lookup("x")
    assert empty.scores(ids, vocab.idf(ids), vocab.avgdl).shape == (0,)
    idx = LexicalIndex({"a": "Wohnung Miete Wohngeld", "b": "Arzt Krankenversicherung"})
    assert [k for k, _ in idx.search("wohngeld miete", 5)] == ["a"]
    assert LexicalIndex().search("x", 3) == []
