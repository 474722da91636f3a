"""The search engine on the real model, real FAISS and the demo directory."""

import dataclasses
import json
from pathlib import Path

from index.engine import SearchEngine, read_manifest


def categories(answer, n=3):
    return [c for h in answer.results[:n] for c in h.categories]


def test_arabic_question_finds_language_courses(services):
    answer = services.engine.search("بدي اتعلم الماني", kommune="demo")
    assert "sprache" in categories(answer)
    assert answer.lang == "ar"
    assert answer.confident and not answer.crisis


def test_german_and_english_questions(services):
    assert "schulden" in categories(services.engine.search("Ich habe Schulden", kommune="demo"))
    assert "wohnen" in categories(
        services.engine.search("I am looking for a flat to rent", kommune="demo"))


def test_age_moves_jmd_and_mbe(services):
    q = "I need counselling as a migrant, who helps me with letters and my integration plan?"
    young = services.engine.search(q, kommune="demo", age=19, limit=10)
    old = services.engine.search(q, kommune="demo", age=45, limit=10)

    def first(answer, code: str) -> int:
        return next((i for i, h in enumerate(answer.results) if code in h.categories), 99)

    # the service for the age is among the first three, above the one for the other age
    assert first(young, "jmd") < 3 and first(young, "jmd") < first(young, "mbe")
    assert first(old, "mbe") < 3 and first(old, "mbe") < first(old, "jmd")


def test_kommune_filter_returns_only_that_kommune_and_national(services):
    engine = services.engine
    answer = engine.search("Deutschkurs", kommune="koeln", limit=50)
    assert all(engine.offers[h.id].scope == "national" for h in answer.results)
    demo = engine.search("Deutschkurs", kommune="demo", limit=50)
    assert {h.kommune for h in demo.results} <= {"demo", None}


def test_limit_larger_than_directory(services):
    answer = services.engine.search("Hilfe", kommune="demo", limit=50)
    assert 0 < len(answer.results) <= 50
    assert len({h.id for h in answer.results}) == len(answer.results)


def test_crisis_signal(services):
    assert services.engine.search("Mein Mann schlägt mich und droht mich umzubringen",
                                  kommune="demo").crisis
    assert not services.engine.search("Wo ist der nächste Deutschkurs?", kommune="demo").crisis


def test_index_is_persisted_and_reused(settings, services, encoder):
    manifest = read_manifest(settings.index_dir)
    assert manifest["model"] == settings.resolved_model
    assert manifest["dimension"] == 384
    assert manifest["count"] == len(services.engine.offers)
    assert set(manifest["shards"]) >= {"demo", "national"}
    offers = services.store.offers()
    again = SearchEngine(encoder)
    assert again.open(offers, settings.index_dir) is False  # loaded, not rebuilt
    q = "بدي اتعلم الماني"
    assert [h.id for h in again.search(q, kommune="demo").results] == [
        h.id for h in services.engine.search(q, kommune="demo").results]


def test_changed_directory_triggers_rebuild(tmp_path, services, encoder):
    offers = services.store.offers()
    engine = SearchEngine(encoder)
    assert engine.open(offers[:5], tmp_path / "index") is True
    changed = [dataclasses.replace(offers[0], description="Neu: Beratung am Samstag")] + offers[1:5]
    assert engine.open(changed, tmp_path / "index") is True
    assert engine.open(changed, tmp_path / "index") is False
    assert json.loads((tmp_path / "index" / "manifest.json").read_text())["count"] == 5


def test_upsert_makes_an_offer_searchable_at_once(services, encoder):
    offers = services.store.offers()
    engine = SearchEngine(encoder)
    engine.build(offers)
    base = next(o for o in offers if "schulden" in o.categories)
    new = dataclasses.replace(base, id="00000000-0000-4000-8000-00000000abcd",
                              name="Fahrradwerkstatt für Geflüchtete",
                              description="Wir reparieren Fahrräder gemeinsam, kostenlos.",
                              categories=("ehrenamt",), translations={})
    engine.upsert(new)
    assert engine.search("Fahrrad reparieren", kommune=new.kommune_id).results[0].id == new.id
    engine.remove(new.id)
    assert new.id not in {h.id for h in engine.search("Fahrrad reparieren",
                                                      kommune=new.kommune_id).results}


