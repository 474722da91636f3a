"""The linear danger model beside the nearest-neighbour vote (index.danger): fitted on the
prototype sentences, saved with them, and read both ways by `ranking.is_crisis`."""

import dataclasses

import numpy as np

from index import danger
from index.prototypes import FILE, Prototypes
from index.ranking import Evidence, Weights, is_crisis


def evidence(danger_margin: float, p: float, term: str | None = None) -> Evidence:
    return Evidence(query="q", qvec=np.zeros(4, dtype=np.float32), term_ids=np.zeros(0),
                    idf=np.zeros(0), avgdl=1.0, topic_dense=np.zeros(1),
                    topic_lexical=np.zeros(1), danger=0.5 + danger_margin, safe=0.5,
                    danger_p=p, crisis_term=term)


def test_the_model_is_sure_alone_and_doubts_the_vote():
    w = Weights()
    near, far = w.crisis_margin + 0.01, w.crisis_margin - 0.01
    assert is_crisis(evidence(near, 0.5), w)  # the vote, not doubted
    assert not is_crisis(evidence(near, w.crisis_doubt - 0.01), w)  # the vote, doubted
    assert is_crisis(evidence(far, w.crisis_sure), w)  # missed by the vote, sure alone
    assert not is_crisis(evidence(far, w.crisis_sure - 0.01), w)
    assert is_crisis(evidence(far, 0.0, term="suicide"), w)  # a danger word is enough
    without_vector = dataclasses.replace(evidence(near, 1.0), qvec=None)
    assert not is_crisis(without_vector, w)  # no model: the words alone decide


def test_the_fit_separates_what_it_learned_from(encoder):
    dangers = ["mein Mann schlägt mich", "my friend wants to kill himself", "Feuer im Haus"]
    others = ["Wo ist der Deutschkurs?", "Wie beantrage ich Bürgergeld?",
              "Hilfe bei der Wohnungssuche", "Wann hat das Amt geöffnet?"]
    w, b = danger.fit(encoder.queries(dangers), encoder.queries(others))
    p = [danger.probability(w, b, v) for v in encoder.queries(dangers + others)]
    assert min(p[:3]) > 0.5 > max(p[3:])
    assert danger.fit(encoder.queries(dangers), np.zeros((0, encoder.dim)))[1] < -10  # nothing


def test_the_shipped_model_reads_new_questions(services):
    """Sentences written for this test (in no prototype): the probability, not the vote."""
    engine = services.engine
    sure = ["Mein Nachbar hat ein Seil im Keller aufgehängt und sagt, er will Schluss machen",
            "my little brother swallowed dishwasher tablets and is vomiting"]
    calm = ["Wo kann ich am Samstag einen Deutschkurs machen?",
            "Welche Unterlagen brauche ich für den Wohnberechtigungsschein?"]
    assert all(engine.evidence(q).danger_p > 0.5 for q in sure)
    assert all(engine.evidence(q).danger_p < 0.2 for q in calm)


def test_saved_prototypes_keep_the_model_and_old_files_fit_it(tmp_path, services):
    protos = services.engine._state.prototypes
    protos.save(tmp_path)
    again = Prototypes.load(tmp_path)
    assert np.array_equal(again.danger_w, protos.danger_w) and again.danger_b == protos.danger_b
    q = services.engine.evidence("mir ist schwindlig und ich blute stark").qvec
    assert again.read(q).danger_p == protos.read(q).danger_p
    with np.load(tmp_path / FILE) as z:  # a file saved before the model existed ...
        old = {k: z[k] for k in z.files if not k.startswith("danger")}
    np.savez(tmp_path / FILE, **old)
    fitted = Prototypes.load(tmp_path)  # ... gets it fitted when loaded
    assert np.allclose(fitted.danger_w, protos.danger_w, atol=1e-4)
    assert abs(fitted.read(q).danger_p - protos.read(q).danger_p) < 1e-3


def test_a_refit_on_almost_the_same_sentences_reads_the_same(services):
    """Fitted to convergence: leaving out 3 of the sentences barely moves any reading
    (stopped at scikit-learn's default tolerance, it moved some by 0.1 on e5-small)."""
    protos = services.engine._state.prototypes
    dangers = protos.crisis
    others = np.vstack([protos.topics, protos.ordinary, protos.off_topic])
    w, b = danger.fit(dangers, others)
    w2, b2 = danger.fit(dangers[2:], others[1:])
    probe = np.vstack([dangers[::7], others[::29]])
    moved = [abs(danger.probability(w, b, v) - danger.probability(w2, b2, v)) for v in probe]
    assert max(moved) < 0.02


def test_other_model_settings_make_the_saved_index_stale(services, monkeypatch):
    offers = services.store.offers()
    before = services.engine.fingerprint(offers)
    monkeypatch.setattr(danger, "SETTINGS", danger.SETTINGS + " changed")
    assert services.engine.fingerprint(offers) != before
