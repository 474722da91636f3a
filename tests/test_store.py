"""The store: SQLite settings for durability, migrations, offer reads."""

from sqlalchemy import inspect, text
from storekit import sqlite_only

from directory.store import Store


@sqlite_only("SQLite's PRAGMAs; PostgreSQL has no journal mode to choose")
def test_sqlite_runs_in_wal_with_foreign_keys(services):
    with services.store.engine.connect() as c:
        assert c.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert c.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert c.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert c.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL


def test_migrations_create_the_hsds_tables(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'x.db'}")
    store.init()
    tables = set(inspect(store.engine).get_table_names())
    hsds = {"organization", "service", "location", "service_at_location", "address", "phone",
            "contact", "schedule", "language", "service_area", "taxonomy", "taxonomy_term",
            "attribute"}
    assert hsds | {"kommune", "gemeinde", "service_translation", "alembic_version"} <= tables
    store.init()  # idempotent
    with store.engine.connect() as c:
        version = c.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert [version] == _heads()  # one linear chain, at its head


def _heads():
    from alembic.script import ScriptDirectory

    from directory.db import alembic_config

    return ScriptDirectory.from_config(alembic_config(None)).get_heads()


def test_offers_of_a_kommune_include_the_nationwide_ones(services):
    demo = services.store.offers("demo")
    kinds = {o.scope for o in demo}
    assert kinds == {"kommune", "national"}
    assert all(o.kommune_id in ("demo", None) for o in demo)
    assert services.store.offers("koeln") == [o for o in demo if o.scope == "national"]
    counts = services.store.offer_counts()
    assert counts["demo"] == sum(o.scope == "kommune" for o in demo)


def test_offer_record_is_complete(services):
    o = next(x for x in services.store.offers("demo") if x.street and x.schedule and x.phones)
    assert o.city and o.postal_code and o.organization and o.categories
    assert {"en", "ar"} <= set(o.translations)
    name, desc, lang = o.text_in("ar")
    assert lang == "ar" and name != o.name
    assert o.text_in("de")[2] == "de"


def test_a_kommune_found_once_is_known_and_an_unknown_id_is_not_remembered(services):
    store = services.store
    assert store.kommune_exists("demo") and "demo" in store._known_kommunen
    assert not store.kommune_exists("atlantis") and "atlantis" not in store._known_kommunen
