"""Imports in the offers' change history: one `offer_change` per new or changed offer.

The editors' history (`directory.editing`, `offer_change`) shows who changed
an offer, when and what (field-level diff in the flat fields of
`directory.drafts`), and can undo it. An import writes the same entries with
the action `import`: the offer's draft (`directory.draft_record`) before the write and after
it, compared field by field. Above `limit` touched offers the entries are
left out (the audit log still has the import), so a 50,000-offer import does
not take twice as long.
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy.orm import Session

from directory import editing
from directory.draft_record import from_record
from directory.models import OfferChange
from directory.records import read_records


class ImportHistory:
    """Hooks for `importer.run`: `before` snapshots the stored offers, `after` records."""

    def __init__(self, actor: editing.Actor, limit: int = 2000):
        self.actor, self.limit = actor, limit
        self.before_snapshots: dict[str, dict] = {}
        self.taken = False
        self.recorded = 0

    def before(self, s: Session, ids: list[str]) -> None:
        if len(ids) <= self.limit:
            self.before_snapshots = {r.id: from_record(r)
                                     for r in read_records(s, ids, stored_order=True)}
            self.taken = True

    def after(self, s: Session, touched: list[str]) -> None:
        if not self.taken or len(touched) > self.limit:
            return
        now = dt.datetime.now(dt.UTC)
        for r in read_records(s, touched, stored_order=True):
            changes = editing.diff(self.before_snapshots.get(r.id, {}), from_record(r))
            if not changes:
                continue
            s.add(OfferChange(service_id=r.id, kommune_id=r.kommune_id, at=now,
                              actor_id=self.actor.id, actor_name=self.actor.name[:200],
                              action="import" if r.id in self.before_snapshots
                              else "create",
                              changes=json.loads(json.dumps(changes, default=str))))
            self.recorded += 1
        s.flush()
