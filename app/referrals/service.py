"""Submitting, looking up and withdrawing a referral: the one code path of API and form.

`submit` validates (PRIV-01/02/06), encrypts the personal fields (PRIV-08),
stores the proof of consent (PRIV-03), queues the notification mail
(REL-04) and audits — all in one transaction; the reference exists for the
caller only after the commit (REL-03). An Idempotency-Key seen before
returns the same reference and secret; the same key with other data is
refused. A locked or full database raises `Unavailable` (503, REL-07):
nothing is half-stored and the caller keeps the input.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from app.i18n import gettext as _
from app.keyring import keyring_of
from app.referrals import blind, consent, notify
from app.referrals.erasure import checkpoint, erase_personal_fields
from app.referrals.models import Referral, utcnow
from app.referrals.workflow import coarse
from app.staff import audit
from directory.models import Gemeinde, Kommune, TaxonomyTerm

CHANNELS = ("phone", "sms", "whatsapp", "email", "post", "in_person")
PHONE = re.compile(r"^\+?[0-9 ()/.-]{5,30}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
#: The residence statuses a person can choose (codes of app.responsibility.vocab).
RESIDENCE_STATUSES = ("gestattung", "duldung", "ae_24", "ae_25_2_fluechtling", "ae_sonstige",
                      "niederlassung", "eu")


def _a_number(value):
    """A JSON number (27 or 27.0), not the text "27" nor true: the documented type."""
    if isinstance(value, str | bool):
        raise ValueError("expected a number")
    return value


class OnBehalf(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(..., min_length=1, max_length=100)
    contact: str = Field("", max_length=200)


class ReferralIn(BaseModel):
    """The body of POST /api/v1/referrals (DESIGN.md); unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    kommune: str = Field(..., min_length=1, max_length=40)
    language: str | None = Field(None, max_length=16)
    topics: list[str] = Field(default_factory=list, max_length=10)
    name: str = Field("", max_length=100)
    contact_channel: Literal["phone", "sms", "whatsapp", "email", "post", "in_person"] | None \
        = None
    contact: str = Field(..., min_length=3, max_length=300)
    message: str = Field("", max_length=4000)
    consent: bool = Field(..., strict=True)  # exactly true: "yes" or 1 is not consent
    consent_special: bool = Field(False, strict=True)
    age: Annotated[int | None, BeforeValidator(_a_number)] = Field(None, ge=0, le=120)
    on_behalf: OnBehalf | None = None
    interpreter: bool = Field(False, strict=True)
    gemeinde: str | None = Field(None, max_length=40)
    residence_status: Literal["gestattung", "duldung", "ae_24", "ae_25_2_fluechtling",
                              "ae_sonstige", "niederlassung", "eu"] | None = None

    @field_validator("topics")
    @classmethod
    def _codes(cls, v: list[str]) -> list[str]:
        if any(not re.fullmatch(r"[a-z_]{2,40}", t) for t in v):
            raise ValueError("topics are taxonomy codes")
        return sorted(set(v))


class ReferralError(ValueError):
    """Refused input; `field` names the field, the message is in the person's language."""

    def __init__(self, message: str, field: str | None = None, status: int = 422):
        super().__init__(message)
        self.field = field
        self.status = status


class Unavailable(RuntimeError):
    """The store cannot take the referral now (locked, disk full): 503, input kept."""


@dataclass(frozen=True)
class Receipt:
    reference: str
    secret: str
    status: str = "received"
    replayed: bool = False


def _code(n: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(n))


def new_reference() -> str:
    c = _code(8)
    return f"R-{c[:4]}-{c[4:]}"


def new_secret() -> str:
    c = _code(12)  # 60 bits; lookups are rate-limited
    return f"{c[:4]}-{c[4:8]}-{c[8:]}"


def normalise_code(text: str) -> str:
    t = (text or "").strip().upper().replace(" ", "")
    for a, b in (("O", "0"), ("I", "1"), ("L", "1")):
        t = t.replace(a, b)
    return t


def _check_contact(data: ReferralIn) -> None:
    ch, contact = data.contact_channel, data.contact
    if ch == "email" and not EMAIL.match(contact):
        raise ReferralError(_("Please enter a valid e-mail address."), "contact")
    if ch in ("phone", "sms", "whatsapp") and not PHONE.match(contact):
        raise ReferralError(_("Please enter a phone number with digits only (and +)."),
                            "contact")


