"""The append-only audit log with an HMAC chain (PRIV-13).

Every view, change, export, erasure and login is one row: who (actor: a
staff user id, "cli", "public" or "system"), when (UTC), the Kommune it
concerns, what (action), the object (type and id) and the result. Never
content: no names, no free text, no contact data, no query text.

Call it inside the transaction of the change it records, so both commit
together:

    with store.session.begin() as s:
        ...change...
        audit.record(s, staff, "referral.status", "referral", ref.id, "ok")

`actor` is a `Staff` (from `require_staff`) or a string. Each row's `mac` is
HMAC-SHA256 (audit key from the key file) over the previous row's mac and
this row's fields, so changing, inserting or deleting a row breaks the chain
from there on (`verify`). The database refuses UPDATE and DELETE on the
table (triggers in the migration).
"""

from __future__ import annotations

import datetime as dt
import json
import re

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.keyring import keyring_of
from app.staff.models import AuditEntry, utcnow
from directory.db import as_utc

GENESIS = "0" * 64
#: Actions and object types are identifiers, never content.
NAME = re.compile(r"^[a-z][a-z0-9_.:-]{0,59}$")
OBJECT_ID = re.compile(r"^[A-Za-z0-9_.:-]{0,80}$")


def _canonical(prev_mac: str, e: AuditEntry) -> bytes:
    return json.dumps([prev_mac, as_utc(e.at).astimezone(dt.UTC).isoformat(timespec="microseconds"),
                       e.actor, e.kommune_id, e.action, e.object_type, e.object_id, e.result],
                      separators=(",", ":")).encode()


def _actor(actor) -> tuple[str, str | None]:
    if isinstance(actor, str):
        return actor, None
    return actor.id, actor.kommune_id


def record(session: Session, actor, action: str, object_type: str, object_id: str | None,
           result: str = "ok", kommune_id: str | None = None) -> AuditEntry:
    """Append one row to the chain, in the caller's transaction."""
    for name in (action, object_type, result):
        if not NAME.match(name):
            raise ValueError(f"audit names are identifiers, not content: {name!r}")
    if object_id is not None and not OBJECT_ID.match(object_id):
        raise ValueError("audit object ids are identifiers, not content")
    keyring = keyring_of(session)
    who, actor_kommune = _actor(actor)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(4242013)"))  # one chain, one writer
    prev = session.scalar(select(AuditEntry.mac).order_by(AuditEntry.id.desc()).limit(1))
    prev = prev or GENESIS
    entry = AuditEntry(at=utcnow(), actor=who, kommune_id=kommune_id or actor_kommune,
                       action=action, object_type=object_type, object_id=object_id,
                       result=result, prev_mac=prev, mac="")
    entry.mac = keyring.mac(_canonical(prev, entry))
    session.add(entry)
    session.flush()
    return entry


def verify(session: Session) -> tuple[bool, int | None, int]:
    """(intact, id of the first broken row or None, rows checked)."""
    keyring = keyring_of(session)
    prev = GENESIS
    count = 0
    for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id)).yield_per(1000):
        count += 1
        if e.prev_mac != prev or keyring.mac(_canonical(e.prev_mac, e)) != e.mac:
            return False, e.id, count
        prev = e.mac
    return True, None, count


def entries(session: Session, kommune_id: str | None = None, limit: int = 200):
    q = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if kommune_id is not None:
        q = q.where(AuditEntry.kommune_id == kommune_id)
    return list(session.scalars(q))