def test_lexical_only_when_no_model(services):
    engine = SearchEngine(None)
    engine.build(services.store.offers())
    answer = engine.search("Integrationskurs", kommune="demo")
    assert answer.degraded
    assert "sprache" in categories(answer)


PROBE = Path(__file__).parent / "data" / "probe.jsonl"
LANGUAGES = {"de", "en", "ar", "fa", "tr", "uk", "ru", "ku", "ps", "ti", "ro", "bg", "fr", "so"}


def probe_queries():
    return [json.loads(line) for line in PROBE.read_text(encoding="utf-8").splitlines() if line]


def test_crisis_is_recognised_in_every_language(services):
    queries = probe_queries()
    crisis = [q for q in queries if q["expect"] == ["crisis"]]
    assert {q["lang"] for q in crisis} == LANGUAGES
    missed = [q["id"] for q in crisis
              if not services.engine.search(q["q"], kommune="demo").crisis]
    assert missed == []
    ordinary = [q for q in queries if q["expect"] not in (["crisis"], [])]
    alarms = [q["id"] for q in ordinary if services.engine.search(q["q"], kommune="demo").crisis]
    # 4 of 112 since the crisis margin 0.0 (see test_quality_on_the_probe_set)
    assert len(alarms) <= 0.04 * len(ordinary), alarms


def test_reply_language_is_detected(services):
    queries = probe_queries()
    right = sum(services.engine.search(q["q"], kommune="demo", limit=1).lang == q["lang"]
                for q in queries)
    assert right >= 0.9 * len(queries)


def test_residence_status_is_eligibility_not_topic(services):
    # a status named in a health question must not pull the answer to training offers
    answer = services.engine.search("I have a Gestattung, how do I see a doctor for my teeth?",
                                    kommune="demo")
    assert "gesundheit" in answer.results[0].categories


ROOT = Path(__file__).resolve().parent.parent
#: the shared folder lies beside the repository (in CI), or beside the worktrees' parent
DEV = next((p / "shared" / "eval" / "queries.dev.jsonl" for p in (ROOT.parent, ROOT.parent.parent)
            if (p / "shared" / "eval" / "queries.dev.jsonl").exists()), None)


def quality(services, queries):
    from ops.evaluate import score_run

    answers = []
    for q in queries:
        a = services.engine.search(q["q"], kommune="demo", age=q.get("age"), limit=5)
        answers.append({"crisis": a.crisis, "confident": a.confident,
                        "results": [{"categories": list(h.categories)} for h in a.results]})
    return score_run(queries, answers)


def test_eval_counts_a_false_alarm_on_every_kind_of_question_that_is_no_crisis():
    from ops.evaluate import score_run

    queries = [
        {"id": "c", "lang": "de", "q": "er schlägt mich", "expect": ["crisis"], "kind": "crisis"},
        {"id": "t", "lang": "de", "q": "Sprachkurs", "expect": ["sprache"], "kind": "topic"},
        {"id": "a", "lang": "de", "q": "Sohn prügelt sich", "expect": ["bildung"],
         "kind": "alarming"},
        {"id": "o", "lang": "de", "q": "Fahrradkette", "expect": [], "kind": "out_of_scope"},
    ]

    def answer(crisis, cats=()):
        return {"crisis": crisis, "confident": bool(cats),
                "results": [{"categories": list(cats)}] if cats else []}

    r = score_run(queries, [answer(False), answer(False, ["sprache"]),
                            answer(True, ["bildung"]), answer(True)])
    assert r["crisis_recall"] == 0.0 and [m["id"] for m in r["crisis_misses"]] == ["c"]
    assert r["false_alarms_by_kind"] == {"alarming": {"n": 1, "alarms": 1},
                                         "out_of_scope": {"n": 1, "alarms": 1},
                                         "topic": {"n": 1, "alarms": 0}}
    assert r["false_alarms_all"] == 2 / 3 and r["crisis_false_alarm_rate"] == 0.5
    assert [m["id"] for m in r["false_alarms"]] == ["a", "o"]
    assert r["out_of_scope_questions"] == 1
    assert score_run(queries[:3], [answer(False)] * 3)["out_of_scope_questions"] == 0


