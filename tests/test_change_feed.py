"""The change feed: every write path of an offer records its change in the write's
transaction, and another process's follower brings its index and offers up to date.

"Process 2" here is a second `Store` on the same store (SQLite file, or database in the
PostgreSQL lane) with its own engine and `Follower` (own connections, own index), as a
second `lotse serve` has; the two-process
test with real `lotse serve` processes is tests/test_two_processes.py. Write paths:
the editors' form (update, phone change), archive and restore, a new offer, undo,
the import from the upload page, `lotse import`, `lotse restore`, and the demo load.
"""

from __future__ import annotations

import datetime as dt
import time

from conftest import store_copy
from sqlalchemy import select
from staffkit import csrf_of
from storekit import store_env
from test_hsds_upload import ROW, _finished, _upload, _xlsx
from test_offer_pages import demo_offer_id, editor, form_of, new_offer, post, snapshot

from app.editors.actions import choices
from app.jobs import Feed
from app.main import open_store
from app.services import Services
from directory import changes, editing
from directory.editing import Actor, version
from directory.models import OfferChange, Service
from directory.store import Store
from index.engine import SearchEngine
from index.follow import Follower
from ops import cli
from ops.backup import announce_restore, restore
from ops.backup import backup as make_backup


class Other:
    """A second process on the same store: its own Store, engine and follower."""

    def __init__(self, url: str):
        self.store = Store(url)
        self.engine = SearchEngine(None)
        self.follower = Follower(self.store, self.engine, rebuild_above=50)
        self.follower.start()
        self.engine.build(self.store.offers())

    def poll(self) -> int:
        return self.follower.poll()

    def phones(self, offer_id: str) -> tuple[str, ...]:
        return self.engine.offers[offer_id].phones

    def top(self, q: str, kommune: str = "demo") -> list[str]:
        return [h.id for h in self.engine.search(q, kommune=kommune).results]


def feed(store: Store) -> list[changes.Change]:
    with store.session() as s:
        return changes.since(s, 0)


def other_of(c) -> Other:
    return Other(c.app.state.services.store.url)


def test_editor_phone_change_reaches_the_other_process(make_light_client):
    c = editor(make_light_client)
    p2 = other_of(c)
    offer_id = demo_offer_id(c)
    snap = snapshot(c, offer_id)
    before = feed(c.app.state.services.store)
    assert p2.poll() == 0  # nothing written yet
    changed = {**snap, "phones": [{"number": "0211 999999-7", "description": ""}]}
    r = post(c, f"/staff/offers/{offer_id}", form_of(changed, csrf_of(c), version(snap)))
    assert r.status_code == 303, r.text
    rows = feed(c.app.state.services.store)[len(before):]
    assert [(x.offer_id, x.kommune_id, x.kind) for x in rows] == [(offer_id, "demo", "update")]
    assert "0211 999999-7" not in p2.phones(offer_id)
    assert p2.poll() == 1
    assert p2.phones(offer_id) == ("0211 999999-7",)
    assert p2.follower.seen == rows[-1].seq
    assert p2.poll() == 0  # applied once


def test_archive_and_restore_reach_the_other_process(make_light_client):
    c = editor(make_light_client)
    p2 = other_of(c)
    offer_id = demo_offer_id(c)
    name = snapshot(c, offer_id)["name"]
    assert offer_id in p2.top(name)
    token = csrf_of(c)
    assert post(c, f"/staff/offers/{offer_id}/archive", [("csrf_token", token)]).status_code == 303
    assert feed(c.app.state.services.store)[-1].kind == "archive"
    assert p2.poll() == 1
    assert offer_id not in p2.engine.offers and offer_id not in p2.top(name)
    post(c, f"/staff/offers/{offer_id}/restore", [("csrf_token", token)])
    assert p2.poll() == 1
    assert offer_id in p2.engine.offers and offer_id in p2.top(name)


