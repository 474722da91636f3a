"""Keys that live outside the database: field encryption (AES-256-GCM) and the audit HMAC key.

The key file (`LOTSE_KEY_FILE`, default `<data dir>/keyring.json`, mode 0600)
holds one or more 256-bit data keys, each with an id, the id of the current
one, and a separate 256-bit key for the audit log's HMAC chain:

    {"version": 1, "current": "k1", "keys": {"k1": "<base64>"}, "audit": "<base64>"}

It never goes into the database or the repository (`var/` is git-ignored; in
production put it on another volume or a secrets mount). On the first start
of a store that holds no encrypted data the app creates it (0600, when
`LOTSE_CREATE_KEY` is true); a store that already holds encrypted data and
no key file refuses to start (`KeyringMissing`), so data is never written
under a key nobody keeps.

An encrypted field is the text `v1:<key id>:<base64(nonce | ciphertext+tag)>`
with a random 96-bit nonce and the associated data `table:id:field`, so a
value copied into another row or column does not decrypt. `lotse keys
rotate` adds a key, makes it current and re-encrypts every row
(`app.referrals.rotation`).

Running processes follow a rotation without a restart: before encrypting or
decrypting, a keyring looks at its file's modification time (at most every
`LOTSE_KEY_CHECK_SECONDS`; at once after SIGHUP, `request_reload`) and takes
the file's keys and current key; a value under a key id it does not know makes
it read the file at once. Decryption tries the value's own key first, then
every other known key (the associated data still binds the value to its row
and column).

A key the file no longer lists was retired by a rotation (crypto-shredding
after an erasure, `app.referrals.shred`), and the process drops it too, with
its cipher object: a retired key must not live on in memory. That is safe
because the rotation retires a key only when no stored value names it, after
it made the new key current in the file and waited twice for running
processes to notice (`settle`, more than `LOTSE_KEY_CHECK_SECONDS`): by then
every process encrypts under the new key, and nothing stored needs the old
one. Only a request that held a value under the old key for longer than both
settles (read before the re-encryption, decrypted after the retirement) would
fail, with the 503 of a value no key opens; a value such a request stored under
the old key would not open after a restart either. A key file that cannot be
read (mid-write, damaged) changes nothing: the process keeps its keys.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

log = logging.getLogger("lotse")
PREFIX = "v1"
CHECK_SECONDS = 2.0  # default of LOTSE_KEY_CHECK_SECONDS


class KeyringMissing(RuntimeError):
    """No key file where one is needed: the app refuses to start."""


class DecryptionFailed(ValueError):
    """A value that does not decrypt with its key and associated data."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode(), validate=True)