def validate(s, data: ReferralIn) -> None:
    if data.consent is not True:
        raise ReferralError(_("Please agree to the data protection consent. Without it we "
                              "cannot send your request."), "consent")
    if s.get(Kommune, data.kommune) is None:
        raise ReferralError(_("We do not know this Kommune. Please choose one from the list."),
                            "kommune")
    if data.gemeinde:
        g = s.get(Gemeinde, data.gemeinde)
        if g is None or g.kommune_id != data.kommune:
            raise ReferralError(_("This place is not in the chosen Kommune."), "gemeinde")
    if data.topics:
        known = set(s.scalars(select(TaxonomyTerm.code).where(TaxonomyTerm.code.in_(
            data.topics))))
        if set(data.topics) - known:
            raise ReferralError(_("Unknown topic."), "topics")
    if data.residence_status and not data.consent_special:  # residence data (Art. 9)
        raise ReferralError(_("Your residence status needs the extra consent. Tick it, or "
                              "leave the residence status empty."), "consent_special")
    if set(data.topics) & consent.SPECIAL_TOPICS and not data.consent_special:
        raise ReferralError(_("Health or residence topics need the extra consent. Tick it, or "
                              "remove these topics."), "consent_special")
    _check_contact(data)


def _request_hash(data: ReferralIn) -> str:
    return hashlib.sha256(data.model_dump_json().encode()).hexdigest()


def submit(store, settings, data: ReferralIn, *, lang: str, shown: consent.ConsentText,
           idempotency_key: str | None = None) -> Receipt:
    """Store one referral (or return the one this idempotency key made before)."""
    key_hash = hashlib.sha256(idempotency_key.encode()).hexdigest() if idempotency_key else None
    req_hash = _request_hash(data)
    try:
        with store.session.begin() as s:
            if key_hash:
                old = s.scalar(select(Referral).where(Referral.idempotency_hash == key_hash))
                if old is not None:
                    return _replay(s, old, req_hash)
            validate(s, data)
            keys = keyring_of(s)
            ref = Referral(reference=new_reference(), idempotency_hash=key_hash,
                           request_hash=req_hash, kommune_id=data.kommune,
                           gemeinde_id=data.gemeinde, language=data.language or lang,
                           topics=data.topics, contact_channel=data.contact_channel,
                           interpreter=data.interpreter, consent_at=utcnow(),
                           consent_version=consent.VERSION, consent_sha256=shown.fingerprint,
                           consent_locale=lang,
                           consent_channel="volunteer" if data.on_behalf else "self",
                           consent_special=data.consent_special, status="neu", version=1)
            s.add(ref)
            s.flush()
            secret = new_secret()
            enc = lambda col, v: keys.encrypt("referral", ref.id, col, v)  # noqa: E731
            ref.name = enc("name", data.name or None)
            ref.contact = enc("contact", data.contact)
            ref.message = enc("message", data.message or None)
            ref.age = enc("age", None if data.age is None else str(data.age))
            ref.residence_status = enc("residence_status", data.residence_status)
            if data.on_behalf:
                ref.on_behalf_name = enc("on_behalf_name", data.on_behalf.name)
                ref.on_behalf_contact = enc("on_behalf_contact", data.on_behalf.contact or None)
            ref.secret = enc("secret", secret)
            blind.index_name(s, ref.id, data.kommune, data.name or None)
            audit.record(s, "public", "referral.create", "referral", ref.id,
                         kommune_id=data.kommune)
            notify.queue_new_referral(s, settings, data.kommune)
            receipt = Receipt(ref.reference, secret)
        return receipt
    except IntegrityError:
        if key_hash:  # the same key raced us: answer with what it made
            with store.session() as s:
                old = s.scalar(select(Referral).where(Referral.idempotency_hash == key_hash))
                if old is not None:
                    return _replay(s, old, req_hash)
        raise Unavailable("conflict") from None
    except OperationalError as exc:
        raise Unavailable(str(exc.orig)) from None


def _replay(s, ref: Referral, req_hash: str) -> Receipt:
    if ref.request_hash != req_hash:
        raise ReferralError(_("This Idempotency-Key was already used for another request."),
                            "idempotency_key", 422)
    secret = keyring_of(s).decrypt("referral", ref.id, "secret", ref.secret) or ""
    return Receipt(ref.reference, secret, coarse(ref.status), replayed=True)


def find(s, reference: str, secret: str) -> Referral | None:
    """The referral with this reference whose secret matches (constant-time), else None."""
    ref = s.scalar(select(Referral).where(Referral.reference == normalise_code(reference)))
    if ref is None or ref.secret is None:
        return None
    stored = keyring_of(s).decrypt("referral", ref.id, "secret", ref.secret) or ""
    if not hmac.compare_digest(stored.encode(), normalise_code(secret).encode()):
        return None
    return ref


def withdraw(store, reference: str, secret: str) -> bool:
    """Erase the personal fields of the referral (PRIV-05); False if not found."""
    with store.session.begin() as s:
        ref = find(s, reference, secret)
        if ref is None:
            return False
        erase_personal_fields(s, ref)
        ref.status = "zurueckgezogen"
        ref.status_changed_at = utcnow()
        ref.version += 1
        audit.record(s, "public", "referral.withdraw", "referral", ref.id,
                     kommune_id=ref.kommune_id)
    checkpoint(store)
    return True