def test_new_offer_and_undo_reach_the_other_process(make_light_client):
    c = editor(make_light_client)
    p2 = other_of(c)
    r = post(c, "/staff/offers/new", form_of(new_offer(), csrf_of(c, "/staff/offers/new")))
    offer_id = r.headers["location"].split("/")[3].split("?")[0]
    assert feed(c.app.state.services.store)[-1].kind == "create"
    p2.poll()
    assert p2.top("Fahrradwerkstatt")[0] == offer_id
    snap = snapshot(c, offer_id)
    post(c, f"/staff/offers/{offer_id}",
         form_of({**snap, "name": "Radreparatur Quelltal"}, csrf_of(c), version(snap)))
    p2.poll()
    assert p2.engine.offers[offer_id].name == "Radreparatur Quelltal"
    with c.app.state.services.store.session() as s:
        change_id = s.scalar(select(OfferChange.id).where(OfferChange.service_id == offer_id)
                             .order_by(OfferChange.id.desc()))
    post(c, f"/staff/offers/{offer_id}/undo/{change_id}", [("csrf_token", csrf_of(c))])
    assert feed(c.app.state.services.store)[-1].kind == "undo"
    assert p2.poll() == 1
    assert p2.engine.offers[offer_id].name != "Radreparatur Quelltal"


def test_import_from_the_upload_page_reaches_the_other_process(make_light_client):
    c = editor(make_light_client)
    p2 = other_of(c)
    token = csrf_of(c)
    url = _upload(c, token, _xlsx([ROW])).headers["location"]
    _finished(c, url)
    assert p2.poll() == 0  # a check writes nothing
    job_id = url.rsplit("/", 1)[1]
    post(c, f"/staff/import/jobs/{job_id}/apply", [("csrf_token", token)])
    _finished(c, url)
    rows = [x for x in feed(c.app.state.services.store) if x.kind == "import"]
    assert len(rows) == 1 and rows[0].kommune_id == "demo"
    assert p2.poll() == 1
    assert p2.engine.offers[rows[0].offer_id].name == "Nähcafé Probehausen"
    assert p2.top("Nähcafé Probehausen")[0] == rows[0].offer_id


def test_lotse_import_reaches_a_running_app(tmp_path, light_template, monkeypatch):
    settings = store_copy(light_template, tmp_path / "d")
    store = open_store(settings)
    engine = SearchEngine(None)
    services = Services(settings, store, engine, ready=True)
    running = Feed(services)  # what `lotse serve` schedules, polled here by hand
    engine.build(store.offers())
    sheet = tmp_path / "angebote.xlsx"
    sheet.write_bytes(_xlsx([{**ROW, "Name des Angebots": "Schachtreff Probehausen"}]))
    monkeypatch.delenv("LOTSE_DATABASE_URL", raising=False)
    for name, value in store_env(settings, LOTSE_MODEL="").items():  # `lotse import`'s
        if name.startswith("LOTSE_"):
            monkeypatch.setenv(name, value)
    assert cli.main(["import", str(sheet), "--kommune", "demo"]) == 0
    running.poll()
    hits = engine.search("Schachtreff", kommune="demo").results
    assert hits and engine.offers[hits[0].id].name == "Schachtreff Probehausen"
    assert running.follower.applied == 1


def test_restore_makes_every_process_compare_all_offers(tmp_path, light_template, capsys):
    settings = store_copy(light_template, tmp_path / "d")
    url = settings.resolved_database_url
    p2 = Other(url)
    backup = tmp_path / "b.db"
    make_backup(url, backup)
    # after the backup: a new offer, that the restore takes away again
    with p2.store.session.begin() as s:
        saved = editing.create(s, new_offer(), Actor("u", "U"), choices(s))
    p2.poll()
    assert saved.offer_id in p2.engine.offers
    p2.store.engine.dispose()
    restore(url, backup, force=True)
    assert announce_restore(url) is True
    p2.store = Store(url)  # a restarted pool on the restored file
    p2.follower.store = p2.store
    assert p2.poll() == 1
    assert saved.offer_id not in p2.engine.offers
    assert feed(p2.store)[-1].offer_id == changes.ALL and feed(p2.store)[-1].kind == "restore"


