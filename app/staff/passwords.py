"""Staff passwords: the policy of SEC-01 and Argon2id hashes (argon2-cffi).

Policy (ASVS 5.0 V6.2): at least 8 characters (15 recommended), up to 128,
any characters (no composition rules), not one of the 19,640 common
passwords bundled in `data/common-passwords.txt.gz`, not the user name.
Hashes are Argon2id with argon2-cffi's RFC 9106 low-memory profile;
`needs_rehash` upgrades old parameters at the next login.
"""

from __future__ import annotations

import gzip
import unicodedata
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.i18n import staff_gettext as _s

MIN_LENGTH = 8
RECOMMENDED_LENGTH = 15
MAX_LENGTH = 128
COMMON = Path(__file__).parent / "data" / "common-passwords.txt.gz"

_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory profile


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON, "rt", encoding="utf-8") as f:
        return frozenset(line.strip().lower() for line in f if line.strip())


def normalise(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def problems(password: str, username: str = "") -> list[str]:
    """Why a new password is refused (empty list = acceptable), in the staff language."""
    pw = normalise(password)
    out = []
    if len(pw) < MIN_LENGTH:
        out.append(_s("The password needs at least 8 characters (15 or more are better)."))
    if len(pw) > MAX_LENGTH:
        out.append(_s("The password may have at most 128 characters."))
    if pw.lower() in common_passwords() or (username and pw.lower() == username.lower()):
        out.append(_s("This password is too common or too easy to guess."))
    return out


def hash_password(password: str) -> str:
    return _hasher.hash(normalise(password))


def verify(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, normalise(password))
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


#: A hash to verify against when the user does not exist, so timing does not tell.
DUMMY_HASH = _hasher.hash("no such user: timing equaliser")
