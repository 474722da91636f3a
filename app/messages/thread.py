"""The thread in the query layer: send, answer, read (audited), erase.

Staff functions take the `Staff` and see a referral only through
`referral_filter` (case managers of its Kommune; anybody else: None -> 404),
and only the messages of their own Kommune's team. A withdrawn referral takes
no new message (`Closed` -> 409 with a clear message). Every staff read of
message bodies is audited (`message.view`), every send and every answer too
(ids only, never content). The person's side is reached only through
`app.referrals.service.find` (reference + secret).
"""

from __future__ import annotations

import json

from sqlalchemy import delete, select

from app.keyring import keyring_of
from app.messages import kinds
from app.messages.models import CaseMessage, utcnow
from app.referrals.models import Referral
from app.staff import audit
from app.staff.models import StaffUser
from app.staff.scope import referral_filter
from index.language import detect_language

NOT_GERMAN = frozenset({"de", "de-x-simple"})


class Closed(ValueError):
    """The referral was withdrawn (or erased): no new messages."""


def scoped_referral(s, staff, referral_id: str) -> Referral | None:
    return s.scalar(select(Referral).where(referral_filter(staff, Referral.kommune_id),
                                           Referral.id == referral_id))


def _open(ref: Referral) -> None:
    if ref.status == "zurueckgezogen" or ref.erased_at is not None:
        raise Closed(ref.id)


def _store(s, ref: Referral, *, direction: str, kind: str, fields: dict, kommune_id: str,
           author_id: str | None = None, in_reply_to: str | None = None,
           language: str | None = None) -> CaseMessage:
    msg = CaseMessage(referral_id=ref.id, kommune_id=kommune_id, direction=direction,
                      kind=kind, in_reply_to=in_reply_to, language=language,
                      author_id=author_id, created_at=utcnow())
    s.add(msg)
    s.flush()
    msg.body = keyring_of(s).encrypt("case_message", msg.id, "body",
                                     json.dumps(fields, ensure_ascii=False))
    return msg


def send(s, staff, ref: Referral, kind: str, fields: dict) -> CaseMessage:
    """A structured message from the case manager to the person (fields already checked)."""
    _open(ref)
    msg = _store(s, ref, direction="out", kind=kind, fields=fields,
                 kommune_id=ref.kommune_id, author_id=staff.id)
    audit.record(s, staff, "message.send", "referral", ref.id)
    return msg


def answer(s, ref: Referral, *, reply_to: str | None, code: str | None, text: str | None,
           lang: str) -> CaseMessage:
    """The person's answer: a button (`code`) or free text in any language."""
    _open(ref)
    target = None
    if reply_to:
        target = s.scalar(select(CaseMessage).where(CaseMessage.id == reply_to,
                                                    CaseMessage.referral_id == ref.id,
                                                    CaseMessage.direction == "out"))
    if code is not None:
        if code not in kinds.ANSWERS:
            raise kinds.Invalid(code)
        kind, fields, language = "answer", {"answer": code}, lang
    else:
        body = (text or "").strip()[:kinds.MAX_TEXT]
        if not body:
            raise kinds.Invalid("empty")
        kind, fields, language = "text", {"text": body}, detect_language(body, fallback=lang)
    # to the team that has the case now (after a hand-over: the new Kommune's team)
    msg = _store(s, ref, direction="in", kind=kind, fields=fields, kommune_id=ref.kommune_id,
                 in_reply_to=target.id if target is not None else None, language=language)
    audit.record(s, "public", "message.answer", "referral", ref.id, kommune_id=ref.kommune_id)
    return msg


def _decode(s, msg: CaseMessage) -> dict:
    raw = keyring_of(s).decrypt("case_message", msg.id, "body", msg.body)
    return json.loads(raw) if raw else {}


def for_staff(s, staff, ref: Referral) -> list[dict]:
    """The team's thread with this person, oldest first; marks answers seen; audited."""
    rows = s.execute(select(CaseMessage, StaffUser.display_name, StaffUser.username)
                     .outerjoin(StaffUser, StaffUser.id == CaseMessage.author_id)
                     .where(CaseMessage.referral_id == ref.id,
                            CaseMessage.kommune_id == ref.kommune_id)
                     .order_by(CaseMessage.created_at, CaseMessage.id)).all()
    now = utcnow()
    out = []
    for msg, name, user in rows:
        if msg.direction == "in" and msg.seen_at is None:
            msg.seen_at = now
        out.append({"id": msg.id, "direction": msg.direction, "kind": msg.kind,
                    "fields": _decode(s, msg), "at": msg.created_at, "seen_at": msg.seen_at,
                    "author": name or user, "language": msg.language,
                    "in_reply_to": msg.in_reply_to,
                    "interpreter": msg.direction == "in" and msg.kind == "text"
                    and (msg.language or "de") not in NOT_GERMAN})
    audit.record(s, staff, "message.view", "referral", ref.id)
    return out


def for_person(s, ref: Referral) -> list[dict]:
    """The whole thread as the person sees it (every team); marks messages to them seen."""
    rows = list(s.scalars(select(CaseMessage).where(CaseMessage.referral_id == ref.id)
                          .order_by(CaseMessage.created_at, CaseMessage.id)))
    now = utcnow()
    answered = {m.in_reply_to for m in rows if m.direction == "in" and m.kind == "answer"}
    out = []
    for msg in rows:
        if msg.direction == "out" and msg.seen_at is None:
            msg.seen_at = now
        out.append({"id": msg.id, "direction": msg.direction, "kind": msg.kind,
                    "fields": _decode(s, msg), "at": msg.created_at,
                    "answered": msg.id in answered, "kommune": msg.kommune_id})
    return out


def erase(s, referral_id: str) -> None:
    """Delete the thread (withdrawal, retention, erasure): registered in app.referrals.erasure."""
    s.execute(delete(CaseMessage).where(CaseMessage.referral_id == referral_id))
