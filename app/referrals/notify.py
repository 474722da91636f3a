"""Notification mail through an outbox with retries (REL-04); no personal data in any mail.

A new referral queues one `OutboxMail` to the Kommune's case-management
address (`kommune.case_management_email`) in the same transaction as the
referral, so a mail is never lost and never sent for a referral that was
not stored. `deliver_due` sends what is due over SMTP (`LOTSE_SMTP_HOST`);
a failure (refused, timeout, no server) keeps the mail and schedules the next
attempt with exponential back-off (1 min, 2, 4 … at most 1 h). Mails are
never deleted for failing; `attempts` and `last_error` tell the operator.
The body names neither the person nor the topics: only that there is
something new and where to log in. A recipient written `scheme:id` (e.g.
`referral:<id>`, the person's own address, queued by `app.messages`) is looked
up only when sending, through `RECIPIENTS[scheme]`, so no personal address
rests in the outbox; if it is gone by then (withdrawn, erased), the mail is
dropped (marked done with `last_error` "recipient gone") and never sent.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select

from app.referrals.models import OutboxMail, utcnow
from directory.models import Kommune

log = logging.getLogger("lotse")
MAX_BACKOFF = dt.timedelta(hours=1)
#: scheme -> (session, id) -> address or None, for recipients stored as "scheme:id"
RECIPIENTS: dict[str, Callable[[Any, str], str | None]] = {}


def queue_new_referral(s, settings, kommune_id: str) -> OutboxMail | None:
    kommune = s.get(Kommune, kommune_id)
    if kommune is None or not kommune.case_management_email:
        return None
    mail = OutboxMail(
        recipient=kommune.case_management_email,
        subject="KIM-Lotse: neue Vermittlung / new referral",
        body=(
            "Im KIM-Lotse-Posteingang Ihrer Kommune ist eine neue Vermittlung eingegangen.\n"
            f"Bitte melden Sie sich an: {settings.public_url.rstrip('/')}/staff/referrals\n\n"
            "A new referral has arrived in your Kommune's KIM-Lotse inbox.\n"
            "Diese Nachricht enthält keine personenbezogenen Daten.\n"
        ),
        attempts=0, next_attempt_at=utcnow(),
    )
    s.add(mail)
    return mail


def _address(store, recipient: str) -> str | None:
    scheme, _, ident = recipient.partition(":")
    if "@" in recipient or scheme not in RECIPIENTS:
        return recipient
    with store.session.begin() as s:
        return RECIPIENTS[scheme](s, ident)


def _send(settings, mail: OutboxMail, address: str) -> None:
    msg = EmailMessage()
    msg["From"] = settings.smtp_from
    msg["To"] = address
    msg["Subject"] = mail.subject
    msg["Message-ID"] = f"<{mail.id}@kim-lotse>"  # the same id on every retry
    msg.set_content(mail.body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        smtp.send_message(msg)


def backoff(attempts: int) -> dt.timedelta:
    return min(dt.timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def deliver_due(store, settings, limit: int = 50) -> tuple[int, int]:
    """Send the mails that are due; returns (sent, failed)."""
    if not settings.smtp_host:
        return 0, 0
    now = utcnow()
    with store.session() as s:
        due = list(s.scalars(select(OutboxMail)
                             .where(OutboxMail.sent_at.is_(None),
                                    OutboxMail.next_attempt_at <= now)
                             .order_by(OutboxMail.next_attempt_at).limit(limit)))
        s.expunge_all()  # plain records now; the SMTP talk happens outside any transaction
    sent = failed = 0
    for mail in due:
        error = None
        address = _address(store, mail.recipient)
        if address is None:
            with store.session.begin() as s:
                row = s.get(OutboxMail, mail.id)
                row.sent_at, row.last_error = utcnow(), "recipient gone"
            continue
        try:
            _send(settings, mail, address)
        except (OSError, smtplib.SMTPException) as exc:
            error = f"{type(exc).__name__}: {exc}"[:300]
        with store.session.begin() as s:
            row = s.get(OutboxMail, mail.id)
            row.attempts += 1
            if error is None:
                row.sent_at = utcnow()
                row.last_error = None
                sent += 1
            else:
                row.last_error = error
                row.next_attempt_at = utcnow() + backoff(row.attempts)
                failed += 1
                log.warning("mail %s not sent (attempt %d): %s", row.id, row.attempts,
                            error.split(":")[0])
    return sent, failed


def pending(store) -> int:
    with store.session() as s:
        return len(list(s.scalars(select(OutboxMail.id).where(OutboxMail.sent_at.is_(None)))))
