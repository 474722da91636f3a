"""The conversation's state: anonymous, server-side, keyed by a random cookie, expiring.

The browser holds a random token in the cookie `lotse_conversation`
(HttpOnly, SameSite=Lax, Secure over https); the table holds only its
SHA-256. `load` returns the person's conversation (or None when there is
none, or it expired), `save` writes it back and moves the expiry to
`LOTSE_CONVERSATION_HOURS` from now, `forget` deletes it, and
`purge_expired` is the retention job. The questions (the only free text)
are encrypted at rest with the store's keyring.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass, field

from fastapi import Request, Response
from sqlalchemy import delete

from app.assistant.models import Conversation
from app.keyring import DecryptionFailed, keyring_of
from directory.db import as_utc

COOKIE = "lotse_conversation"
MAX_TURNS = 12  # older turns drop off the page and the store
TABLE = "conversation"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class Chat:
    """One conversation as the pages use it."""

    token: str = ""
    kommune_id: str | None = None
    gemeinde_id: str | None = None
    place_unknown: bool = False
    age: int | None = None
    status: str | None = None
    asked: list[str] = field(default_factory=list)
    turns: list[dict] = field(default_factory=list)
    new: bool = True

    @property
    def has_place(self) -> bool:
        return self.kommune_id is not None or self.place_unknown

    def topics(self) -> list[str]:
        """What the questions so far were about, newest first, each once (crises left out)."""
        return list(dict.fromkeys(t for turn in reversed(self.turns) if not turn["crisis"]
                                  for t in turn.get("asked_topics", ())))

    def add_turn(self, turn: dict) -> int:
        self.turns.append(turn)
        del self.turns[:-MAX_TURNS]
        return len(self.turns) - 1


def token_of(request: Request) -> str | None:
    token = request.cookies.get(COOKIE)
    return token if token and 20 <= len(token) <= 64 else None


def load(services, request: Request) -> Chat | None:
    token = token_of(request)
    if token is None:
        return None
    key = _digest(token)
    with services.store.session() as s:
        row = s.get(Conversation, key)
        if row is None:
            return None
        if as_utc(row.expires) <= utcnow():
            s.delete(row)
            s.commit()
            return None
        try:
            text = keyring_of(s).decrypt(TABLE, key, "turns", row.turns) if row.turns else None
        except DecryptionFailed:  # its key is gone: the conversation cannot be read back
            s.delete(row)
            s.commit()
            return None
        return Chat(token, row.kommune_id, row.gemeinde_id, row.place_unknown, row.age,
                    row.status, list(row.asked or []), json.loads(text) if text else [], False)


def save(services, request: Request, response: Response, chat: Chat) -> None:
    """Write the conversation and (re)set its cookie; a new one gets a new random token."""
    hours = services.settings.conversation_hours
    if not chat.token:
        chat.token = secrets.token_urlsafe(32)
    key = _digest(chat.token)
    with services.store.session.begin() as s:
        row = s.get(Conversation, key) or Conversation(id=key)
        row.expires = utcnow() + dt.timedelta(hours=hours)
        row.kommune_id, row.gemeinde_id = chat.kommune_id, chat.gemeinde_id
        row.place_unknown, row.age, row.status = chat.place_unknown, chat.age, chat.status
        row.asked = list(chat.asked)
        row.turns = keyring_of(s).encrypt(TABLE, key, "turns",
                                          json.dumps(chat.turns, ensure_ascii=False))
        s.add(row)
    chat.new = False
    response.set_cookie(COOKIE, chat.token, max_age=hours * 3600, httponly=True,
                        samesite="lax", secure=request.url.scheme == "https", path="/")


def forget(services, request: Request, response: Response) -> bool:
    """Delete the person's conversation and its cookie; True when there was one."""
    token = token_of(request)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax",
                           secure=request.url.scheme == "https")
    if token is None:
        return False
    with services.store.session.begin() as s:
        gone = s.execute(delete(Conversation).where(Conversation.id == _digest(token)))
    return bool(gone.rowcount)


def purge_expired(store, settings=None, now: dt.datetime | None = None) -> int:
    """Retention: delete every conversation past its expiry; returns how many."""
    with store.session.begin() as s:
        gone = s.execute(delete(Conversation).where(Conversation.expires <= (now or utcnow())))
    return gone.rowcount or 0
