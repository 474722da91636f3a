"""`lotse referrals list --json` on the server: workflow data by default, personal data only
with --personal, and both audited (PRIV-13)."""

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select
from storekit import store_env

from app.staff.models import AuditEntry

BIN = Path(sys.executable).parent / "lotse"


def test_referrals_list_json_is_audited(make_light_client):
    c = make_light_client()
    r = c.post("/api/v1/referrals", json={"kommune": "demo", "contact": "0170 1234567",
                                          "consent": True, "name": "Listen-Canary",
                                          "topics": ["wohnen"]})
    reference = r.json()["reference"]
    env = store_env(c.app.state.settings)

    def lotse(*args):
        out = subprocess.run([str(BIN), "referrals", "list", *args], env=env,
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        return out.stdout

    (item,) = json.loads(lotse("--json"))
    assert item["reference"] == reference and item["topics"] == ["wohnen"]
    assert item["consent"]["channel"] == "self" and "personal" not in item
    assert "Listen-Canary" not in lotse("--json")
    (item,) = json.loads(lotse("--json", "--personal", "--kommune", "demo"))
    assert item["personal"]["name"] == "Listen-Canary"
    assert json.loads(lotse("--json", "--kommune", "koeln")) == []
    with c.app.state.services.store.session() as s:
        actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.actor == "cli")))
    assert actions.count("referral.list") == 3 and actions.count("referral.export") == 1
