"""NRW reference data: 54 KIM-Kommunen, 22 kreisfreie Städte, 396 Gemeinden."""

from collections import Counter

from sqlalchemy import func, select

from directory.models import Gemeinde, Kommune
from directory.reference import gemeinden, kommunen, slugify, taxonomy, topic_label


def test_counts_match_the_official_numbers():
    ks = kommunen()
    kinds = Counter(k.kind for k in ks)
    assert len(ks) == 54
    assert kinds["kreisfreie_stadt"] == 22
    assert kinds["kreis"] == 30
    assert kinds["staedteregion"] == 1
    assert len({k.id for k in ks}) == 54
    assert len(gemeinden()) == 396
    assert len({g.id for g in gemeinden()}) == 396


def test_every_gemeinde_belongs_to_a_kommune():
    ids = {k.id for k in kommunen()}
    per = Counter(g.kommune_id for g in gemeinden())
    assert set(per) == ids  # every Kommune has at least one Gemeinde
    assert per["kreis-steinfurt"] == 24
    assert per["koeln"] == 1
    aachen = next(g for g in gemeinden() if g.name == "Aachen")
    assert aachen.kommune_id == "stadt-aachen"
    assert per["staedteregion-aachen"] == 9


def test_slugs_are_readable():
    assert slugify("Städteregion Aachen") == "staedteregion-aachen"
    assert slugify("Mülheim an der Ruhr") == "muelheim-an-der-ruhr"


def test_taxonomy_has_labels():
    codes = [t["code"] for t in taxonomy()]
    assert len(codes) == 22 and "sprache" in codes
    assert topic_label("sprache", "de") == "Deutsch lernen"
    assert topic_label("sprache", "en")
    assert topic_label("sprache", "ar") != topic_label("sprache", "de")


def test_loaded_into_the_store(services):
    with services.store.session() as s:
        assert s.scalar(select(func.count(Kommune.id)).where(Kommune.sample.is_(False))) == 54
        assert s.scalar(select(func.count(Gemeinde.id))) >= 396
