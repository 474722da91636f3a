"""`lotse referrals list --json`, `referrals index-names` and `lotse keys rotate|create`:
server-side commands, audited.

`referrals list` prints the referrals (all Kommunen or `--kommune ID`) with
their workflow data; the personal fields only with `--personal` (decrypted
on the server, audited as an export). It runs on the server, as the
operator (actor "cli" in the audit log).
"""

from __future__ import annotations

import json
import sys

from app.settings import Settings
from ops.drill import cmd_drill


def cmd_list(args, settings: Settings) -> int:
    from sqlalchemy import select

    from app.casework import inbox
    from app.keyring import KeyringMissing
    from app.referrals.models import Referral
    from app.services import migrated_store
    from app.staff import audit

    try:
        store = migrated_store(settings, keys=True)
    except KeyringMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    out = []
    with store.session.begin() as s:
        q = select(Referral).order_by(Referral.created_at)
        if args.kommune:
            q = q.where(Referral.kommune_id == args.kommune)
        for r in s.scalars(q):
            item = {"id": r.id, "reference": r.reference, "kommune": r.kommune_id,
                    "status": r.status, "created_at": r.created_at.isoformat(),
                    "language": r.language, "topics": r.topics, "assigned_to": r.assigned_to,
                    "consent": {"at": r.consent_at.isoformat(), "version": r.consent_version,
                                "sha256": r.consent_sha256, "locale": r.consent_locale,
                                "channel": r.consent_channel, "special": r.consent_special}}
            if args.personal:
                item["personal"] = inbox.personal(s, r)
            out.append(item)
        audit.record(s, "cli", "referral.export" if args.personal else "referral.list",
                     "referral", None, kommune_id=args.kommune)
    if args.json:
        print(json.dumps(out, indent=1, ensure_ascii=False))
    else:
        for item in out:
            print(f"{item['reference']}\t{item['kommune']}\t{item['status']}\t"
                  f"{item['created_at'][:16]}")
    return 0


def cmd_rotate(args, settings: Settings) -> int:
    from app.keyring import KeyringMissing
    from app.referrals.rotation import rotate, settle_seconds
    from app.services import migrated_store

    try:
        store = migrated_store(settings, keys=True)
    except KeyringMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    # running processes look at the key file every LOTSE_KEY_CHECK_SECONDS: wait for them
    settle = settle_seconds(settings) if args.settle is None else args.settle
    result = rotate(store, store.keyring, retire=not args.keep_old, settle=settle)
    print(json.dumps(result))
    return 0


def cmd_index_names(args, settings: Settings) -> int:
    from app.keyring import KeyringMissing
    from app.referrals.blind import backfill
    from app.services import migrated_store
    from app.staff import audit

    try:
        store = migrated_store(settings, keys=True)
    except KeyringMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    done = backfill(store)
    with store.session.begin() as s:
        audit.record(s, "cli", "referral.index_names", "referral", None)
    print(json.dumps({"indexed": done}))
    return 0


def cmd_keys_create(args, settings: Settings) -> int:
    from app.keyring import KeyringMissing, create_key_file
    from app.services import migrated_store

    try:
        path = create_key_file(settings, migrated_store(settings))
    except KeyringMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"key file written: {path} (mode 0600); back it up apart from the data")
    return 0


def register(sub) -> None:
    """The parser lines of this command group (called by `ops.cli.parser`)."""
    rf = sub.add_parser("referrals", help="referrals").add_subparsers(dest="sub", required=True)
    rl = rf.add_parser("list", help="list referrals (audited)")
    rl.add_argument("--json", action="store_true")
    rl.add_argument("--kommune", help="only this Kommune")
    rl.add_argument("--personal", action="store_true", help="include decrypted personal fields")
    rl.set_defaults(func=cmd_list)
    ri = rf.add_parser("index-names", help="blind index for the search by name of "
                       "referrals stored before it existed (once after the upgrade)")
    ri.set_defaults(func=cmd_index_names)
    rd = rf.add_parser("drill", help="reliability drill: load + SIGKILLs on 127.0.0.1")
    rd.add_argument("--clients", type=int, default=8)
    rd.add_argument("--posts", type=int, default=200, help="referrals per client")
    rd.add_argument("--kills", type=int, default=20, help="SIGKILLs of the server during load")
    rd.set_defaults(func=cmd_drill)
    k = sub.add_parser("keys", help="encryption keys").add_subparsers(dest="sub", required=True)
    kr = k.add_parser("rotate", help="new data key; re-encrypt every encrypted field")
    kr.add_argument("--keep-old", action="store_true", help="keep the old keys in the key file")
    kr.add_argument("--settle", type=float, default=None,
                    help="seconds to wait for running processes to take the new key, before "
                    "and after re-encrypting (default LOTSE_KEY_CHECK_SECONDS + 1; 0 when "
                    "no process runs)")
    kr.set_defaults(func=cmd_rotate)
    kc = k.add_parser("create", help="write the key file once (the production profile never "
                      "creates one by itself)")
    kc.set_defaults(func=cmd_keys_create)
