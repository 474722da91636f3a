"""The gap report: multilingual paraphrases form one theme (real encoder); small themes hide."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import time_machine

from app.analytics.lexicon import fold
from app.analytics.record import record_search
from app.analytics.themes import gap_report, shared_words_only
from app.main import open_store
from app.services import Services
from app.settings import Settings
from index.engine import Answer, SearchEngine

NOW = dt.datetime(2026, 6, 20, 12, tzinfo=dt.UTC)
THEMES = {
    "licence": [
        ("de", "Wo kann ich meinen ausländischen Führerschein umschreiben lassen?"),
        ("de", "Führerschein umschreiben, wo muss ich hin?"),
        ("de", "Mein Name ist Zyxelbert, wer tauscht meinen Führerschein um?"),
        ("de", "Ausländischen Führerschein in deutschen umtauschen"),
        ("de", "Wo tausche ich den Führerschein aus meinem Land um?"),
        ("en", "How do I convert my foreign driving licence?"),
        ("en", "where to exchange my driver's license in germany"),
        ("ar", "أين يمكنني تبديل رخصة القيادة الأجنبية؟"),
        ("ru", "Где обменять иностранные водительские права?"),
        ("uk", "Де обміняти іноземне посвідчення водія?"),
        ("tr", "Yabancı ehliyetimi nerede Alman ehliyetine çevirebilirim?"),
        ("fa", "کجا می‌توانم گواهینامه رانندگی خارجی را تبدیل کنم؟"),
        ("fr", "Où puis-je échanger mon permis de conduire étranger ?"),
    ],
    "marriage": [
        ("de", "Wo kann ich heiraten?"),
        ("de", "Standesamt Termin für die Hochzeit"),
        ("en", "Where can I register my marriage?"),
        ("en", "how do we get married in germany"),
        ("ar", "أين يمكنني تسجيل الزواج؟"),
        ("ru", "Где можно пожениться в Германии?"),
        ("tr", "Evlenmek için nereye başvurmalıyım?"),
        ("fa", "کجا می‌توانیم ازدواج کنیم؟"),
        ("fr", "Où peut-on se marier en Allemagne ?"),
    ],
    "dog": [
        ("de", "Wo melde ich meinen Hund an?"),
        ("de", "Hundesteuer anmelden"),
        ("en", "Where do I register my dog?"),
        ("ar", "أين أسجل كلبي؟"),
        ("ru", "Где зарегистрировать собаку?"),
        ("tr", "Köpeğimi nereye kaydettirmeliyim?"),
    ],
    "small": [  # four questions: never shown
        ("de", "Wo ist die nächste Moschee?"),
        ("en", "where is the nearest mosque"),
        ("ar", "أين أقرب مسجد؟"),
        ("tr", "En yakın cami nerede?"),
    ],
}


@pytest.fixture(scope="module")
def report(tmp_path_factory, encoder):
    own = Settings(data_dir=tmp_path_factory.mktemp("themes"), analytics_maintenance_minutes=0)
    svc = Services(own, open_store(own), SearchEngine(encoder), ready=True)
    for i, (label, items) in enumerate(THEMES.items()):
        for j, (lang, q) in enumerate(items):
            when = NOW - dt.timedelta(days=3 + i * 11 + j)
            with time_machine.travel(when, tick=False):
                record_search(svc, Answer(q, lang, False, False, []), kommune="demo",
                              ui_lang=lang)
    with time_machine.travel(NOW, tick=False):
        rep = gap_report(svc, "demo", NOW)
        other = gap_report(svc, "koeln", NOW)
    return rep, other


def test_paraphrases_in_many_languages_form_one_theme(report):
    rep, _ = report
    assert rep.questions.value == sum(len(v) for v in THEMES.values())
    sizes = sorted((t.size for t in rep.themes), reverse=True)
    assert len(rep.themes) >= 3
    licence = max(rep.themes, key=lambda t: t.size)
    assert licence.size >= 11  # of 13, in 8 languages
    assert any("Führerschein" in e for _, e in licence.examples)
    marriage = next(t for t in rep.themes if t is not licence and t.size >= 8)
    assert marriage.size <= 10 and sizes[1] >= 8
    for theme in rep.themes:
        assert theme.size >= 5


def test_theme_cells_are_protected(report):
    rep, _ = report
    for theme in rep.themes:
        for _lang, cell in theme.languages:
            assert cell.value >= 5
        for _month, cell in theme.months:  # hidden, or zero (identifies nobody), or >= k
            assert cell.value is None or cell.value == 0 or cell.value >= 5
        assert sum(c.value or 0 for _, c in theme.months) <= theme.size
    licence = max(rep.themes, key=lambda t: t.size)
    assert [lang for lang, _ in licence.languages] == ["de"]  # 5 German; the rest one each
    assert str(licence.other_languages) in ("<5", "6", "7", "8")


def test_examples_come_only_from_large_language_cells_and_drop_rare_words(report):
    rep, _ = report
    for theme in rep.themes:
        for lang, e in theme.examples:
            assert "Zyxelbert" not in e and lang in {x for x, _ in theme.languages}
        if not theme.languages:  # no language with 5 questions: no example at all
            assert theme.examples == []
    licence = max(rep.themes, key=lambda t: t.size)
    assert licence.examples and all(_german(e) for _, e in licence.examples)


def _german(text):
    return any(w in text for w in ("Führerschein", "Wo", "wo", "umschreiben", "tausch"))


def test_a_kommune_sees_no_other_kommunes_questions(report):
    _, other = report
    assert other.themes == [] and other.questions.value == 0 and other.clustered == 0


def test_rare_words_are_hidden_in_examples():
    counts = Counter({"wo": 9, "ist": 9, fold("Führerschein"): 7, fold("Kowalczyk"): 4})
    out = shared_words_only("Wo ist Kowalczyk mit dem Führerschein", counts, 5)
    assert "Kowalczyk" not in out and "Führerschein" in out and "…" in out
