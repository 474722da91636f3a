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
from the key file (`--retire`, default on), and running processes drop them
from memory when they next look at the file (`app.keyring`). The audit key is
not rotated (the chain must stay verifiable); the rotation itself is audited.

A rotation runs under the store's schema lock (`Store.exclusive`), after
reading the key file afresh: two rotations (`lotse keys rotate`, the shred job
`app.referrals.shred`) never interleave, and the new key's id is new in the
file. Crypto-shredding is a rotation after an erasure: the erased values are
gone from every live row, so nothing names their key any more and it is
retired; their copies in PostgreSQL's dead rows and WAL and in old backups stay
ciphertext under a key no key file holds.
"""

from __future__ import annotations

import time

from sqlalchemy import MetaData, Table, select, update

from app.keyring import Keyring
from app.referrals.models import ENCRYPTED
from app.staff import audit

BATCH = 200
SETTLE_MARGIN = 1.0  # seconds beyond LOTSE_KEY_CHECK_SECONDS


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


def settle_seconds(settings) -> float:
    """How long a rotation waits for running processes to take the new key: a little more
    than they take to notice a changed key file (`LOTSE_KEY_CHECK_SECONDS`)."""
    return settings.key_check_seconds + SETTLE_MARGIN


def rotate(store, keyring: Keyring, retire: bool = True, settle: float = 0.0,
           actor: str = "cli") -> dict:
    """Add a key, re-encrypt, retire the old keys; `settle`: seconds running processes
    need to notice a changed key file (`settle_seconds`). The result names the new key,
    how many values were re-encrypted, the keys retired and the old keys `kept` (still
    named by a value, or all of them without `retire`)."""
    with store.exclusive():  # one rotation at a time, across processes
        keyring.refresh(force=True)  # the file as it is now (another rotation may have run)
        new = keyring.add_key(save=True)
        time.sleep(settle)
        changed = reencrypt(store, keyring)
        if settle:
            time.sleep(settle)
            changed += reencrypt(store, keyring)
        retired: list[str] = []
        if retire:
            retired = keyring.retire(keys_in_use(store), save=True)
        kept = sorted(k for k in keyring.keys if k != new)
        with store.session.begin() as s:
            audit.record(s, actor, "keys.rotate", "keyring", new)
    return {"current": new, "reencrypted": changed, "retired": retired, "kept": kept}
