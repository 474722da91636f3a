"""Staff accounts: create, authenticate, change password, disable — one place for web and CLI.

`authenticate` is the whole login decision: rate limits per account and per
IP (SEC-03: 429 with Retry-After, windows slide, no permanent lockout),
Argon2id password, single-use TOTP code (SEC-02), active account. It tells
the caller only "ok", "wrong" or "limited" — never which part was wrong.
Every attempt is audited (actor "public" until the login succeeds).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.i18n import staff_gettext as _s
from app.keyring import keyring_of
from app.staff import audit, passwords, sessions, totp
from app.staff.models import ROLES, STATE_WIDE_ROLES, StaffUser, utcnow
from app.web.ratelimit import Limits
from directory.models import Kommune

NOT_YET = ""  # the TOTP key is set (encrypted) once the row has its id

USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-")


class AccountError(ValueError):
    """A refused account change; the message is for the person (staff language)."""


@dataclass
class LoginLimits:
    per_account: int
    per_ip: int
    window: int


def totp_secret(s: Session, user: StaffUser) -> str:
    return keyring_of(s).decrypt("staff_user", user.id, "totp_secret", user.totp_secret)


def check_fields(s: Session, username: str, roles: list[str], kommune_id: str | None) -> None:
    if not (3 <= len(username) <= 64 and set(username) <= USERNAME_CHARS):
        raise AccountError(_s("User names have 3 to 64 characters: a-z, 0-9, dot, dash, "
                              "underscore."))
    if not roles or any(r not in ROLES for r in roles):
        raise AccountError(_s("Choose at least one role."))
    if kommune_id is None and not set(roles) <= STATE_WIDE_ROLES:
        raise AccountError(_s("Case managers and editors belong to a Kommune."))
    if kommune_id is not None and s.get(Kommune, kommune_id) is None:
        raise AccountError(_s("Unknown Kommune."))
    if s.scalar(select(StaffUser.id).where(StaffUser.username == username)):
        raise AccountError(_s("This user name is taken."))


def create_user(s: Session, actor, username: str, password: str, roles: list[str],
                kommune_id: str | None, display_name: str = "") -> tuple[StaffUser, str]:
    """A new active user; returns it with its TOTP secret (shown once for enrolment)."""
    username = username.strip().lower()
    check_fields(s, username, roles, kommune_id)
    bad = passwords.problems(password, username)
    if bad:
        raise AccountError(" ".join(bad))
    secret = totp.new_secret()
    user = StaffUser(username=username, display_name=display_name.strip()[:200],
                     roles=sorted(set(roles)), kommune_id=kommune_id,
                     password_hash=passwords.hash_password(password), totp_secret=NOT_YET,
                     totp_last_step=0, active=True)
    s.add(user)
    s.flush()
    user.totp_secret = keyring_of(s).encrypt("staff_user", user.id, "totp_secret", secret)
    audit.record(s, actor, "user.create", "staff_user", user.id, kommune_id=kommune_id)
    return user, secret


def active_admins(s: Session) -> int:
    rows = s.scalars(select(StaffUser.roles).where(StaffUser.active.is_(True)))
    return sum(1 for roles in rows if "admin" in (roles or ()))


def user_count(s: Session) -> int:
    return s.scalar(select(func.count(StaffUser.id))) or 0


def set_active(s: Session, actor, user: StaffUser, active: bool) -> None:
    """Disable (ending every session at once) or enable a user."""
    user.active = active
    if not active:
        sessions.end_all(s, user.id)
    audit.record(s, actor, "user.enable" if active else "user.disable", "staff_user", user.id,
                 kommune_id=user.kommune_id)


def change_password(s: Session, user: StaffUser, current: str, new: str) -> None:
    if not passwords.verify(user.password_hash, current):
        audit.record(s, user.id, "user.password", "staff_user", user.id, "denied",
                     kommune_id=user.kommune_id)
        raise AccountError(_s("The current password is wrong."))
    bad = passwords.problems(new, user.username)
    if bad:
        raise AccountError(" ".join(bad))
    user.password_hash = passwords.hash_password(new)
    user.password_changed_at = utcnow()
    audit.record(s, user.id, "user.password", "staff_user", user.id, kommune_id=user.kommune_id)


def authenticate(s: Session, limits: Limits, conf: LoginLimits, username: str,
                 password: str, code: str, ip: str) -> tuple[str, StaffUser | None, int]:
    """("ok" | "wrong" | "limited", user on success, seconds to wait when limited)."""
    name = (username or "").strip().lower()[:64]
    acct_key, ip_key = f"login-acct:{name}", f"login-ip:{ip}"
    user = s.scalar(select(StaffUser).where(StaffUser.username == name)) if name else None
    uid = user.id if user else None
    kommune = user.kommune_id if user else None
    if (limits.blocked(acct_key, conf.per_account, conf.window)
            or limits.blocked(ip_key, conf.per_ip, conf.window)):
        wait = max(limits.retry_after(acct_key, conf.window),
                   limits.retry_after(ip_key, conf.window))
        audit.record(s, "public", "login", "staff_user", uid, "rate_limited", kommune_id=kommune)
        return "limited", None, wait
    ok = passwords.verify(user.password_hash if user else passwords.DUMMY_HASH, password or "")
    step = None
    if ok and user is not None and user.active:
        step = totp.matching_step(totp_secret(s, user), code, user.totp_last_step)
    if user is None or not user.active or step is None:
        limits.hit(acct_key, conf.per_account, conf.window)
        limits.hit(ip_key, conf.per_ip, conf.window)
        audit.record(s, "public", "login", "staff_user", uid, "denied", kommune_id=kommune)
        return "wrong", None, 0
    user.totp_last_step = step
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    limits.reset(acct_key)
    audit.record(s, user.id, "login", "staff_user", user.id, kommune_id=kommune)
    return "ok", user, 0
