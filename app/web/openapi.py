"""The OpenAPI document made true (SEC-13): what FastAPI derives, corrected where the app
answers otherwise, so schemathesis finds no difference between the two.

- Errors: every 4xx/5xx body is `{"detail": str, "fields"?: [str]}` (`Problem`), not
  FastAPI's `HTTPValidationError`; the 404s, 403s, 413s, 429s and 503s the routes really
  give are listed per operation.
- Constraints that live in code: `per_page` up to `LOTSE_HSDS_MAX_PER_PAGE`; the lookup
  needs a `kommune` or a `gemeinde` (one object parameter, exploded as the two query
  parameters); a referral's Kommune, topics, consent (exactly true, the extra consent
  for health and residence topics) and its contact format by channel.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from typing import Annotated

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BeforeValidator


def _shaped(pattern: str, what: str) -> BeforeValidator:
    """A validator that lets only text of this shape reach pydantic's parser (which would
    also take a number as a Unix time): the wire format the document states."""
    shape = re.compile(pattern)

    def check(value: object) -> object:
        if isinstance(value, str) and not shape.match(value):
            raise ValueError(f"expected {what}")
        return value

    return BeforeValidator(check)


#: query parameters in exactly the documented formats (RFC 3339 date-time, ISO date)
IsoDateTime = Annotated[dt.datetime, _shaped(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}",
                                             "an RFC 3339 date-time")]
IsoDate = Annotated[dt.date, _shaped(r"^\d{4}-\d{2}-\d{2}$", "a date YYYY-MM-DD")]
#: a whole number as digits ("27", not "27.0"), a boolean as true or false ("1" is no answer)
QueryInt = Annotated[int, _shaped(r"^-?[0-9]+$", "a whole number")]
QueryBool = Annotated[bool, _shaped(r"^(true|false)$", "true or false")]
#: days the rules can be asked for (the lookup refuses others)
RULE_DAYS = r"^(20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$"

PROBLEM = {
    "title": "Problem", "type": "object", "required": ["detail"],
    "properties": {"detail": {"type": "string"},
                   "fields": {"type": "array", "items": {"type": "string"}}},
}
REASONS = {400: "The body is not readable JSON", 403: "Sent from another site",
           404: "Not found", 413: "Request body too large", 422: "Input not valid",
           429: "Too many requests (see Retry-After)",
           503: "The store cannot take the request now (see Retry-After)"}
#: extra statuses per operation (method, path); every /api operation also has 422 and 503
EXTRA = {
    ("get", "/api/v1/search"): (404, 429),
    ("get", "/api/v1/responsibility"): (404,),
    ("post", "/api/v1/referrals"): (403, 413, 429),
    ("get", "/api/v1/referrals/consent"): (404,),
    ("post", "/api/v1/referrals/status"): (404, 413, 429),
    ("post", "/api/v1/referrals/withdraw"): (403, 404, 413, 429),
}
#: the whitespace the API strips from text (pydantic-core: Unicode White_Space), and not
WS = "[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
TEXT = WS.replace("[", "[^", 1)
#: a string that is `pattern` once surrounding whitespace is stripped (the API strips it)
STRIPPED = "^" + WS + "*{}" + WS + "*$"


def _errors(op: dict, codes: Iterable[int]) -> None:
    responses = op.setdefault("responses", {})
    for code in codes:
        responses[str(code)] = {
            "description": REASONS[code],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def _place_parameter(op: dict, kommunen: dict[str, list[str]]) -> None:
    """`kommune` and `gemeinde` of the lookup: at least one of them; both together only
    as a Gemeinde of that Kommune (another pair is refused with 422)."""
    params = op.get("parameters", [])
    found = {p["name"]: p for p in params if p["name"] in ("kommune", "gemeinde")}
    if len(found) != 2:
        return

    def text(p: dict) -> dict:
        limit = next(b["maxLength"] for b in p["schema"]["anyOf"] if b.get("type") == "string")
        return {"type": "string", "minLength": 1, "maxLength": limit,
                "pattern": r"\S", "description": p.get("description", "")}

    props = {name: text(p) for name, p in sorted(found.items())}
    pairs = [{"required": ["kommune", "gemeinde"], "properties": {
        "kommune": {"const": k}, "gemeinde": {"enum": sorted(gemeinden)}}}
        for k, gemeinden in sorted(kommunen.items()) if gemeinden]
    op["parameters"] = [p for p in params if p["name"] not in found] + [{
        "name": "place", "in": "query", "required": True, "style": "form", "explode": True,
        "description": "The place, sent as the query parameters `kommune` (Kommune id) "
                       "and/or `gemeinde` (Gemeinde id): at least one; both only as a "
                       "Gemeinde of that Kommune",
        "schema": {"type": "object", "additionalProperties": False, "properties": props,
                   "minProperties": 1,
                   "anyOf": [
                       {"required": ["kommune"], "maxProperties": 1},
                       {"required": ["gemeinde"], "maxProperties": 1},
                       {"anyOf": pairs}]}}]


def _referral_body(schemas: dict, kommunen: dict[str, list[str]], topics: list[str],
                   special: list[str], email_pattern: str, phone_pattern: str) -> None:
    body = schemas.get("ReferralIn")
    if not body:
        return
    props = body["properties"]
    props["consent"] = {"const": True, "title": "Consent",
                        "description": "Exactly true: the person agreed to the information "
                                       "text shown (GET /api/v1/referrals/consent)"}
    props["kommune"] = {"enum": sorted(kommunen), "title": "Kommune"}
    props["topics"] = {"type": "array", "maxItems": 10, "title": "Topics",
                       "items": {"enum": topics}}
    # PHONE and EMAIL are matched on the stripped text: its first and last character are
    # no whitespace (PHONE's class holds a space, so the ends are spelled out)
    phone = (r"(?:\+[0-9 ()/.-]{4,29}[0-9()/.-]|[0-9()/.-][0-9 ()/.-]{3,28}[0-9()/.-])")
    email = email_pattern.strip("^$")
    if phone_pattern != r"^\+?[0-9 ()/.-]{5,30}$":
        raise RuntimeError("app.web.openapi: keep `phone` in step with referrals' PHONE")
    props["kommune"] = {"type": "string", "title": "Kommune", "description": "Kommune id",
                        "pattern": STRIPPED.format(_one_of(kommunen))}
    props["topics"] = {"type": "array", "maxItems": 10, "title": "Topics", "items": {
        "type": "string", "pattern": STRIPPED.format(_one_of(topics))}}
    body["allOf"] = [
        {"if": {"required": ["topics"], "properties": {"topics": {"contains": {
            "type": "string", "pattern": STRIPPED.format(_one_of(special))}}}},
         "then": {"required": ["consent_special"],
                  "properties": {"consent_special": {"const": True}}}},
        # a residence status is residence data: only with the extra consent (Art. 9)
        {"if": {"required": ["residence_status"], "properties": {
            "residence_status": {"type": "string"}}},
         "then": {"required": ["consent_special"],
                  "properties": {"consent_special": {"const": True}}}},
        {"if": {"required": ["contact_channel"], "properties": {
            "contact_channel": {"enum": ["phone", "sms", "whatsapp"]}}},
         "then": {"properties": {"contact": {"pattern": STRIPPED.format(phone)}}}},
        {"if": {"required": ["contact_channel"], "properties": {
            "contact_channel": {"const": "email"}}},
         "then": {"properties": {"contact": {"pattern": STRIPPED.format(email)}}}},
        {"anyOf": [  # a Gemeinde of the chosen Kommune, or none (empty)
            {"properties": {
                "kommune": {"type": "string", "pattern": STRIPPED.format(_one_of([k]))},
                "gemeinde": {"anyOf": [{"type": "null"}, {
                    "type": "string",
                    "pattern": STRIPPED.format(_one_of(gemeinden) + "?")}]}}}
            for k, gemeinden in sorted(kommunen.items())]},
    ]


def _one_of(values: Iterable[str]) -> str:
    """A regex group matching exactly one of `values` (ids and codes: letters, digits,
    dash, underscore)."""
    values = sorted(values)
    if not all(re.fullmatch(r"[A-Za-z0-9_-]+", v) for v in values):
        raise ValueError(f"ids with other characters than letters, digits, - and _: {values}")
    return "(?:" + "|".join(values) + ")" if values else "(?!)"


def _stripped_lengths(schema: dict) -> None:
    """Text fields the API strips: min/max length count the text without surrounding
    whitespace, said as a pattern (the raw length is not the limit)."""
    for prop in (schema.get("properties") or {}).values():
        branches = prop.get("anyOf", [prop])
        for b in branches:
            if b.get("type") != "string" or "enum" in b or "const" in b:
                continue
            low, high = b.pop("minLength", 0), b.pop("maxLength", None)
            if high is None:
                continue
            middle = rf"[\s\S]{{{max(low - 2, 0)},{high - 2}}}"
            if low == 0:
                b["pattern"] = STRIPPED.format(f"(?:{TEXT}(?:{middle}{TEXT})?)?")
            elif low == 1:
                b["pattern"] = STRIPPED.format(f"{TEXT}(?:{middle}{TEXT})?")
            else:
                b["pattern"] = STRIPPED.format(f"{TEXT}{middle}{TEXT}")


BOUNDS = {"ge": "minimum", "le": "maximum", "gt": "exclusiveMinimum", "lt": "exclusiveMaximum"}


def _bounds(schema: object) -> None:
    """pydantic writes the bounds of an `Annotated[...] | None` as `ge`/`le`, which JSON
    Schema does not know: they become `minimum`/`maximum` (what the code enforces)."""
    if isinstance(schema, dict):
        for short, name in BOUNDS.items():
            if short in schema and schema.get("type") in ("integer", "number"):
                schema[name] = schema.pop(short)
        for value in schema.values():
            _bounds(value)
    elif isinstance(schema, list):
        for value in schema:
            _bounds(value)


def install(app: FastAPI, facts: Callable[[], dict]) -> None:
    """Replace `app.openapi` with the corrected document; `facts()` gives the store's
    Kommunen (id -> Gemeinde ids), topic codes, special topics and the `per_page` limit
    (read once)."""

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        doc = get_openapi(title=app.title, version=app.version, routes=app.routes)
        known = facts()
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        schemas["Problem"] = PROBLEM
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        for name in ("ReferralIn", "OnBehalf"):
            if name in schemas:
                _stripped_lengths(schemas[name])
        _referral_body(schemas, known["kommunen"], known["topics"], known["special"],
                       known["email"], known["phone"])
        for path, ops in doc.get("paths", {}).items():
            for method, op in ops.items():
                if not path.startswith("/api/"):
                    continue
                codes = {422, 503, *EXTRA.get((method, path), ())}
                if re.search(r"\{[^}]+\}", path):
                    codes.add(404)
                _errors(op, sorted(codes))
                if "requestBody" in op:
                    _errors(op, (400, 413))  # a body that is no JSON, or too large
                for p in op.get("parameters", []):
                    if p["name"] == "per_page":
                        p["schema"]["maximum"] = known["per_page"]
                    if path == "/api/v1/responsibility" and p["name"] == "date":
                        for branch in p["schema"].get("anyOf", []):
                            if branch.get("format") == "date":
                                branch["pattern"] = RULE_DAYS
                if path == "/api/v1/responsibility":
                    _place_parameter(op, known["kommunen"])
        _bounds(doc)
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
