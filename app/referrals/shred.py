"""Crypto-shredding (PRIV-11 on PostgreSQL and in backups): after an erasure, the data key
the erased values were encrypted with leaves the key file.

An erasure (`app.referrals.erasure`) removes the values from the live rows, but
copies stay where the app cannot reach them: PostgreSQL's dead row versions (until
VACUUM) and its WAL, and every backup taken before the erasure, on PostgreSQL and
on SQLite. They are ciphertext; what makes them unreadable for good is that no key
file holds their key any more. So every erasure records a mark (`ShredDue`: an id
and a time, nothing about the person) in its own transaction, and the periodic job
`shred` (`app.jobs`: every `LOTSE_JOBS_INTERVAL_SECONDS`, in one worker of all
processes) calls `run_once`:

- nothing to do unless a mark is older than `LOTSE_SHRED_DELAY_SECONDS` (so a burst
  of erasures costs one rotation; 0 = at the next run);
- otherwise, under the store's schema lock (one rotation at a time), it notes the
  marks there are and rotates the data key (`app.referrals.rotation.rotate`, actor
  "job"): a new current key, every live value re-encrypted, the old keys dropped
  from the key file once no value names them, after waiting `settle` (the key
  check interval and a margin) twice so running processes encrypt under the new
  key; running processes drop the retired keys when they next look at the file
  (`app.keyring`);
- the marks it noted are deleted only when every old key was retired; if one stayed
  in use, they stay and the next run tries again. Marks written during the rotation
  wait for the next one (their values may have been re-encrypted under the new key).

Each run that rotates is audited without personal data (`keys.rotate` and `keys.shred`,
object: the new key id; result `ok`, or `kept_old_keys` when the marks stay). Not
covered here: copies of the key file (keep none older than the last shred: an old
copy opens the old backups and dead rows again).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select

from app.keyring import keyring_of
from app.referrals.models import ShredDue, utcnow
from app.referrals.rotation import rotate, settle_seconds
from app.staff import audit

ACTOR = "job"
CHUNK = 500  # marks deleted per statement


def due(store, settings, now: dt.datetime | None = None) -> bool:
    """True when a mark is older than `LOTSE_SHRED_DELAY_SECONDS`."""
    cutoff = (now or utcnow()) - dt.timedelta(seconds=settings.shred_delay_seconds)
    with store.session() as s:
        return s.scalar(select(ShredDue.id).where(ShredDue.marked_at <= cutoff)
                        .limit(1)) is not None


def pending(store) -> int:
    """How many marks wait for a shred."""
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(ShredDue)) or 0


def run_once(store, settings, now: dt.datetime | None = None) -> dict | None:
    """Rotate the data key if a shred is due; None when none was, else what was done.
    The keyring is the one bound to the store's sessions (the process's running one)."""
    if not due(store, settings, now):
        return None
    with store.session() as s:
        keyring = keyring_of(s)
    with store.exclusive():  # a run that waited for another one finds its marks gone
        if not due(store, settings, now):
            return None
        with store.session() as s:
            covered = list(s.scalars(select(ShredDue.id)))
        result = rotate(store, keyring, retire=True, settle=settle_seconds(settings),
                        actor=ACTOR)
        shredded = not result["kept"]
        with store.session.begin() as s:
            if shredded:
                for start in range(0, len(covered), CHUNK):
                    s.execute(delete(ShredDue).where(
                        ShredDue.id.in_(covered[start:start + CHUNK])))
            audit.record(s, ACTOR, "keys.shred", "keyring", result["current"],
                         "ok" if shredded else "kept_old_keys")
    return {"marks": len(covered), "shredded": shredded, "current": result["current"],
            "retired": result["retired"], "kept": result["kept"]}
