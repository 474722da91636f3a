"""The encoder: the lean BERT loader equals sentence-transformers; the int8 document copy."""

from pathlib import Path

import numpy as np
import pytest
import torch

from index.bert import LeanModel, supported
from index.encoder import Encoder

TEXTS = ["Wo kann ich Deutsch lernen?", "بدي اتعلم الماني", "ኣነ ኣደ ክልተ ቆልዑ እየ።",
         "Schuldnerberatung " * 200]


@pytest.fixture(scope="module")
def lean(model_path):
    assert supported(Path(model_path))
    return LeanModel(Path(model_path))


def test_lean_loader_gives_the_sentence_transformers_vectors(lean, model_path):
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(model_path, device="cpu", local_files_only=True)
    for prompt, length in (("query", 512), ("document", 64)):
        lean.max_seq_length = reference.max_seq_length = length
        a = lean.encode(TEXTS, prompt_name=prompt)
        b = reference.encode(TEXTS, prompt_name=prompt, normalize_embeddings=True)
        assert np.min(np.sum(a * b, axis=1)) > 0.9999


def test_int8_documents_share_the_embeddings_and_stay_close(lean, encoder, model_path):
    quick = Encoder(model_path, quantize=True, max_seq_length=64)
    assert quick.document_id != quick.query_id and quick.query_id == encoder.query_id
    docs = quick.documents(TEXTS)
    lean.max_seq_length = 64
    full = lean.encode(TEXTS, prompt_name="document")
    assert docs.shape == full.shape
    assert np.min(np.sum(docs * full, axis=1)) > 0.9  # close, not equal: cut and quantised
    assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-4)
    doc_net, net = quick._document_model().net, quick._model.net
    # one table in memory: every tensor but the quantised Linear weights is shared
    assert doc_net.word.weight.data_ptr() == net.word.weight.data_ptr()
    assert doc_net.layers[3].out_norm.weight.data_ptr() == net.layers[3].out_norm.weight.data_ptr()
    assert type(net.layers[0].query) is torch.nn.Linear  # the query model stays float32
    assert type(doc_net.layers[0].query) is not torch.nn.Linear
    assert np.allclose(quick.queries(TEXTS[:2]), encoder.queries(TEXTS[:2]), atol=1e-5)
