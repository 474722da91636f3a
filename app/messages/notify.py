"""Telling the person that a message is waiting: a channel interface and its e-mail channel.

A `Notifier` serves one contact channel of the referral (`contact_channel`).
It only says "a message is waiting for you" with the address of the status
page: no content, no name, no reference, no Kommune. `EmailNotifier` queues
the notice in the referral outbox (`app.referrals.notify`, retries, REL-04)
with the recipient written `referral:<id>`: the address is decrypted only
when the mail is sent (audited as `message.notify_send`), so no address
rests in the outbox, and a withdrawal before sending drops the mail. An SMS
or messenger channel is one more class with `channel`, `available` and
`queue`, registered in `NOTIFIERS`.
"""

from __future__ import annotations

from typing import Protocol

from app import i18n
from app.keyring import keyring_of
from app.referrals import notify as outbox
from app.referrals.models import OutboxMail, Referral, utcnow
from app.staff import audit


class Notifier(Protocol):
    channel: str  # the referral's contact_channel this notifier reaches

    def available(self, settings) -> bool:
        """The channel is configured on this server."""

    def queue(self, s, settings, ref: Referral) -> bool:
        """Queue the content-free notice for this referral (in the caller's transaction)."""


def notice_text(lang: str, url: str) -> tuple[str, str]:
    """Subject and body of the notice in the person's language, German below."""
    parts, subject = [], ""
    for code in dict.fromkeys((lang, "de")):
        t = i18n.translations(code)
        if not subject:
            subject = "KIM-Lotse: " + t.gettext("A new message is waiting for you")
        parts.append(t.gettext("There is a new message for you from the KIM case management. To "
                               "read it, open %(url)s and enter your reference number and "
                               "secret code.") % {"url": url})
    return subject, "\n\n".join(parts) + "\n"


class EmailNotifier:
    channel = "email"

    def available(self, settings) -> bool:
        return bool(settings.smtp_host)

    def queue(self, s, settings, ref: Referral) -> bool:
        if ref.contact_channel != self.channel or ref.contact is None:
            return False
        url = settings.public_url.rstrip("/") + "/referral/status"
        subject, body = notice_text(ref.language, url)
        s.add(OutboxMail(recipient=f"referral:{ref.id}", subject=subject[:200], body=body,
                         attempts=0, next_attempt_at=utcnow()))
        return True


def _address(s, referral_id: str) -> str | None:
    """The person's e-mail address at sending time, or None once withdrawn or erased."""
    ref = s.get(Referral, referral_id)
    if ref is None or ref.contact is None or ref.contact_channel != "email":
        return None
    audit.record(s, "system", "message.notify_send", "referral", ref.id,
                 kommune_id=ref.kommune_id)
    return keyring_of(s).decrypt("referral", ref.id, "contact", ref.contact)


NOTIFIERS: dict[str, Notifier] = {"email": EmailNotifier()}
outbox.RECIPIENTS["referral"] = _address


def notifier_for(settings, ref: Referral) -> Notifier | None:
    """The notifier that can reach this person, if any is configured."""
    n = NOTIFIERS.get(ref.contact_channel or "")
    return n if n is not None and n.available(settings) else None
