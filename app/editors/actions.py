"""One write of the editors' area: the change, its audit entry, then the search index.

    saved = actions.run(services, staff, "update",
                        lambda s: editing.update(s, offer_id, draft, actor_of(staff), ...))

`run` commits the change (with its history entry, written by
`directory.editing`) and an audit entry (no content: action, offer id,
Kommune) in one transaction, then updates the search index incrementally
(`engine.upsert` for an active offer, `engine.remove` for an archived one),
so the change is searchable at once.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from app.responsibility.vocab import LEGAL_DOMAINS
from app.services import Services
from app.staff import audit
from directory import drafts
from directory.editing import Actor, Saved


def actor_of(staff) -> Actor:
    return Actor(staff.id, staff.display_name)


def choices(session: Session) -> drafts.Choices:
    return drafts.choices(session, LEGAL_DOMAINS)


def reindex(services: Services, offer_id: str) -> None:
    """Make the offer's current state searchable (or take it out of the index)."""
    found = services.store.offers(ids=[offer_id])
    if found:
        services.engine.upsert(found[0])
    else:
        services.engine.remove(offer_id)


def run(services: Services, staff, action: str, change: Callable[[Session], Saved]) -> Saved:
    with services.store.session.begin() as s:
        saved = change(s)
        if saved.change_id is not None:
            audit.record(s, staff, f"offer.{action}", "offer", saved.offer_id,
                         kommune_id=saved.kommune_id)
    if saved.change_id is not None:
        reindex(services, saved.offer_id)
    return saved
