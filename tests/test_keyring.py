"""Keys outside the database (PRIV-08/09): AES-256-GCM fields, key file, refusing to start."""

import stat

import pytest
from staffkit import add_user

from app.keyring import DecryptionFailed, Keyring, KeyringMissing, key_path
from app.main import create_app


def test_fields_are_aes_gcm_with_key_id_and_associated_data():
    k = Keyring.generate()
    a = k.encrypt("referral", "id1", "name", "Amina")
    b = k.encrypt("referral", "id1", "name", "Amina")
    assert a != b  # random nonce
    assert a.startswith("v1:k1:") and Keyring.key_id(a) == "k1"
    assert k.decrypt("referral", "id1", "name", a) == "Amina"
    with pytest.raises(DecryptionFailed):
        k.decrypt("referral", "id2", "name", a)  # copied into another row
    with pytest.raises(DecryptionFailed):
        k.decrypt("referral", "id1", "contact", a)  # or another column
    old = a
    k.add_key()
    assert k.current == "k2" and k.decrypt("referral", "id1", "name", old) == "Amina"
    assert Keyring.key_id(k.encrypt("referral", "id1", "name", "x")) == "k2"


def test_key_file_is_private_and_not_in_the_database(make_light_client):
    c = make_light_client()
    _, secret = add_user(c, "kim", ["editor"])
    settings = c.app.state.settings
    path = key_path(settings)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    keyring = Keyring.load(path)
    db = b"".join(p.read_bytes() for p in settings.data_dir.glob("lotse.db*"))
    for key in [*keyring.keys.values(), keyring.audit_key]:
        assert key not in db
    assert secret.encode() not in db  # the TOTP secret is stored encrypted


def test_app_refuses_to_start_without_its_key(make_light_client):
    c = make_light_client()
    add_user(c, "luz", ["editor"])  # the store now holds encrypted data
    settings, services = c.app.state.settings, c.app.state.services
    key_path(settings).rename(settings.data_dir / "elsewhere.json")
    with pytest.raises(KeyringMissing):
        create_app(settings, services)


def test_strict_mode_never_creates_a_key(make_light_client, tmp_path):
    c = make_light_client()
    strict = c.app.state.settings.model_copy(update={"create_key": False,
                                                     "key_file": str(tmp_path / "none.json")})
    with pytest.raises(KeyringMissing):
        create_app(strict, c.app.state.services)
