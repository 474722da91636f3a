"""The production profile (issue 15): no demo data, no key creation, no migration at start,
one torch thread per process; each refusal with a message that says what to do."""

import pytest
from pydantic import ValidationError

from app.keyring import KeyringMissing, key_path
from app.main import open_store
from app.services import schema_is_current
from app.settings import Settings
from directory.db import SchemaOutdated
from ops.cli import main


def test_production_turns_demo_key_creation_and_migration_off(tmp_path):
    dev = Settings(data_dir=tmp_path)
    assert dev.load_demo and dev.create_key and dev.auto_migrate
    prod = Settings(data_dir=tmp_path, profile="production")
    assert (prod.load_demo, prod.create_key, prod.auto_migrate) == (False, False, False)
    assert dev.torch_threads == prod.torch_threads == 1
    # a copy of the production settings stays production (the tests' make_client does this)
    assert not Settings(**prod.model_dump()).load_demo


@pytest.mark.parametrize("name", ["load_demo", "create_key", "auto_migrate"])
def test_production_refuses_a_contradicting_setting(tmp_path, name):
    with pytest.raises(ValidationError, match=f"LOTSE_{name.upper()}=true contradicts"):
        Settings(data_dir=tmp_path, profile="production", **{name: True})
    Settings(data_dir=tmp_path, profile="production", **{name: False})


def test_the_command_line_names_the_contradiction(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("LOTSE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LOTSE_PROFILE", "production")
    monkeypatch.setenv("LOTSE_LOAD_DEMO", "true")
    assert main(["info"]) == 2
    assert "LOTSE_LOAD_DEMO=true contradicts LOTSE_PROFILE=production" in capsys.readouterr().err


def test_production_start_refuses_a_schema_that_is_not_current(monkeypatch, tmp_path, capsys):
    prod = Settings(data_dir=tmp_path, profile="production", model="")
    with pytest.raises(SchemaOutdated, match="lotse migrate"):
        open_store(prod)
    monkeypatch.setenv("LOTSE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LOTSE_PROFILE", "production")
    monkeypatch.setenv("LOTSE_MODEL", "")
    assert main(["serve", "--port", "1"]) == 2  # as every command on an outdated schema
    assert "run `lotse migrate` first" in capsys.readouterr().err


def test_production_needs_a_key_file_and_loads_no_demo(monkeypatch, tmp_path, capsys):
    dev = Settings(data_dir=tmp_path, model="", load_demo=False)
    open_store(dev).engine.dispose()  # the migration step (`lotse migrate` does this)
    prod = Settings(data_dir=tmp_path, profile="production", model="")
    store = open_store(prod)
    assert schema_is_current(store)
    assert store.offers() == []  # no demo directory
    from app.keyring import open_keyring

    with pytest.raises(KeyringMissing, match="production profile never creates one.*"
                                             "lotse keys create"):
        open_keyring(prod, store)
    assert not key_path(prod).exists()

    monkeypatch.setenv("LOTSE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LOTSE_PROFILE", "production")
    assert main(["keys", "create"]) == 0
    assert key_path(prod).stat().st_mode & 0o777 == 0o600
    assert open_keyring(prod, store).current
    assert main(["keys", "create"]) == 1  # never overwritten
    assert "exists at" in capsys.readouterr().err


def test_the_encoder_runs_on_one_torch_thread(encoder):
    import torch

    assert encoder.threads == 1
    encoder.claim_threads()
    assert torch.get_num_threads() == 1
