"""Server-side staff sessions and their cookie (SEC-05, SEC-06).

A session is a random 256-bit token in the cookie `__Host-lotse_staff`
(Secure, HttpOnly, SameSite=Strict, Path=/, no Domain); the store keeps only
its SHA-256 with the user, a CSRF synchronizer token and two times. A new
token is made at every login; logout deletes the row; disabling a user
deletes all of theirs. A session ends after `LOTSE_STAFF_IDLE_MINUTES`
without a request and `LOTSE_STAFF_SESSION_HOURS` after login, whatever
happens in between.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.staff.models import StaffSession, StaffUser, utcnow
from directory.db import as_utc

COOKIE = "__Host-lotse_staff"
#: Double-submit token of the login form (there is no session yet).
LOGIN_COOKIE = "__Host-lotse_login"
#: last_seen_at is written at most this often (one write per minute, not per request).
TOUCH_EVERY = dt.timedelta(seconds=60)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(s: Session, user_id: str) -> str:
    """A new session for the user; returns the raw token (only the cookie keeps it)."""
    token = secrets.token_urlsafe(32)
    s.add(StaffSession(token_hash=token_hash(token), user_id=user_id,
                       csrf_token=secrets.token_urlsafe(32)))
    return token


def lookup(s: Session, token: str | None, idle: dt.timedelta,
           absolute: dt.timedelta) -> tuple[StaffSession, StaffUser] | None:
    """The live session and its active user, or None (an expired session is deleted)."""
    if not token or len(token) > 100:
        return None
    row = s.get(StaffSession, token_hash(token))
    if row is None:
        return None
    now = utcnow()
    user = s.get(StaffUser, row.user_id)
    if (user is None or not user.active or now - as_utc(row.last_seen_at) > idle
            or now - as_utc(row.created_at) > absolute):
        s.delete(row)
        return None
    if now - as_utc(row.last_seen_at) > TOUCH_EVERY:
        row.last_seen_at = now
    return row, user


def end(s: Session, token: str | None) -> None:
    if token:
        s.execute(delete(StaffSession).where(StaffSession.token_hash == token_hash(token)))


def end_all(s: Session, user_id: str) -> int:
    return s.execute(delete(StaffSession).where(StaffSession.user_id == user_id)).rowcount


def end_others(s: Session, user_id: str, token: str | None) -> int:
    """End every session of the user but this one (after a password change)."""
    keep = token_hash(token) if token else ""
    return s.execute(delete(StaffSession).where(StaffSession.user_id == user_id,
                                                StaffSession.token_hash != keep)).rowcount


def count(s: Session, user_id: str) -> int:
    return len(list(s.scalars(select(StaffSession.token_hash)
                              .where(StaffSession.user_id == user_id))))


def set_cookie(response, name: str, value: str, max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", secure=True, httponly=True,
                        samesite="strict")


def clear_cookie(response, name: str) -> None:
    response.delete_cookie(name, path="/", secure=True, httponly=True, samesite="strict")
