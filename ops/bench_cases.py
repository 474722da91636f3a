"""`lotse bench --cases N`: page load of the case-management pages with N cases in one Kommune.

A fresh store (migrated, demo directory) gets N referrals in the demo Kommune
(default 10,000; encrypted personal fields and name tokens as `submit` writes
them), each tenth with a Hilfeplan goal, a linking and a follow-up due today,
a few hundred handed over to Köln; then the real app answers in-process
(httpx through Starlette's TestClient, a logged-in case manager) and every
page is loaded 20 times after one warm-up: the inbox, the search by name and by
reference, a case page, the "due today" list, the caseload and the sender's
hand-over records. Reported: median and 95th percentile milliseconds per page.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

from app.settings import Settings

NAMES = ("Amira", "Yusuf", "Olena", "Mohammed", "Fatima", "Dmytro", "Aylin", "Samir", "Nour",
         "Hassan", "Maryam", "Tigist", "Abdi", "Zeynep", "Ivan", "Layla")
FAMILY = ("Al-Hassan", "Demir", "Kovalenko", "Haidari", "Tesfaye", "Yilmaz", "Popescu",
          "Rahimi", "Warsame", "Nasser", "Petrenko", "Osman")


def _fill(store, n: int) -> tuple[str, str]:
    """N referrals in the demo Kommune with case rows; returns (one id, its reference)."""
    from app.casework.models import CaseEvent, CaseFollowUp, CaseGoal, CaseHandover, CaseLink
    from app.keyring import keyring_of
    from app.referrals import blind
    from app.referrals.models import Referral, ReferralNameToken, utcnow
    from app.referrals.service import new_reference

    now = utcnow()
    statuses = ("neu", "erstkontakt", "assessment", "hilfeplanung", "linking", "monitoring",
                "abgeschlossen")
    first = ("", "")
    for start in range(0, n, 1000):
        with store.session.begin() as s:
            keys = keyring_of(s)
            for i in range(start, min(n, start + 1000)):
                ref = Referral(reference=new_reference(), kommune_id="demo", language="ar",
                               topics=["sprache"], consent_at=now, consent_version="bench",
                               consent_sha256="0" * 64, consent_locale="ar",
                               consent_channel="self", status=statuses[i % len(statuses)],
                               version=1, created_at=now - dt.timedelta(minutes=i))
                s.add(ref)
                s.flush()
                name = f"{NAMES[i % len(NAMES)]} {FAMILY[(i // 16) % len(FAMILY)]} {i}"
                ref.name = keys.encrypt("referral", ref.id, "name", name)
                ref.contact = keys.encrypt("referral", ref.id, "contact", f"0170 {i:07d}")
                ref.secret = keys.encrypt("referral", ref.id, "secret", "X")
                s.add_all(ReferralNameToken(referral_id=ref.id, kommune_id="demo",
                                            token=keys.blind(w)) for w in blind.tokens(name))
                if not first[0]:
                    first = (ref.id, ref.reference)
                if i % 10 == 0:
                    for row in (CaseGoal(referral_id=ref.id, kommune_id="demo", agreed=True),
                                CaseLink(referral_id=ref.id, kommune_id="demo", kind="jmd"),
                                CaseFollowUp(referral_id=ref.id, kommune_id="demo",
                                             kind="followup", due_at=now),
                                CaseEvent(referral_id=ref.id, kommune_id="demo",
                                          from_status="neu", to_status="erstkontakt")):
                        s.add(row)
                if i % 30 == 0:
                    s.add(CaseHandover(referral_id=ref.id, reference=ref.reference,
                                       from_kommune="demo", to_kommune="koeln",
                                       from_status="neu", sender_id="bench",
                                       accepted_at=now))
        print(f"  {min(n, start + 1000)} cases", file=sys.stderr)
    return first


def run_case_bench(settings: Settings, n: int, repeat: int = 20) -> dict:
    from fastapi.testclient import TestClient

    from app.main import create_app, open_store
    from app.services import Services
    from app.staff import accounts, totp
    from index.engine import SearchEngine

    password = secrets.token_urlsafe(16)  # a throw-away account in a throw-away store
    with tempfile.TemporaryDirectory() as tmp:
        own = Settings(data_dir=Path(tmp), model="", database_url="", key_file="")
        store = open_store(own)
        engine = SearchEngine(None)
        engine.build(store.offers())
        app = create_app(own, Services(own, store, engine, ready=True))  # binds the keyring
        t0 = time.perf_counter()
        rid, reference = _fill(store, n)
        fill_s = time.perf_counter() - t0
        with store.session.begin() as s:
            _, totp_secret = accounts.create_user(s, "cli", "bench.cm", password, ["case_manager"],
                                             "demo")
        with TestClient(app, base_url="https://testserver") as c:
            page = c.get("/staff/login")
            found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            if found is None:
                raise RuntimeError("no login form")
            token = found.group(1)
            r = c.post("/staff/login", data={"username": "bench.cm", "password": password,
                                             "code": totp.code_now(totp_secret),
                                             "csrf_token": token, "next": "/staff"},
                       follow_redirects=False)
            if r.status_code != 303:
                raise RuntimeError(f"login failed: {r.status_code}")
            pages = {"inbox": "/staff/referrals",
                     "search by name": "/staff/referrals?q=amira+al-hassan",
                     "search by reference": f"/staff/referrals?q={reference}",
                     "case page": f"/staff/referrals/{rid}",
                     "due today": "/staff/cases/due",
                     "caseload": "/staff/cases/caseload",
                     "handed over": "/staff/referrals?status=weitergeleitet"}
            out: dict = {"cases": n, "fill_s": round(fill_s, 1), "pages_ms": {}}
            for label, path in pages.items():
                c.get(path)  # one warm-up (template compilation, caches), not counted
                times = []
                for _ in range(repeat):
                    t = time.perf_counter()
                    resp = c.get(path)
                    times.append((time.perf_counter() - t) * 1000)
                    if resp.status_code != 200:
                        raise RuntimeError(f"{path}: {resp.status_code}")
                times.sort()
                out["pages_ms"][label] = {"median": round(statistics.median(times), 1),
                                          "p95": round(times[int(0.95 * (len(times) - 1))], 1),
                                          "bytes": len(resp.content)}
        store.engine.dispose()
    return out


def print_case_bench(result: dict, as_json: bool) -> None:
    import json

    if as_json:
        print(json.dumps(result, indent=1))
        return
    print(f"{result['cases']} cases in one Kommune (filled in {result['fill_s']} s)")
    print(f"{'page':24}{'median ms':>12}{'p95 ms':>10}{'bytes':>10}")
    for label, v in result["pages_ms"].items():
        print(f"{label:24}{v['median']:>12}{v['p95']:>10}{v['bytes']:>10}")