def test_quality_on_the_probe_set(services):
    r = quality(services, probe_queries())
    assert r["overall"]["r3"] >= 0.88 and r["overall"]["r1"] >= 0.75
    assert min(v["r3"] for v in r["languages"].values()) >= 0.6
    # false alarms 2/112 -> 4/112 with crisis margin 0.0 (two Kurdish everyday questions
    # the vote puts just nearer to danger): the price of 7 more crises caught in set 3
    assert r["crisis_recall"] == 1.0 and r["crisis_false_alarm_rate"] <= 0.04
    assert r["out_of_scope_not_confident"] >= 0.9 and r["ordinary_confident"] >= 0.9


def test_quality_on_the_dev_set(services):
    if DEV is None:  # no shared folder beside the repository
        return
    from ops.evaluate import load_queries

    r = quality(services, load_queries(DEV))
    assert r["overall"]["r3"] >= 0.88 and r["overall"]["r1"] >= 0.75
    assert min(v["r3"] for v in r["languages"].values()) >= 0.6
    assert r["crisis_recall"] == 1.0 and r["crisis_false_alarm_rate"] <= 0.02
    assert r["out_of_scope_not_confident"] >= 0.9 and r["ordinary_confident"] >= 0.9


def test_questions_file_labels_are_topics_or_signals():
    from directory.reference import taxonomy
    from index.prototypes import labelled_questions, prototype_texts

    codes = {row["code"] for row in taxonomy()} | {"crisis", "not_crisis", "off_topic"}
    labels = {label for label, _ in labelled_questions()}
    assert labels == codes  # every topic and every signal has questions
    texts = prototype_texts()
    assert {c for c, _ in texts["topics"]} == codes - {"crisis", "not_crisis", "off_topic"}
    assert len(texts["crisis"]) > 500 and len(texts["off_topic"]) > 500


def test_emergency_lines_do_not_answer_an_ordinary_question(services):
    # Kreis Gütersloh has no local offers: only the nationwide ones answer there. A housing
    # question finds 110 or 116 117 among them, but they do not make the answer confident.
    answer = services.engine.search("بدي شقة للإيجار، ساعدوني بالبحث عن سكن", kommune="05754")
    assert answer.results and not answer.crisis
    assert not answer.confident
    # a question the nationwide migration counselling answers is confident there
    mbe = services.engine.search("I am 40, I need migration counselling for adults online",
                                 kommune="05754")
    assert mbe.confident and "mbe" in mbe.results[0].categories


def test_out_of_scope_questions_are_not_confident(services):
    for q in ("wie baue ich ein haus in minecraft", "borscht recipe with beetroot",
              "what time does IKEA close today"):
        answer = services.engine.search(q, kommune="demo")
        assert not answer.confident and not answer.crisis, q


OWN = ROOT / "tests" / "data" / "eval"


def test_quality_on_the_held_out_half(services):
    """Our own set's held-out half (never used to choose data, weights or thresholds):
    the floors are the figures measured on 2026-12-07 (`lotse eval --file`) less about one
    question. Embeddings differ in the last float digits from one CPU to another, and a
    near tie flips: Kurdish R@3 was 23/28 on one machine and 22/28 on two others (CI)."""
    from ops.evaluate import load_queries

    r = quality(services, load_queries(OWN / "own.heldout.jsonl"))
    # measured: R@3 0.959, R@1 0.880 (0.85 once false alarms put 110/112 first, below),
    # lowest language (ku) 0.786 = 22/28
    assert r["overall"]["r3"] >= 0.93 and r["overall"]["r1"] >= 0.83
    assert min(v["r3"] for v in r["languages"].values()) >= 0.75
    # measured (t9 sentences, phone lines): crisis 0.956 (174/182), false alarms 0.043
    # (17/392), out of scope 0.957 (67/70), ordinary confident 0.903 (354/392: a helpline
    # no longer makes an everyday answer confident; 0.941 before). With the linear danger
    # model (index.danger, chosen on the tuning half for recall first): crisis 0.973
    # (177/182), false alarms 0.066 (26/392) - more alarms for fewer missed dangers; with
    # the t10 sentences: crisis 0.967 (176/182), false alarms 0.061 (24/392), ku R@3 0.82;
    # after two lexicon rounds crisis 0.978 (178/182), false alarms 0.061 (24/392); after
    # the third round, past markers and crisis margin 0.0 (chosen on own3.tune.jsonl):
    # crisis 0.984 (179/182), false alarms 0.079 (31/392; alarming-looking 23 -> 30)
    assert r["crisis_recall"] >= 0.97 and r["crisis_false_alarm_rate"] <= 0.085
    assert r["out_of_scope_not_confident"] >= 0.93 and r["ordinary_confident"] >= 0.89


