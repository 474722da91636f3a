"""An offer's two shapes on a real store: the record (import, export, demo, editing) and the
read model of pages and search, with the editor's draft as a view of the record."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select, update

from app.responsibility.vocab import LEGAL_DOMAINS
from directory import drafts, editing
from directory.demo import backfill_office_kinds, demo_data
from directory.draft_record import from_record, to_record
from directory.models import Service, stable_id
from directory.records import read_records
from directory.store import Offer, Store, offer_of

ED = editing.Actor("u-1", "Erika Editor")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = Store(f"sqlite:///{tmp_path_factory.mktemp('shapes') / 'dir.db'}")
    s.init()
    s.load_demo_if_empty()
    return s


def test_a_draft_put_back_into_its_record_changes_nothing(store):
    with store.session() as s:
        records = read_records(s, stored_order=True)
        assert len(records) == len(demo_data()["offers"])
        for r in records:
            assert to_record(s, r, from_record(r)) == r, r.id


def test_the_read_model_is_made_from_the_record_only(store):
    with store.session() as s:
        records = {r.id: r for r in read_records(s, stored_order=True)}
    offers = store.offers()
    assert offers and all(isinstance(o, Offer) for o in offers)
    for o in offers:
        assert o == offer_of(records[o.id])
    with_hours = next(o for o in offers if o.schedule)
    slot = with_hours.schedule[0]
    assert slot.days == tuple(slot.byday.split(",")) and slot.opens_at < slot.closes_at


def test_an_edit_keeps_the_typed_order_and_the_ids_of_rows_it_left_alone(store):
    offer = next(o for o in store.offers("demo") if o.phones and o.kommune_id == "demo")
    with store.session.begin() as s:
        before, draft = editing.load(s, offer.id)
        editing.update(s, offer.id, {"languages": ["ti", "de", "ar"],
                                     "phones": [*draft["phones"],
                                                {"number": "0211 000000-9",
                                                 "description": ""}]},
                       ED, _choices(s), editing.version(draft))
    assert store.offers(ids=[offer.id])[0].languages == ("ti", "de", "ar")
    with store.session() as s:
        after = read_records(s, [offer.id], stored_order=True)[0]
    assert after.phones[0] == before.phones[0]  # the unchanged phone kept its id
    assert after.phones[1].number == "0211 000000-9"
    assert after.categories == before.categories and after.locations == before.locations


def test_the_office_kind_backfill_goes_through_the_writer(store):
    o = next(x for x in demo_data()["offers"] if x.get("office_kind"))
    sid = stable_id(f"service:{o['key']}")
    with store.session.begin() as s:
        s.execute(update(Service).where(Service.id == sid).values(office_kind=None))
    with store.session.begin() as s:
        before = read_records(s, [sid], stored_order=True)[0]
        assert backfill_office_kinds(s) == 1
        assert backfill_office_kinds(s) == 0
    with store.session() as s:
        assert s.scalar(select(Service.office_kind).where(Service.id == sid)) == o["office_kind"]
        after = read_records(s, [sid], stored_order=True)[0]
    assert after == dataclasses.replace(before, office_kind=o["office_kind"])


def _choices(s):
    return drafts.choices(s, LEGAL_DOMAINS)
