"""Imports in the offers' change history: one `offer_change` per new or changed offer.

The editors' history (`directory.editing`, `offer_change`) shows who changed
an offer, when and what (field-level diff in the flat fields of
`directory.drafts`), and can undo it. An import writes the same entries with
the action `import`: the offer's draft snapshot before the write and after
it, compared field by field. Above `limit` touched offers the entries are
left out (the audit log still has the import), so a 50,000-offer import does
not take twice as long.
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory import drafts, editing
from directory.hsds.records import chunks
from directory.models import OfferChange, Service


class ImportHistory:
    """Hooks for `importer.run`: `before` snapshots the stored offers, `after` records."""

    def __init__(self, actor: editing.Actor, limit: int = 2000):
        self.actor, self.limit = actor, limit
        self.before_snapshots: dict[str, dict] = {}
        self.taken = False
        self.recorded = 0

    def _services(self, s: Session, ids: list[str]) -> list[Service]:
        out: list[Service] = []
        for part in chunks(ids):
            out += s.scalars(select(Service).where(Service.id.in_(part)))
        return out

    def before(self, s: Session, ids: list[str]) -> None:
        if len(ids) <= self.limit:
            self.before_snapshots = {svc.id: drafts.snapshot(s, svc)
                                     for svc in self._services(s, ids)}
            self.taken = True

    def after(self, s: Session, touched: list[str]) -> None:
        if not self.taken or len(touched) > self.limit:
            return
        now = dt.datetime.now(dt.UTC)
        for svc in self._services(s, touched):
            changes = editing.diff(self.before_snapshots.get(svc.id, {}),
                                   drafts.snapshot(s, svc))
            if not changes:
                continue
            s.add(OfferChange(service_id=svc.id, kommune_id=svc.kommune_id, at=now,
                              actor_id=self.actor.id, actor_name=self.actor.name[:200],
                              action="import" if svc.id in self.before_snapshots
                              else "create",
                              changes=json.loads(json.dumps(changes, default=str))))
            self.recorded += 1
        s.flush()
