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


def test_a_term_of_a_plain_language_does_not_match_a_word_with_a_diacritic():
    """English "gun" folded from Turkish "gün" (day) put 110 over everyday questions."""
    from index.signals import crisis_term

    assert crisis_term("Eşimle her gün para yüzünden kavga ediyoruz") is None
    assert crisis_term("Bütün gün ağlıyorum, kimsem yok") is None
    assert crisis_term("he has a gun and says he will shoot") == "gun"
    # terms of languages with diacritics still match with or without them
    assert crisis_term("Kocam beni bıçakladı") == crisis_term("kocam beni bicakladi") is not None
    assert crisis_term("mă lovește acum") == crisis_term("ma loveste acum") is not None


def test_lexicon_terms_match_as_words_as_prefixes_and_without_spaces():
    from index.signals import crisis_term

    assert crisis_term("ich will mich umbringen") == "umbring*"  # prefix term
    assert crisis_term("hilfe mein mann schlägt mich") == "schlagt mich"  # words, folded
    assert crisis_term("ich habe ein Messerset gekauft") is None  # not inside a word
    assert crisis_term("er hat ein messer") == "hat ein messer"  # the first in sorted order
    # Persian written without the space or ZWNJ inside the phrase
    assert crisis_term("شوهرم الان منومیزنه") == "منو مي زنه"
    # violence counts only with an urgency cue
    assert crisis_term("mein Mann hat mich früher geschlagen") is None
    assert crisis_term("er hat mich geschlagen, bitte hilfe jetzt") is not None
    # ... and without a marker of a past that is over; an acute term needs none
    assert crisis_term("Vor zwei Jahren hat er mich geschlagen, jetzt bin ich sicher") is None
    assert crisis_term("vor zwei jahren ging er, jetzt hat er ein messer") is not None
    assert crisis_term("Acum câțiva ani m-a bătut. Acum sunt bine") is None
    assert crisis_term("m-a bătut, ajutor acum") is not None
    # a Pashto harm word is no Arabic "and she": "my friend is fine now"
    assert crisis_term("كانت صديقتي في خطر، وهي الآن بخير") is None
    assert crisis_term("مرسته! مېړه مې وهي") is not None


def test_the_lexicon_stays_precise_on_the_labelled_sentences():
    """Every lexicon entry was kept only if it matched no labelled training sentence that
    is no crisis (`index/data/questions.jsonl`); an entry added later without that check,
    or a loosened match, shows here. Measured 2026-12-07: 1,213 of 3,328 crisis sentences
    (1,179 before the third round of entries), 75 of 6,737 others (82 before the markers
    of a past that is over) (violence with an urgency cue, 'fire', 'knife' ... in stories)."""
    from index.prototypes import labelled_questions
    from index.signals import crisis_term

    rows = labelled_questions()
    crisis = sum(crisis_term(text) is not None for label, text in rows if label == "crisis")
    other = sum(crisis_term(text) is not None for label, text in rows if label != "crisis")
    assert crisis >= 1210 and other <= 75