@dataclass
class Keyring:
    keys: dict[str, bytes]
    current: str
    audit_key: bytes
    path: Path | None = None
    _cache: dict[bytes, AESGCM] = field(default_factory=dict, repr=False)  # by key bytes
    check_seconds: float = CHECK_SECONDS
    _mtime: float = field(default=0.0, repr=False)
    _checked: float = field(default=0.0, repr=False)
    _reload: bool = field(default=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # --- file -----------------------------------------------------------------

    @classmethod
    def generate(cls) -> Keyring:
        return cls({"k1": AESGCM.generate_key(bit_length=256)}, "k1", secrets.token_bytes(32))

    @classmethod
    def load(cls, path: Path) -> Keyring:
        data = json.loads(path.read_text())
        keys = {kid: _unb64(v) for kid, v in data["keys"].items()}
        if data["current"] not in keys or any(len(k) != 32 for k in keys.values()):
            raise ValueError(f"{path}: the key file is damaged")
        if path.stat().st_mode & 0o077:
            log.warning("%s is readable by others; chmod 600 it", path)
        ring = cls(keys, data["current"], _unb64(data["audit"]), path)
        ring._mtime, ring._checked = path.stat().st_mtime, time.monotonic()
        return ring

    # --- following the file (rotation while running) ---------------------------

    def request_reload(self) -> None:
        """Read the file again before the next use (safe to call from a signal handler)."""
        self._reload = True

    def refresh(self, force: bool = False) -> bool:
        """Follow the file if it changed: its keys (dropping those it no longer lists: a
        rotation retired them) and its current key; True if either changed."""
        if self.path is None:
            return False
        now = time.monotonic()
        if not (force or self._reload or now - self._checked >= self.check_seconds):
            return False
        with self._lock:
            self._checked, self._reload = now, False
            try:
                mtime = self.path.stat().st_mtime
                if mtime == self._mtime and not force:
                    return False
                fresh = Keyring.load(self.path)
            except (OSError, ValueError, KeyError) as exc:  # mid-write or damaged: keep ours
                log.error("key file not reloaded: %s", type(exc).__name__)
                return False
            changed = fresh.keys != self.keys or fresh.current != self.current
            dropped = [k for k in self.keys if k not in fresh.keys]
            # a new dict, never changed in place: a decryption running meanwhile keeps its own
            self.keys, self.current, self._mtime = dict(fresh.keys), fresh.current, fresh._mtime
            self._prune()
        if changed:
            log.warning("key file reloaded: current key %s, %d keys known, %d retired",
                        self.current, len(self.keys), len(dropped))
        return changed

    def save(self, path: Path | None = None) -> None:
        """Write atomically with mode 0600 (temp file, fsync, rename)."""
        with self._lock:
            self._write(path)

    def _write(self, path: Path | None = None) -> None:
        path = path or self.path
        if path is None:
            raise ValueError("a key file needs a path")
        path.parent.mkdir(parents=True, exist_ok=True)
        body = json.dumps({"version": 1, "current": self.current,
                           "keys": {k: _b64(v) for k, v in self.keys.items()},
                           "audit": _b64(self.audit_key)}, indent=1)
        tmp = path.with_name(path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(body)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        self.path = path
        self._mtime = path.stat().st_mtime

    def add_key(self, save: bool = False) -> str:
        """A new data key that becomes current (and, with `save`, the file's: in one step,
        so a reload in another thread never meets the one without the other); returns its
        id."""
        with self._lock:
            n = max(int(k[1:]) for k in self.keys if k[1:].isdigit()) + 1 if self.keys else 1
            kid = f"k{n}"
            self.keys = {**self.keys, kid: AESGCM.generate_key(bit_length=256)}
            self.current = kid
            if save:
                self._write()
        return kid

    def retire(self, in_use: set[str], save: bool = False) -> list[str]:
        """Drop every key but the current one and those in `in_use`, with their cipher
        objects (with `save`, from the file too, in one step); returns the ids dropped."""
        with self._lock:
            gone = [k for k in self.keys if k != self.current and k not in in_use]
            self.keys = {k: v for k, v in self.keys.items() if k not in gone}
            self._prune()
            if save:
                self._write()
        return gone

    def _prune(self) -> None:
        """Forget the cipher objects of keys no longer held."""
        held = set(self.keys.values())
        for secret in [s for s in self._cache if s not in held]:
            self._cache.pop(secret, None)

    # --- fields ---------------------------------------------------------------

    def _aead(self, key: bytes) -> AESGCM:
        aead = self._cache.get(key)
        if aead is None:
            aead = AESGCM(key)
            with self._lock:  # a key retired meanwhile is used this once, not kept
                if key in self.keys.values():
                    self._cache[key] = aead
        return aead

    def encrypt(self, table: str, row_id: str, column: str, plaintext: str | None) -> str | None:
        if plaintext is None:
            return None
        self.refresh()  # a rotation elsewhere: encrypt under the new current key
        with self._lock:  # the current id and its key as one pair
            kid, key = self.current, self.keys[self.current]
        nonce = secrets.token_bytes(12)
        ad = f"{table}:{row_id}:{column}".encode()
        ct = self._aead(key).encrypt(nonce, plaintext.encode("utf-8"), ad)
        return f"{PREFIX}:{kid}:{_b64(nonce + ct)}"

    def decrypt(self, table: str, row_id: str, column: str, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            prefix, kid, body = value.split(":", 2)
            raw = _unb64(body)
        except ValueError as exc:
            raise DecryptionFailed(f"{table}.{column} of {row_id} is no encrypted value") \
                from exc
        if prefix != PREFIX:
            raise DecryptionFailed(f"{table}.{column} of {row_id}: unknown format")
        # a key added by a rotation in another process: at once; one retired: soon
        self.refresh(force=kid not in self.keys)
        keys = self.keys  # this moment's keys (a reload replaces the dict, never changes it)
        ad = f"{table}:{row_id}:{column}".encode()
        for candidate in [kid] * (kid in keys) + [k for k in keys if k != kid]:
            try:
                return self._aead(keys[candidate]).decrypt(raw[:12], raw[12:], ad) \
                    .decode("utf-8")
            except (ValueError, InvalidTag):
                continue
        raise DecryptionFailed(f"{table}.{column} of {row_id} does not decrypt")

    @staticmethod
    def key_id(value: str | None) -> str | None:
        return value.split(":", 2)[1] if value else None

    # --- audit ----------------------------------------------------------------

    def mac(self, message: bytes) -> str:
        return hmac.new(self.audit_key, message, hashlib.sha256).hexdigest()

    def blind(self, token: str) -> str:
        """Keyed blind-index value of a normalised search token (a key derived for this use
        only from the audit key, which is never rotated, so the index stays valid)."""
        key = hmac.new(self.audit_key, b"lotse/blind-index/v1", hashlib.sha256).digest()
        return hmac.new(key, token.encode("utf-8"), hashlib.sha256).hexdigest()


def key_path(settings) -> Path:
    return Path(settings.key_file) if settings.key_file else settings.data_dir / "keyring.json"


def open_keyring(settings, store) -> Keyring:
    """Load the key file; create it only for a store without encrypted data.

    Binds the keyring to the store's sessions (`session.info["keyring"]`),
    where the audit log and the encrypted fields find it.
    """
    path = key_path(settings)
    if path.exists():
        keyring = Keyring.load(path)
    else:
        with store.exclusive():  # processes started together create one key file, not two
            keyring = _load_or_create(settings, store, path)
    keyring.check_seconds = settings.key_check_seconds
    bind(store, keyring)
    return keyring


def _load_or_create(settings, store, path: Path) -> Keyring:
    if path.exists():  # another process created it while this one waited for the lock
        return Keyring.load(path)
    if not settings.create_key:
        why = ("the production profile never creates one"
               if settings.profile == "production" else "LOTSE_CREATE_KEY=false")
        raise KeyringMissing(
            f"no key file at {path} (LOTSE_KEY_FILE) and {why}: create it once with "
            "`lotse keys create`, back it up apart from the data; refusing to start")
    if holds_encrypted_data(store):
        raise KeyringMissing(
            f"the store holds encrypted data but there is no key file at {path}; "
            "restore the key file (LOTSE_KEY_FILE) — refusing to start")
    keyring = Keyring.generate()
    keyring.save(path)
    log.warning("created a new key file at %s (mode 0600); back it up apart from the data",
                path)
    return keyring


def create_key_file(settings, store) -> Path:
    """Write a new key file where the settings name it, for a store without encrypted data
    (`lotse keys create`, the one way the production profile gets a key file)."""
    path = key_path(settings)
    if path.exists():
        raise KeyringMissing(f"a key file exists at {path} already; it is left as it is")
    if holds_encrypted_data(store):
        raise KeyringMissing(f"the store holds encrypted data: a new key file at {path} could "
                             "not read it; restore the key file instead")
    path.parent.mkdir(parents=True, exist_ok=True)
    Keyring.generate().save(path)
    return path


def bind(store, keyring: Keyring) -> None:
    store.session.configure(info={"keyring": keyring})
    store.keyring = keyring


def keyring_of(session) -> Keyring:
    """The keyring bound to this ORM session; failing closed when there is none."""
    keyring = session.info.get("keyring")
    if keyring is None:
        raise KeyringMissing("no keyring bound to this store session")
    return keyring


def holds_encrypted_data(store) -> bool:
    """True when any table that stores encrypted fields or the audit chain has rows."""
    from sqlalchemy import inspect, literal, select, table

    names = set(inspect(store.engine).get_table_names())
    with store.engine.connect() as c:
        for name in ("staff_user", "audit_log", "referral"):
            if name in names and c.execute(
                    select(literal(1)).select_from(table(name)).limit(1)).first():
                return True
    return False
