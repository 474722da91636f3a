"""Erasure that removes the bytes (PRIV-11): personal fields, notes, whole referrals.

Every erasure of a referral's personal data goes through `erase_personal_fields`
(withdrawal) or `delete_referral` (retention). SQLite runs with `PRAGMA
secure_delete=ON` (directory/db.py), so freed pages are overwritten with zeros;
after an erasure `checkpoint` copies the WAL into the database and truncates it,
so the old encrypted values are neither in the database file nor in the WAL.
PostgreSQL keeps them in dead row versions until VACUUM and in its WAL, and every
backup taken before (on either store) keeps them too: there they stay ciphertext,
and crypto-shredding makes them unreadable for good. Each erasure records a mark
(`ShredDue`, nothing personal) in its own transaction; the periodic job `shred`
(`app.referrals.shred`) then rotates the data key and retires the old one, so no
key file holds the key those values were encrypted with.
Referral text never enters the search index (the index is built from offers
only). Features that keep data of a referral elsewhere (the message thread,
`app.messages`) register a function `(session, referral id)` in `ERASERS`; it
runs on every erasure and deletion, so referrals import no other feature.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import delete

from app.referrals import blind
from app.referrals.models import ENCRYPTED, Referral, ReferralNote, ShredDue, utcnow

#: Features that keep data about a referral register here (`fn(session, referral_id)`)
#: and remove it with the person's data: the case file (`app.casework.models`), messages.
ERASERS: list[Callable] = []


def _others(s, referral_id: str) -> None:
    blind.erase(s, referral_id)
    for eraser in ERASERS:
        eraser(s, referral_id)
    s.add(ShredDue())  # the key of what was erased goes too (app.referrals.shred)


def erase_personal_fields(s, ref: Referral) -> None:
    """Blank every personal field and delete the internal notes; the bare row stays."""
    for column in ENCRYPTED["referral"]:
        setattr(ref, column, None)
    ref.erased_at = utcnow()
    s.execute(delete(ReferralNote).where(ReferralNote.referral_id == ref.id))
    _others(s, ref.id)


def delete_referral(s, ref: Referral) -> None:
    s.execute(delete(ReferralNote).where(ReferralNote.referral_id == ref.id))
    _others(s, ref.id)
    s.delete(ref)


def checkpoint(store) -> None:
    """Move the WAL into the database file and truncate it (SQLite; a no-op elsewhere)."""
    if store.engine.dialect.name != "sqlite":
        return
    raw = store.engine.raw_connection()  # autocommit at the driver: no BEGIN around it
    try:
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        raw.close()
