"""`GET /metrics`: this process's Prometheus metrics, for internal networks only.

Answered only to a client address in LOTSE_METRICS_NETWORKS (default: loopback) that came
without forwarding headers: a request through the reverse proxy (which also runs on
loopback, often) carries `X-Forwarded-For` or `Forwarded` and gets 404 like any outsider.
Besides the histograms of `app.web.metrics` it reads, at scrape time, the state of this
process and its store (`StateCollector`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from sqlalchemy import func, select

from app.queue import contract
from app.referrals.models import OutboxMail
from app.services import Services
from app.web.deps import ServicesDep, SettingsDep
from app.web.logs import address_in
from app.web.metrics import exposition
from app.web.ratelimit import networks

router = APIRouter(include_in_schema=False)

#: headers a reverse proxy adds: a request carrying one came from outside
FORWARDING = ("forwarded", "x-forwarded-for", "x-real-ip")


class StateCollector:
    """Readings taken when Prometheus scrapes: degraded mode, index size, the mail outbox's
    backlog, the job queue's backlog, and the lag (how late the oldest due mail or job is;
    the queue's engine answers for its jobs, `app.queue.contract`)."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def collect(self) -> Iterator[Metric]:
        services = self.services
        yield GaugeMetricFamily("lotse_degraded", "1 while search runs on the lexical "
                                "index only (no model, or encodings over their budget).",
                                value=float(services.degraded))
        yield GaugeMetricFamily("lotse_index_offers", "Offers in this process's search "
                                "index.", value=float(len(services.engine.offers)))
        now = dt.datetime.now(dt.UTC)
        with services.store.session() as s:
            unsent = OutboxMail.sent_at.is_(None)
            backlog = s.scalar(select(func.count(OutboxMail.id)).where(unsent)) or 0
            oldest_due = s.scalar(select(func.min(OutboxMail.next_attempt_at))
                                  .where(unsent, OutboxMail.next_attempt_at <= now))
        lag = 0.0
        if oldest_due is not None:
            due = oldest_due if oldest_due.tzinfo else oldest_due.replace(tzinfo=dt.UTC)
            lag = max(0.0, (now - due).total_seconds())
        yield GaugeMetricFamily("lotse_outbox_backlog", "Notification mails not sent yet.",
                                value=float(backlog))
        lag = max(lag, contract.lag_seconds(services.store))
        yield GaugeMetricFamily("lotse_job_backlog", "Background jobs waiting or running "
                                "(all processes).", value=float(contract.backlog(services.store)))
        yield GaugeMetricFamily("lotse_job_lag_seconds", "How long the oldest due job (a "
                                "mail of the outbox, a queued job) has waited past its "
                                "time.", value=lag)


def internal(request: Request, spec: str) -> bool:
    """The request came straight from an internal network, not through the proxy."""
    if any(h in request.headers for h in FORWARDING):
        return False
    return address_in(request.client.host if request.client else None, networks(spec))


@router.get("/metrics")
def metrics(request: Request, services: ServicesDep, settings: SettingsDep) -> Response:
    if not internal(request, settings.metrics_networks):
        raise HTTPException(404)
    return Response(exposition(StateCollector(services)), media_type=CONTENT_TYPE_LATEST)
