"""`lotse user …` and `lotse audit verify`: the server-side account commands.

`lotse user add` is the one-time bootstrap (SEC-04): there are no default
accounts; while the store has no active admin it creates one (the role
must include admin), after that it refuses and points to the staff area's
account page (/staff/users). It asks for the password twice (or reads it
from stdin with `--password-stdin`) and prints the TOTP key as text and as
a QR code for the authenticator app. `lotse user disable NAME` is the
emergency brake (ends the user's sessions at once); a disabled last admin
lets `lotse user add` bootstrap again. Everything is audited (actor "cli").
"""

from __future__ import annotations

import getpass
import json
import sys

from app.settings import Settings


def _password(args) -> str:
    from app.staff import accounts

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise accounts.AccountError("the two passwords differ")
    return first


def cmd_user_add(args, settings: Settings) -> int:
    from app.keyring import KeyringMissing
    from app.services import migrated_store
    from app.staff import accounts, totp

    try:
        store = migrated_store(settings, keys=True)
        roles = sorted(set(args.role or ["admin"]))
        with store.session() as s:
            if accounts.active_admins(s):
                print("error: an admin exists already; add accounts in the staff area "
                      "(/staff/users). `lotse user add` only bootstraps the first admin.",
                      file=sys.stderr)
                return 2
        if "admin" not in roles:
            print("error: the first account must be an admin (--role admin)", file=sys.stderr)
            return 2
        password = _password(args)
        with store.session.begin() as s:
            user, secret = accounts.create_user(s, "cli", args.username, password, roles,
                                                args.kommune or None, args.name or "")
            name, kommune = user.username, user.kommune_id
    except (accounts.AccountError, KeyringMissing) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    uri = totp.provisioning_uri(secret, name)
    print(f"created {name} ({', '.join(roles)}; Kommune: {kommune or 'all'})")
    print(f"second factor: add this key to an authenticator app: {secret}")
    print(uri)
    if sys.stdout.isatty():
        import segno

        segno.make(uri, error="m").terminal(compact=True)
    return 0


def cmd_user_disable(args, settings: Settings) -> int:
    from sqlalchemy import select

    from app.services import migrated_store
    from app.staff import accounts
    from app.staff.models import StaffUser

    store = migrated_store(settings, keys=True)
    with store.session.begin() as s:
        user = s.scalar(select(StaffUser).where(StaffUser.username == args.username.lower()))
        if user is None:
            print(f"error: no user {args.username!r}", file=sys.stderr)
            return 1
        accounts.set_active(s, "cli", user, False)
    print(f"disabled {args.username}; their sessions have ended")
    return 0


def cmd_user_list(args, settings: Settings) -> int:
    from sqlalchemy import select

    from app.services import migrated_store
    from app.staff import audit
    from app.staff.models import StaffUser

    store = migrated_store(settings, keys=True)
    with store.session.begin() as s:
        users = [{"username": u.username, "roles": u.roles, "kommune": u.kommune_id,
                  "active": u.active}
                 for u in s.scalars(select(StaffUser).order_by(StaffUser.username))]
        audit.record(s, "cli", "user.list", "staff_user", None)
    if args.json:
        print(json.dumps(users, indent=1))
    else:
        for u in users:
            state = "active" if u["active"] else "disabled"
            print(f"{u['username']}\t{','.join(u['roles'])}\t{u['kommune'] or 'all'}\t{state}")
    return 0


def cmd_audit_verify(args, settings: Settings) -> int:
    from app.services import migrated_store
    from app.staff import audit

    store = migrated_store(settings, keys=True)
    with store.session() as s:
        ok, broken, count = audit.verify(s)
    if ok:
        print(f"audit log intact: {count} entries")
        return 0
    print(f"audit log BROKEN at entry {broken} (checked {count})", file=sys.stderr)
    return 1


def register(sub) -> None:
    """The parser lines of this command group (called by `ops.cli.parser`)."""
    u = sub.add_parser("user", help="staff accounts").add_subparsers(dest="sub", required=True)
    ua = u.add_parser("add", help="bootstrap the first admin (there are no default accounts)")
    ua.add_argument("username")
    ua.add_argument("--role", action="append", help="repeatable; default admin",
                    choices=["admin", "case_manager", "editor", "coordinator"])
    ua.add_argument("--kommune", help="Kommune id; empty = state-wide")
    ua.add_argument("--name", help="name shown in the staff area")
    ua.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    ua.set_defaults(func=cmd_user_add)
    ud = u.add_parser("disable", help="disable an account and end its sessions")
    ud.add_argument("username")
    ud.set_defaults(func=cmd_user_disable)
    ul = u.add_parser("list", help="list the staff accounts")
    ul.add_argument("--json", action="store_true")
    ul.set_defaults(func=cmd_user_list)
    au = sub.add_parser("audit", help="audit log").add_subparsers(dest="sub", required=True)
    av = au.add_parser("verify", help="check the HMAC chain of the audit log")
    av.set_defaults(func=cmd_audit_verify)
