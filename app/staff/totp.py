"""TOTP second factor (RFC 6238, pyotp): enrolment secrets and single-use verification.

A code is accepted for the current 30-second step or one step either side
(clock drift), and only if its step is later than the last step this user
logged in with (`totp_last_step`), so a code never works twice. Wrong codes
count against the login rate limit (`app.web.ratelimit`).
"""

from __future__ import annotations

import time

import pyotp

ISSUER = "KIM-Lotse"
STEP = 30


def new_secret() -> str:
    return pyotp.random_base32(32)  # 160 bits


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def matching_step(secret: str, code: str, last_step: int, now: float | None = None) -> int | None:
    """The time step the code belongs to, if it is valid and not used before; else None."""
    code = (code or "").strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    now = time.time() if now is None else now
    totp = pyotp.TOTP(secret)
    current = int(now // STEP)
    for step in (current - 1, current, current + 1):
        if step > last_step and pyotp.utils.strings_equal(totp.at(step * STEP), code):
            return step
    return None


def code_now(secret: str, now: float | None = None) -> str:
    """The current code (for tests and the enrolment check)."""
    return pyotp.TOTP(secret).at(time.time() if now is None else now)
