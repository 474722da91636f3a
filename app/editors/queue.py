"""What the editors' corrections pages need (their routes are in `app.editors.routes`):
the suggestions queue, asking a provider, and "still valid" for many stale offers at once.

- `/staff/suggestions`: the open suggestions of the editor's Kommune (from the
  public and from providers), oldest first; "accept" marks it and opens the
  offer's edit form, "dismiss" closes it. Another Kommune's suggestion is 404.
- `POST /staff/offers/{id}/ask-provider`: a personal link for the offer's
  provider, mailed through the outbox (`app.corrections.service.ask_provider`);
  the stale list shows who was asked, when, and the answer.
- `POST /staff/offers/stale/confirm-selected`: the ticked offers of the stale
  list confirmed in one go (one history entry each, as one click each would).
"""

from __future__ import annotations

from fastapi import HTTPException

from app.corrections import service
from app.editors import actions, freshness
from app.i18n import staff_gettext as _s
from app.staff import audit
from app.staff.scope import get_scoped
from directory import editing
from directory.models import Service

MAX_SELECTED = 200


def asked(s, offer_ids: list[str]) -> dict[str, dict]:
    """For the stale list: when the provider of each offer was last asked, and the answer."""
    return {oid: {"at": link.created_at, "answer": link.answer, "answered": link.used_at,
                  "expired": link.used_at is None and service.expired(link)}
            for oid, link in service.asked(s, offer_ids).items()}


def not_found() -> HTTPException:
    return HTTPException(404, _s("Not found."))




def confirm_many(services, staff, ids: list[str]) -> int:
    """"Still valid" for the ticked offers, all or nothing: a foreign id is 404."""
    ids = list(dict.fromkeys(ids))[:MAX_SELECTED]
    actor, day = actions.actor_of(staff), freshness.today()
    with services.store.session.begin() as s:
        for offer_id in ids:
            if get_scoped(s, Service, offer_id, staff) is None:
                raise not_found()
            saved = editing.confirm(s, offer_id, actor, day)
            if saved.change_id is not None:
                audit.record(s, staff, "offer.verify", "offer", offer_id,
                             kommune_id=saved.kommune_id)
    return len(ids)  # "last verified" is not in the search index: nothing to re-index


def decide(services, staff, suggestion_id: int, decision: str) -> tuple[str, str]:
    """Accept or dismiss a suggestion of the own Kommune; (status, offer id)."""
    status = {"accept": "accepted", "dismiss": "dismissed"}.get(decision)
    if status is None:
        raise not_found()
    try:
        with services.store.session.begin() as s:
            row = service.decide(s, staff, suggestion_id, status)
            audit.record(s, staff, f"suggestion.{decision}", "offer", row.service_id,
                         kommune_id=row.kommune_id)
            return status, row.service_id
    except service.NotFound:
        raise not_found() from None


def ask_provider(services, staff, offer_id: str) -> bool:
    """Mail the offer's provider a personal link; False when the offer has no address."""
    with services.store.session.begin() as s:
        svc = get_scoped(s, Service, offer_id, staff)
        if svc is None or svc.status != "active":
            raise not_found()
        link = service.ask_provider(s, services.settings, staff, svc)
        if link is not None:
            audit.record(s, staff, "offer.ask_provider", "offer", offer_id,
                         kommune_id=svc.kommune_id)
    return link is not None


def open_queue(services, staff):
    with services.store.session() as s:
        return service.queue(s, staff)
