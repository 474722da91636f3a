"""index.age: the age a question states, in many languages, and what the search does with it."""

import pytest

from index.age import stated_age


@pytest.mark.parametrize(("text", "age"), [
    ("Ich bin 34 und suche Arbeit", 34),
    ("Klient, 26 J., sucht eine Wohnung", 26),
    ("mein 16-jähriger Sohn braucht eine Schule", 16),
    ("I'm 19 and need help with my papers", 19),
    ("my father is 71 years old", 71),
    ("عمري ٢٢ وأبحث عن عمل", 22),  # Arabic-Indic digits
    ("3omri 30 w bdi shughl", 30),  # Arabizi
    ("۲۵ سالمه و دنبال کار هستم", 25),  # Persian digits
    ("23 yaşındayım, iş arıyorum", 23),
    ("Мне 45 лет, нужна консультация", 45),
    ("Мені 18, шукаю навчання", 18),
    ("Ez 29 salî me", 29),
    ("زه 20 کلن یم", 20),
    ("ዕድመይ 24 እዩ", 24),
    ("Am 38 de ani și caut de lucru", 38),
    ("На 50 години съм", 50),
    ("J'ai 27 ans", 27),
    ("Waxaan ahay 21 jir", 21),
])
def test_ages_people_write(text, age):
    assert stated_age(text) == age


@pytest.mark.parametrize("text", [
    "Ich bin 2 Jahre in Deutschland",  # a span of time
    "I am 5 months pregnant",
    "Мне 3 месяца не платят",
    "depuis 4 ans en France",
    "Wir sind 6 Personen in 2 Zimmern",  # counts, not ages
    "Termin um 10 Uhr",
    "ich bin 300 Jahre alt",  # no such age
    "Wo kann ich Deutsch lernen?",
])
def test_numbers_that_are_no_age(text):
    assert stated_age(text) is None


def test_a_stated_age_ranks_like_a_given_one(services):
    q = "I need counselling as a migrant, who helps me with letters and my integration plan?"
    engine = services.engine
    for said, given in (("I am 19 years old. ", 19), ("I am 45 years old. ", 45)):
        stated = engine.search(said + q, kommune="demo")
        explicit = engine.search(said + q, kommune="demo", age=given)
        assert [h.id for h in stated.results] == [h.id for h in explicit.results]
    young = engine.search("I am 19 years old. " + q, kommune="demo")
    assert any("jmd" in h.categories for h in young.results[:2])
    older = engine.search("I am 19 years old. " + q, kommune="demo", age=45)  # given wins
    assert not any("jmd" in h.categories for h in older.results[:2])
