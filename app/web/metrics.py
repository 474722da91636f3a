"""The app's Prometheus metrics: one registry per process, every sample labelled with `pid`.

Each `lotse serve` process serves its own `/metrics` (app/monitoring) from this registry;
with several processes (each on its own port, or its own machine) Prometheus scrapes each
of them, and `pid` tells a restarted process from its predecessor. prometheus-client's
multiprocess mode (several workers sharing one port and a metrics folder) is not used:
`lotse serve` runs one worker per process. Here: the request latency per route template
(observed by `app.web.middleware.AccessLog`) and the encode time of a question (observed
by the search engine's batcher); what is read at scrape time (degraded mode, outbox
backlog, job lag, index size) is a collector of app/monitoring.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from starlette.types import Scope

#: request latencies: a search answers in ~20-200 ms, a page in a few ms, an import in s
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
ENCODE_BUCKETS = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 3.0, 10.0)

#: what this process measures itself (histograms); `exposition` adds the pid label
REGISTRY = CollectorRegistry(auto_describe=True)
REQUEST_SECONDS = Histogram(
    "lotse_request_duration_seconds", "Time from request to the response's end, per route "
    "template (never the path with its values, never the query).",
    ["method", "route", "status"], buckets=LATENCY_BUCKETS, registry=REGISTRY)
ENCODE_SECONDS = Histogram(
    "lotse_encode_seconds", "Wait for a question's vector (queue and encoding; a time-out "
    "counts with its budget).", buckets=ENCODE_BUCKETS, registry=REGISTRY)


def route_of(scope: Scope) -> str:
    """The route template that answered (`/api/v1/hsds/services/{service_id}`), never the
    path itself: ids and words in paths would make one series per value."""
    route = scope.get("route")
    template = getattr(route, "path", None)
    if isinstance(template, str):
        return template
    if str(scope.get("path", "")).startswith("/static/"):
        return "/static"
    return "(unmatched)"


class WithPid:
    """The samples of some collectors, each with this process's `pid` label added."""

    def __init__(self, *collectors: Collector) -> None:
        self.collectors = collectors

    def collect(self) -> Iterator[Metric]:
        pid = str(os.getpid())
        for collector in self.collectors:
            for family in collector.collect():
                family.samples = [s._replace(labels={**s.labels, "pid": pid})
                                  for s in family.samples]
                yield family


def exposition(*extra: Collector) -> bytes:
    """The text format of this process's metrics and of `extra` collectors (scrape-time
    readings), all with the `pid` label."""
    from prometheus_client import generate_latest

    registry = CollectorRegistry(auto_describe=False)
    registry.register(WithPid(REGISTRY, *extra))
    return generate_latest(registry)
