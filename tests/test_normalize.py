"""Query normalisation: German office words transliterated into Arabic script or Cyrillic."""

from index.normalize import german_words, normalise
from index.signals import residence_statuses, without_statuses


def test_transliterated_office_words_are_recognised():
    assert "Kindergeld" in german_words("سؤال عن كيندرغيلد")
    assert "Jobcenter" in german_words("موعد في الجوب سنتر")  # two words, with the article
    assert "Ausbildung" in german_words("хочу почати аусбільдунг")
    assert "Ausländerbehörde" in german_words("رفتم اوسلندربهورده")


def test_other_text_is_left_alone():
    assert normalise("Wo ist das Jobcenter?") == "Wo ist das Jobcenter?"  # Latin: already German
    assert german_words("أريد أن أتعلم اللغة") == []
    assert normalise("хочу вчитися") == "хочу вчитися"


def test_statuses_are_found_and_can_be_left_out():
    assert residence_statuses("ich habe eine Duldung") == {"duldung"}
    assert residence_statuses("دولدونگ دارم") == {"duldung"}
    assert residence_statuses("Wo lerne ich Deutsch?") == frozenset()
    assert "Duldung" not in without_statuses("Ich habe eine Duldung und suche Arbeit")
    assert without_statuses("Duldung") == "Duldung"  # nothing else left: keep the question
