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

Several workers (processes, machines) may run `deliver_due` at once: each mail
is claimed before it is sent (a conditional UPDATE that only one worker wins,
`claimed_by`/`claimed_until`), and the result is written only by the worker
that holds the claim, which it gives up in the same UPDATE. A worker that dies
mid-send loses its claim after `CLAIM`; only then may the mail go out again
(with the same Message-ID, so a receiving system can tell).
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import uuid
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

from sqlalchemy import or_, select, update

from app.referrals.models import OutboxMail, utcnow
from directory.models import Kommune

log = logging.getLogger("lotse")
MAX_BACKOFF = dt.timedelta(hours=1)
#: scheme -> (session, id) -> address or None, for recipients stored as "scheme:id"
RECIPIENTS: dict[str, Callable[[Any, str], str | None]] = {}
CLAIM = dt.timedelta(minutes=5)  # longer than any SMTP conversation (timeout 10 s per step)


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


def _claim(store, mail_id: str, worker: str) -> OutboxMail | None:
    """Take this mail for `worker` if it is still due and nobody holds it."""
    now = utcnow()
    with store.session.begin() as s:
        taken = s.execute(
            update(OutboxMail)
            .where(OutboxMail.id == mail_id, OutboxMail.sent_at.is_(None),
                   OutboxMail.next_attempt_at <= now,
                   or_(OutboxMail.claimed_until.is_(None), OutboxMail.claimed_until < now))
            .values(claimed_by=worker, claimed_until=now + CLAIM)
            .execution_options(synchronize_session=False)).rowcount
        if taken != 1:
            return None
        mail = s.get(OutboxMail, mail_id)
        s.expunge(mail)  # a plain record: the SMTP talk happens outside any transaction
        return mail


def deliver_due(store, settings, limit: int = 50, worker: str = "") -> tuple[int, int]:
    """Send the mails that are due and that this worker claims; returns (sent, failed)."""
    if not settings.smtp_host:
        return 0, 0
    worker = worker or f"notify-{uuid.uuid4()}"
    now = utcnow()
    with store.session() as s:
        due = list(s.scalars(select(OutboxMail.id)
                             .where(OutboxMail.sent_at.is_(None),
                                    OutboxMail.next_attempt_at <= now,
                                    or_(OutboxMail.claimed_until.is_(None),
                                        OutboxMail.claimed_until < now))
                             .order_by(OutboxMail.next_attempt_at).limit(limit)))
    sent = failed = 0
    for mail_id in due:
        mail = _claim(store, mail_id, worker)
        if mail is None:
            continue  # sent or taken by another worker meanwhile
        error = None
        address = _address(store, mail.recipient)
        if address is None:
            with store.session.begin() as s:
                row = s.get(OutboxMail, mail.id)
                if row is not None and row.claimed_by == worker:
                    row.sent_at, row.last_error = utcnow(), "recipient gone"
                    row.claimed_by = row.claimed_until = None
            continue
        try:
            _send(settings, mail, address)
        except (OSError, smtplib.SMTPException) as exc:
            error = f"{type(exc).__name__}: {exc}"[:300]
        with store.session.begin() as s:
            row = s.get(OutboxMail, mail_id)
            if row is None or row.claimed_by != worker:  # our claim ran out (very slow send)
                log.warning("mail %s: claim lost before the result was written", mail_id)
                continue
            row.attempts += 1
            row.claimed_by = row.claimed_until = None
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
