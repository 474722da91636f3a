"""The deployment files of ops/deploy (issue 15), checked for what they promise: no container
daemon runs here, so the Containerfile is read, not built; its Python steps (the htmx fetch)
are compiled, the systemd units are checked by `systemd-analyze` where it exists."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parent.parent / "ops" / "deploy"
ROOT = DEPLOY.parent.parent


def _instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Containerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", path.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_containerfile_builds_from_the_lock_with_the_model_as_non_root():
    steps = _instructions(DEPLOY / "Containerfile")
    runs = " && ".join(rest for word, rest in steps if word == "RUN")
    # the locked requirements, every file checked against its hash; CPU torch
    assert "pip install --require-hashes --no-deps" in runs and "-r requirements.lock" in runs
    assert "download.pytorch.org/whl/cpu" in runs
    assert "+cpu" in (ROOT / "requirements.lock").read_text().split("torch==", 1)[1][:20]
    assert "pip check" in runs
    # the model is in the image; nothing is downloaded at run time
    assert "lotse model install" in runs
    env = " ".join(rest for word, rest in steps if word == "ENV")
    assert "HF_HUB_OFFLINE=1" in env and "LOTSE_PROFILE=production" in env
    assert "LOTSE_TORCH_THREADS=1" in env
    # htmx with the same version and hash as the Makefile
    makefile = (ROOT / "Makefile").read_text()
    for name in ("HTMX_VERSION", "HTMX_SHA256"):
        value = re.search(rf"^{name} := (\S+)$", makefile, re.M).group(1)
        assert f"ARG {name}={value}" in (DEPLOY / "Containerfile").read_text()
    # the last stage runs as an unprivileged user, which it creates
    last = steps[max(i for i, (w, _) in enumerate(steps) if w == "FROM"):]
    users = [rest for word, rest in last if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert any(word == "RUN" and "useradd" in rest for word, rest in last)
    assert ("CMD", '["lotse", "serve"]') in last
    # every source folder the app needs at run time is copied
    copied = {rest.split()[0] for word, rest in steps if word == "COPY" and "--from" not in rest}
    assert {"app", "directory", "index", "ops", "migrations", "locales"} <= copied


def test_containerfile_htmx_step_is_valid_python():
    text = re.sub(r"\\\n", " ", (DEPLOY / "Containerfile").read_text())
    code = re.search(r'python -c "(import hashlib.*?)"\s*$', text, re.M | re.S).group(1)
    code = code.replace("${HTMX_VERSION}", "2.0.11").replace("${HTMX_SHA256}", "0" * 64)
    compile(code, "Containerfile", "exec")


@pytest.mark.parametrize("name", ["lotse@.service", "lotse-worker.service"])
def test_systemd_unit_is_hardened(name):
    unit = (DEPLOY / name).read_text()
    options = dict(re.findall(r"^(\w+)=(.*)$", unit, re.M))
    for name, value in {"NoNewPrivileges": "yes", "ProtectSystem": "strict",
                        "PrivateTmp": "yes", "ProtectHome": "yes", "PrivateDevices": "yes",
                        "RestrictSUIDSGID": "yes", "CapabilityBoundingSet": "",
                        "User": "lotse"}.items():
        assert options.get(name) == value, name
    assert "Environment=LOTSE_PROFILE=production" in unit
    assert "Environment=LOTSE_TORCH_THREADS=1" in unit
    assert "Requires=lotse-migrate.service" in unit
    assert "lotse migrate" in (DEPLOY / "lotse-migrate.service").read_text()


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="needs systemd-analyze")
def test_systemd_units_pass_systemd_analyze(tmp_path):
    for name in ("lotse@.service", "lotse-worker.service", "lotse-migrate.service"):
        target = tmp_path / (name.replace("@", "@8001") if "@" in name else name)
        target.write_text((DEPLOY / name).read_text())
    r = subprocess.run(["systemd-analyze", "verify", "--man=no", "--recursive-errors=no",
                        *sorted(str(p) for p in tmp_path.iterdir())],
                       capture_output=True, text=True, timeout=60)
    # lines about the binary and files of this machine (no /opt/kim-lotse here) are fine;
    # an unknown option or a bad value is not
    bad = [ln for ln in r.stderr.splitlines()
           if re.search(r"Unknown key|Failed to parse|Invalid|unknown", ln)]
    assert not bad, r.stderr


def test_reverse_proxy_examples_hide_metrics_and_query_strings():
    caddy = (DEPLOY / "Caddyfile").read_text()
    assert "respond /metrics 404" in caddy
    assert "max_size" in caddy and "header_up X-Request-ID" in caddy
    assert 'request>uri regexp \\?.*$ ""' in caddy
    nginx = (DEPLOY / "nginx.conf").read_text()
    assert "location = /metrics { return 404; }" in nginx
    assert "client_max_body_size 2m;" in nginx and "ssl_certificate " in nginx
    fmt = nginx.split("log_format lotse_privacy", 1)[1].split(";", 1)[0]
    assert "$uri" in fmt and "$request_uri" not in fmt and "$args" not in fmt
    assert "$request " not in fmt  # "$request" is the request line, query included
    snippet = (DEPLOY / "nginx-lotse-proxy.conf").read_text()
    assert "proxy_set_header X-Request-ID $request_id;" in snippet
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in snippet
