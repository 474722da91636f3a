"""The demo directory: every topic covered, nationwide services real, loading idempotent."""

from collections import Counter

from sqlalchemy import func, select

from directory.demo import demo_data, load_demo
from directory.models import Service
from directory.reference import topic_codes


def test_at_least_three_demo_offers_per_topic():
    per = Counter(c for o in demo_data()["offers"] if o["scope"] == "kommune"
                  for c in o["categories"])
    assert {c: per[c] for c in topic_codes() if per[c] < 3} == {}


def test_demo_offers_are_visibly_fictional():
    data = demo_data()
    assert "Beispiel" in data["kommune"]["name"]
    for o in data["offers"]:
        if o["scope"] != "kommune":
            continue
        assert not o.get("phone") or o["phone"].startswith("0000"), o["key"]
        assert not o.get("email") or o["email"].endswith("example.org"), o["key"]
        if o.get("location"):
            assert o["location"]["postal_code"].startswith("9999"), o["key"]
        assert {"en", "ar"} <= set(o["translations"]), o["key"]


def test_real_nationwide_services():
    phones = " ".join(o.get("phone") or "" for o in demo_data()["offers"]
                      if o["scope"] == "national")
    for number in ("110", "112", "116 117", "116 016", "0800 111 0 111"):
        assert number in phones, number
    names = " ".join(o["name"].lower() for o in demo_data()["offers"])
    assert "mbeon" in names and "jmd4you" in names


def test_loading_twice_changes_nothing(services):
    before = {o.id: o for o in services.store.offers()}
    with services.store.session.begin() as s:
        load_demo(s)
    after = {o.id: o for o in services.store.offers()}
    assert before == after
    with services.store.session() as s:
        assert s.scalar(select(func.count(Service.id))) == len(after)


def test_demo_kommune_is_marked_as_sample(services):
    assert services.store.kommune("demo").sample is True
