"""Every setting is declared once and documented in the README with its default."""

from pathlib import Path

from app.settings import Settings, redact_url

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_readme_documents_every_setting():
    for name, field in Settings.model_fields.items():
        env = f"LOTSE_{name.upper()}"
        # the row of the configuration table (other sections may name the variable too)
        line = next((ln for ln in README.splitlines() if ln.startswith(f"| `{env}` |")), None)
        assert line, f"{env} missing from README"
        default = field.default
        shown = "" if default in ("", None) else str(default).lower()
        assert shown in line.lower(), f"README shows another default for {env}"


def test_environment_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv("LOTSE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LOTSE_PORT", "9001")
    s = Settings()
    assert s.data_dir == tmp_path and s.port == 9001
    assert s.resolved_database_url == f"sqlite:///{(tmp_path / 'lotse.db').resolve()}"


def test_database_url_is_shown_without_password():
    assert "geheim" not in redact_url("postgresql://lotse:geheim@db/lotse")
