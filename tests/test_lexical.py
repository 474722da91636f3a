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


def _reference_bm25(docs, ids, idf, avgdl):
    """BM25 straight from the formula, one document at a time."""
    k1, b = 1.2, 0.75
    out = np.zeros(len(docs), dtype=np.float32)
    for n, (terms, tfs, length) in enumerate(docs):
        for t, w in zip(ids, idf, strict=True):
            hit = np.flatnonzero(terms == t)
            if len(hit):
                tf = float(tfs[hit[0]])
                out[n] += w * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / avgdl))
    return out


def test_compact_postings_score_like_the_formula_after_edits():
    vocab = Vocabulary()
    texts = ["Deutschkurs Deutschkurs am Abend für Eltern", "Schuldnerberatung Mahnung",
             "Kita Anmeldung und Deutschkurs", "Wohngeld Antrag Miete Deutschkurs Abend"]
    shard, docs = shard_of(vocab, texts)
    assert shard.doc.dtype == np.uint16 and shard.tf.dtype == np.uint16
    assert shard.nbytes < 12 * sum(len(d[0]) for d in docs) + 4 * len(docs) + 200
    new = vocab.encode("Abend Deutschkurs Beratung")
    edited = shard.replaced(1, new).without(0)
    expect = [docs[2], docs[3]]
    expect.insert(0, new)
    ids = vocab.lookup("deutschkurs abend beratung miete")
    got = edited.scores(ids, vocab.idf(ids), vocab.avgdl)
    assert np.allclose(got, _reference_bm25(expect, ids, vocab.idf(ids), vocab.avgdl))
    assert set(edited.doc_terms(0)) == set(new[0])


def test_large_shards_keep_32_bit_document_numbers():
    n = 70_000  # more documents than uint16 can number
    docs = [(np.array([i % 7, 7], dtype=np.int32), np.array([1.0, 70_000.0], np.float32), 2)
            for i in range(n)]
    shard = LexicalShard.build(docs)
    assert shard.doc.dtype == np.int32 and shard.tf.max() == np.iinfo(np.uint16).max
    s = shard.scores(np.array([3], dtype=np.int32), np.array([1.0], np.float32), 2.0)
    assert s[n - 1] == 0 and s[3] > 0 and s[69_996] > 0 and np.count_nonzero(s) == n // 7
