"""Key rotation (PRIV-09): `lotse keys rotate` re-encrypts every encrypted field.

Steps, each safe to repeat after a crash: (1) a new data key is added to the
key file and made current (written atomically, old keys kept); then it waits
`settle` seconds, so that running processes (which look at the key file every
`LOTSE_KEY_CHECK_SECONDS`) encrypt under the new key; (2) every row of every
table in `models.ENCRYPTED` is decrypted with its own key id and encrypted
with the new one, in batches of one transaction each, each value only if it is
still the one read (a value a running process wrote meanwhile is left to the
next pass); (3) after another `settle`, a second pass catches what running
processes wrote under the old key while they had not yet noticed the new
one; only when no value names an old key any more are the old keys dropped
from the key file (`--retire`, default on). The audit key is not rotated (the chain
must stay verifiable); the rotation itself is audited.
"""

from __future__ import annotations

import time

from sqlalchemy import MetaData, Table, select, update

from app.keyring import Keyring
from app.referrals.models import ENCRYPTED
from app.staff import audit

BATCH = 200


def _table(store, name: str) -> Table:
    return Table(name, MetaData(), autoload_with=store.engine)


def reencrypt(store, keyring: Keyring) -> int:
    """Re-encrypt every value not under the current key; returns the number of values."""
    changed = 0
    tables = {name: _table(store, name) for name in ENCRYPTED}  # reflect before writing
    for name, columns in ENCRYPTED.items():
        table = tables[name]
        pk = table.c.id
        last = ""
        while True:
            with store.session.begin() as s:
                rows = s.execute(select(pk, *[table.c[c] for c in columns])
                                 .where(pk > last).order_by(pk).limit(BATCH)).all()
                if not rows:
                    break
                for row in rows:
                    values = {}
                    for col in columns:
                        old = getattr(row, col)
                        if old is None or Keyring.key_id(old) == keyring.current:
                            continue
                        plain = keyring.decrypt(name, row.id, col, old)
                        values[col] = keyring.encrypt(name, row.id, col, plain)
                    if values:  # only if unchanged since read (a running process may write)
                        same = [table.c[c] == getattr(row, c) for c in values]
                        if s.execute(update(table).where(pk == row.id, *same)
                                     .values(**values)).rowcount == 1:
                            changed += len(values)
                last = rows[-1].id
    return changed


def keys_in_use(store) -> set[str]:
    used: set[str] = set()
    tables = {name: _table(store, name) for name in ENCRYPTED}  # reflect before reading
    with store.engine.connect() as c:
        for name, columns in ENCRYPTED.items():
            table = tables[name]
            for col in columns:
                for (v,) in c.execute(select(table.c[col]).where(table.c[col].is_not(None))):
                    used.add(Keyring.key_id(v))
    return used


def rotate(store, keyring: Keyring, retire: bool = True, settle: float = 0.0) -> dict:
    """Add a key, re-encrypt, retire the old keys; `settle`: seconds running processes
    need to notice a changed key file (a little more than `LOTSE_KEY_CHECK_SECONDS`)."""
    new = keyring.add_key()
    keyring.save()
    time.sleep(settle)
    changed = reencrypt(store, keyring)
    if settle:
        time.sleep(settle)
        changed += reencrypt(store, keyring)
    retired = []
    if retire:
        in_use = keys_in_use(store)
        for kid in [k for k in keyring.keys if k != keyring.current and k not in in_use]:
            del keyring.keys[kid]
            retired.append(kid)
        keyring.save()
    with store.session.begin() as s:
        audit.record(s, "cli", "keys.rotate", "keyring", new)
    return {"current": new, "reencrypted": changed, "retired": retired}
