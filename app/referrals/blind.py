"""Search by name without decrypting the table: a keyed blind index of name tokens.

`tokens("Ahmad  Al-Hassan")` -> {"ahmad", "al", "hassan", "alhassan"}: case-folded,
accents removed, split at anything that is not a letter or digit. `index_name`
stores the HMAC of each token (`Keyring.blind`) for the referral; `find_ids` does
the same with the words searched and returns referrals that carry every one of
them, in the staff member's Kommune only. Erasure deletes the tokens with the name.
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import delete, func, select

from app.keyring import keyring_of
from app.referrals.models import ReferralNameToken

_SPLIT = re.compile(r"[^\w]+|_", re.UNICODE)


def tokens(text: str | None) -> set[str]:
    if not text:
        return set()
    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    found = {p for p in _SPLIT.split(plain) if p}
    found.update("".join(_SPLIT.split(w)) for w in plain.split())  # "Al-Hassan": "alhassan"
    return {t for t in found if t}


def index_name(s, referral_id: str, kommune_id: str, name: str | None) -> None:
    keys = keyring_of(s)
    s.execute(delete(ReferralNameToken).where(ReferralNameToken.referral_id == referral_id))
    for t in sorted(tokens(name)):
        s.add(ReferralNameToken(referral_id=referral_id, kommune_id=kommune_id,
                                token=keys.blind(t)))


def move(s, referral_id: str, kommune_id: str) -> None:
    """The referral changed Kommune: its tokens follow it."""
    for row in s.scalars(select(ReferralNameToken)
                         .where(ReferralNameToken.referral_id == referral_id)):
        row.kommune_id = kommune_id


def erase(s, referral_id: str) -> None:
    s.execute(delete(ReferralNameToken).where(ReferralNameToken.referral_id == referral_id))


def find_ids(s, kommune_id: str, query: str, limit: int = 200) -> list[str]:
    wanted = tokens(query)
    if not wanted:
        return []
    keys = keyring_of(s)
    hashed = [keys.blind(t) for t in wanted]
    q = (select(ReferralNameToken.referral_id)
         .where(ReferralNameToken.kommune_id == kommune_id,
                ReferralNameToken.token.in_(hashed))
         .group_by(ReferralNameToken.referral_id)
         .having(func.count(func.distinct(ReferralNameToken.token)) == len(set(hashed)))
         .limit(limit))
    return list(s.scalars(q))


def backfill(store, batch: int = 500) -> int:
    """Index the names of referrals stored before the blind index existed; returns how many.

    Run once after the upgrade (`lotse referrals index-names`); safe to repeat.
    """
    from app.referrals.models import Referral

    done = 0
    last = ""
    while True:
        with store.session.begin() as s:
            indexed = select(ReferralNameToken.referral_id).distinct()
            rows = list(s.scalars(select(Referral).where(
                Referral.id > last, Referral.name.is_not(None), Referral.id.not_in(indexed))
                .order_by(Referral.id).limit(batch)))
            if not rows:
                return done
            keys = keyring_of(s)
            for ref in rows:
                index_name(s, ref.id, ref.kommune_id,
                           keys.decrypt("referral", ref.id, "name", ref.name))
            done += len(rows)
            last = rows[-1].id