def test_demo_load_is_one_whole_store_change(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'x.db'}")
    store.init()
    p2 = Other(store.url)
    assert not p2.engine.offers
    assert store.load_demo_if_empty()
    assert [(x.offer_id, x.kind) for x in feed(store)] == [(changes.ALL, "demo")]
    assert p2.poll() == len(store.offers())  # above rebuild_above: one rebuild
    assert set(p2.engine.offers) == {o.id for o in store.offers()}


def test_a_replaced_feed_is_a_full_comparison(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'x.db'}")
    store.init()
    store.load_demo_if_empty()
    p2 = Other(store.url)
    # as if the store were restored from an older backup: the row it saw is not there
    p2.follower.seen = 10_000
    p2.follower.seen_row = changes.Change(10_000, "x", None, "update")
    offer = store.offers()[0]
    with store.session.begin() as s:
        s.get(Service, offer.id).name = "Umbenannt nach Wiederherstellung"
    assert p2.poll() == 1
    assert p2.engine.offers[offer.id].name == "Umbenannt nach Wiederherstellung"
    assert p2.follower.seen == 1


def test_prune_keeps_the_newest_row_and_numbers_never_restart(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'x.db'}")
    store.init()
    with store.session.begin() as s:
        changes.record_many(s, [("a", None), ("b", None), ("c", None)], "update")
    with store.session.begin() as s:
        assert changes.prune(s, dt.timedelta(seconds=-1)) == 2
    with store.session.begin() as s:
        assert changes.latest(s) == 3
        changes.record(s, "d", None, "update")
    assert [x.seq for x in feed(store)] == [3, 4]


def test_a_big_change_rebuilds_once(tmp_path):
    n = 3
    store = Store(f"sqlite:///{tmp_path / 'x.db'}")
    store.init()
    store.load_demo_if_empty()
    p2 = Other(store.url)
    p2.follower.rebuild_above = n - 1
    offers = store.offers()[:n]
    with store.session.begin() as s:
        for o in offers:
            s.get(Service, o.id).description = o.description + " Neu: samstags."
        changes.record_many(s, [(o.id, o.kommune_id) for o in offers], "import")
    built = p2.engine.build
    calls = []
    p2.engine.build = lambda offers: (calls.append(len(offers)), built(offers))  # type: ignore
    assert p2.poll() == n
    assert calls == [len(store.offers())]
    assert all(p2.engine.offers[o.id].description.endswith("samstags.") for o in offers)


def test_postgres_notify_wakes_the_follower_without_polling(tmp_path):
    """On PostgreSQL the commit's NOTIFY makes the listener poll at once (no timer here)."""
    from pgserver import postgres_url

    from index.follow import Listener

    url = postgres_url()
    store = Store(url)
    store.init()
    store.load_demo_if_empty()
    p2 = Other(url)
    woke = []
    listener = Listener(p2.store, lambda: woke.append(p2.poll()))
    listener.start()
    try:
        assert listener.listening.wait(30)
        offer = store.offers()[0]
        t0 = time.monotonic()
        with store.session.begin() as s:
            editing.set_status(s, offer.id, "inactive", Actor("u", "U"))
        while not woke and time.monotonic() - t0 < 10:  # the listener's poll has returned
            time.sleep(0.02)
        elapsed = time.monotonic() - t0
        assert woke == [1] and offer.id not in p2.engine.offers
        print(f"postgresql NOTIFY to applied: {elapsed:.3f} s")
        assert elapsed < 2  # within the 2 s, without any poll timer
    finally:
        listener.stop()
        p2.store.engine.dispose()
        store.engine.dispose()
