"""What the corrections do: take a suggestion, list and decide the queue, send and use a
provider's personal link.

- `suggest`: the public reports what is wrong with an active offer (a kind from
  `KINDS`, an optional note that is scrubbed like a gap question and cut to
  `NOTE_CHARS`); nothing about the person is stored.
- `queue` / `decide`: an editor sees the open suggestions of the own Kommune
  (a state-wide admin: all) and accepts (then edits the offer) or dismisses one;
  another Kommune's suggestion is not found.
- `ask_provider`: a random token (only its SHA-256 is stored) valid for
  `provider_link_days`, for one offer and one answer, mailed through the outbox
  to the offer's (or its organisation's) address.
- `use_link`: the provider confirms (the offer's "last verified" becomes today,
  as an editor's "still valid" does) or proposes changes (they land in the queue
  as provider suggestions for an editor to approve).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.analytics.scrub import scrub
from app.corrections.models import ProviderLink, Suggestion, utcnow
from app.referrals.models import OutboxMail
from app.staff.scope import kommune_filter
from directory import editing
from directory.models import Organization, Service

KINDS = ("phone", "hours", "address", "closed", "other")
NOTE_CHARS = 500
PROVIDER = editing.Actor("provider-link", "Anbieter (persönlicher Link)")


class NotFound(Exception):
    """No such offer, suggestion or valid link (for this user)."""


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def clean_note(text: str | None) -> str | None:
    """The note without names, numbers, addresses or contacts, at most `NOTE_CHARS` long."""
    text = (text or "").strip()[: NOTE_CHARS * 2]
    if not text:
        return None
    return scrub(text, None, max_chars=NOTE_CHARS) or None


def suggest(s: Session, offer_id: str, kind: str, note: str | None) -> Suggestion:
    svc = s.get(Service, offer_id)
    if svc is None or svc.status != "active" or kind not in KINDS:
        raise NotFound(offer_id)
    row = Suggestion(service_id=svc.id, kommune_id=svc.kommune_id, source="public", kind=kind,
                     text=clean_note(note))
    s.add(row)
    return row


@dataclass
class Entry:
    id: int
    offer_id: str
    offer: str
    kommune: str | None
    source: str
    kind: str
    text: str | None
    created_at: dt.datetime


def queue(s: Session, staff, limit: int = 200) -> tuple[list[Entry], int]:
    """The open suggestions the staff member may decide, oldest first, and their number."""
    where = (Suggestion.status == "open", kommune_filter(staff, Suggestion.kommune_id))
    total = s.scalar(select(func.count(Suggestion.id)).where(*where)) or 0
    rows = s.execute(select(Suggestion, Service.name).join(Service, Service.id ==
                                                           Suggestion.service_id)
                     .where(*where).order_by(Suggestion.created_at, Suggestion.id).limit(limit))
    return [Entry(g.id, g.service_id, name, g.kommune_id, g.source, g.kind, g.text,
                  g.created_at) for g, name in rows], total


def decide(s: Session, staff, suggestion_id: int, status: str) -> Suggestion:
    row = s.scalar(select(Suggestion).where(Suggestion.id == suggestion_id,
                                            kommune_filter(staff, Suggestion.kommune_id)))
    if row is None or status not in ("accepted", "dismissed"):
        raise NotFound(str(suggestion_id))
    if row.status == "open":
        row.status, row.decided_at, row.decided_by = status, utcnow(), staff.id
    return row


def _address(s: Session, svc: Service) -> str | None:
    if svc.email:
        return svc.email
    org = s.get(Organization, svc.organization_id)
    return org.email if org is not None and org.email else None


def ask_provider(s: Session, settings, staff, svc: Service) -> ProviderLink | None:
    """A new link for the offer's provider, mailed through the outbox (None: no address)."""
    recipient = _address(s, svc)
    if not recipient:
        return None
    token = secrets.token_urlsafe(32)
    now = utcnow()
    link = ProviderLink(service_id=svc.id, kommune_id=svc.kommune_id, token_hash=digest(token),
                        created_at=now, asked_by=staff.id,
                        expires_at=now + dt.timedelta(days=settings.provider_link_days))
    s.add(link)
    url = f"{settings.public_url.rstrip('/')}/provider/{token}"
    until = link.expires_at.date().strftime("%d.%m.%Y")
    s.add(OutboxMail(
        recipient=recipient, subject="KIM-Lotse: Sind Ihre Angaben noch aktuell?",
        body=(
            f"Guten Tag,\n\nim KIM-Lotse, dem Wegweiser für Zugewanderte, steht Ihr Angebot "
            f"„{svc.name}“.\nBitte prüfen Sie kurz, ob Adresse, Telefon und Öffnungszeiten noch "
            f"stimmen: mit einem Klick bestätigen oder Änderungen vorschlagen.\n\n{url}\n\n"
            f"Der Link gilt bis {until} und nur für dieses Angebot; er kann einmal benutzt "
            f"werden.\n\nPlease check whether the details of your offer are still correct "
            f"(the link above, valid until {until}).\n"),
        attempts=0, next_attempt_at=now))
    return link


def open_link(s: Session, token: str, *, lock: bool = False) -> tuple[ProviderLink, Service]:
    """The unused, unexpired link of this token and its active offer, or NotFound."""
    if not token or len(token) > 100:
        raise NotFound("link")
    stmt = select(ProviderLink).where(ProviderLink.token_hash == digest(token))
    link = s.scalar(stmt.with_for_update() if lock else stmt)
    if link is None or link.used_at is not None or expired(link):
        raise NotFound("link")
    svc = s.get(Service, link.service_id)
    if svc is None or svc.status != "active":
        raise NotFound("link")
    return link, svc


def expired(link: ProviderLink) -> bool:
    return _aware(link.expires_at) <= utcnow()


def _aware(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)  # SQLite gives naive UTC back


def confirm_by_link(s: Session, token: str, day: dt.date) -> editing.Saved:
    link, svc = open_link(s, token, lock=True)
    link.used_at, link.answer = utcnow(), "confirmed"
    return editing.confirm(s, svc.id, PROVIDER, day)


def propose_by_link(s: Session, token: str, proposals: dict[str, str]) -> int:
    """Each non-empty proposed field becomes a provider suggestion; returns how many."""
    link, svc = open_link(s, token, lock=True)
    texts = {k: (v or "").strip()[:NOTE_CHARS] for k, v in proposals.items() if k in KINDS}
    texts = {k: v for k, v in texts.items() if v or k == "closed"}
    if not texts:
        return 0
    for kind, text in texts.items():
        s.add(Suggestion(service_id=svc.id, kommune_id=svc.kommune_id, source="provider",
                         kind=kind, text=text or None))
    link.used_at, link.answer = utcnow(), "proposed"
    return len(texts)


def asked(s: Session, offer_ids: list[str]) -> dict[str, ProviderLink]:
    """The newest provider link of each offer (for the stale list: who was asked, when)."""
    if not offer_ids:
        return {}
    out: dict[str, ProviderLink] = {}
    for link in s.scalars(select(ProviderLink).where(ProviderLink.service_id.in_(offer_ids))
                          .order_by(ProviderLink.created_at)):
        out[link.service_id] = link
    return out