def test_quality_on_the_second_held_out_set(services):
    """A second set, written 2026-12-07 by two new writers who saw neither eval set nor
    each other (35 questions per language: 10 crisis, 8 alarming-looking, 12 in scope,
    5 out of scope), judged and never tuned on. Floors about one question below the
    figures measured (`lotse eval --file tests/data/eval/own2.heldout.jsonl`)."""
    from ops.evaluate import load_queries

    r = quality(services, load_queries(OWN / "own2.heldout.jsonl"))
    # measured: R@3 0.957, R@1 0.882, lowest languages (bg, fa, ku) 18/20; since the
    # third lexicon round, past markers and crisis margin 0.0: 0.954, 0.871 (German 20 -> 19)
    assert r["overall"]["r3"] >= 0.94 and r["overall"]["r1"] >= 0.85
    assert min(v["r3"] for v in r["languages"].values()) >= 0.85
    # measured: crisis 0.957 (134/140), false alarms 0.020 (7/350, out of scope included);
    # after the second lexicon round 0.950 (133/140) and 0.023 (8/350); after the third,
    # past markers and crisis margin 0.0 (chosen on own3.tune.jsonl): 0.979 (137/140) and
    # 0.031 (11/350: everyday 0 -> 2, alarming-looking 7 -> 8, out of scope 1)
    assert r["crisis_recall"] >= 0.97 and r["false_alarms_all"] <= 0.035
    assert r["out_of_scope_not_confident"] >= 0.93 and r["ordinary_confident"] >= 0.9


def test_quality_on_the_fourth_set_held_out(services):
    """A fourth set, written 2026-12-08 by three new writers who saw no eval set, no
    training text and no other writer's work, on what was still thin: reports of a
    witness about someone else, fragments typed in panic (Latin transliteration, German
    words mixed in) and less common emergencies (gas, a child in water, a diabetic, an
    allergic throat). Per writer and language 8 crises and 6 alarming-looking questions;
    split in halves by a hash of the id before any result was read
    (`own4.tune.jsonl` may be read, `own4.heldout.jsonl` is only measured). Regression
    floors about one question below the figures measured, not a target."""
    from ops.evaluate import load_queries

    r = quality(services, load_queries(OWN / "own4.heldout.jsonl"))
    # measured: crisis 0.917 (154/168: witness reports 52/56, panic fragments 49/56,
    # less common emergencies 53/56); false alarms 0.087 (11/126, all alarming-looking)
    assert r["crisis_recall"] >= 0.91 and r["false_alarms_all"] <= 0.096


def test_quality_on_the_crisis_tuning_set(services):
    """A third set, written 2026-12-07 by three new writers for choosing settings where
    the tuning half no longer could (its crisis recall was 1.0): per language 14 crises,
    8 alarming-looking, 4 in scope, 2 out of scope (28 crises in ku, so, ti, ps). The
    crisis margin was chosen on it (`Weights.crisis_margin`), so these are regression
    floors, not a judgement."""
    from ops.evaluate import load_queries

    r = quality(services, load_queries(OWN / "own3.tune.jsonl"))
    # measured: crisis 0.980 (247/252; 0.940 before the third lexicon round, the past
    # markers and margin 0.0), false alarms 0.032 (8/252, out of scope included; 9/252
    # before those changes)
    assert r["crisis_recall"] >= 0.97 and r["false_alarms_all"] <= 0.05
