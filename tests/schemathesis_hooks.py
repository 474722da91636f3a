"""Schemathesis hooks for the OpenAPI run (`test_openapi_conformance.py`, SEC-13).

A generated `Idempotency-Key` is small and repeats across cases ("0", "00"), so two
different generated bodies would share a key, which the API rightly refuses (422, the
IETF idempotency draft). Each call gets a fresh key of its own instead: the header is
still sent, and a repeated body is still a replay only where a check repeats a call.
"""

from __future__ import annotations

import uuid

import schemathesis


@schemathesis.hook
def before_call(context, case, kwargs):
    headers = case.headers or {}
    for name in list(headers):
        if name.lower() == "idempotency-key":
            headers[name] = str(uuid.uuid4())
