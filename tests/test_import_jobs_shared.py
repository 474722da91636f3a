"""Import jobs live in the store: a job uploaded through one app instance, whose process
ends before it runs, is run by a worker in another real process, and its page answers
(and applies) on a third instance; other staff still get 404."""

import subprocess
import sys
import textwrap
from pathlib import Path

from fastapi.testclient import TestClient
from staffkit import add_user, csrf_of, login
from storekit import store_env
from test_hsds_upload import ROW, _finished, _upload, _xlsx

from app.main import create_app, open_store
from app.services import Services
from app.settings import Settings
from index.engine import SearchEngine

ROOT = Path(__file__).resolve().parent.parent
WORKER = textwrap.dedent("""
    from app.jobs import drain
    from app.keyring import open_keyring
    from app.services import Services
    from app.settings import Settings
    from directory.store import Store
    from index.engine import SearchEngine

    settings = Settings()
    store = Store(settings.resolved_database_url)
    open_keyring(settings, store)
    engine = SearchEngine(None)
    engine.build(store.offers())
    print(drain(Services(settings, store, engine, ready=True)))  # the store's engine
""")


def instance(settings):
    """Another process on the same store, with its own (model-free) index: an import
    changes it, and no other test shares it."""
    own = Settings(**settings.model_dump())
    store = open_store(own)
    engine = SearchEngine(None)
    engine.build(store.offers())
    return TestClient(create_app(own, Services(own, store, engine, ready=True)),
                      base_url="https://testserver")


def test_an_import_job_survives_its_process_and_answers_on_another(make_light_client):
    one = make_light_client()
    settings = one.app.state.settings
    one.app.state.wake_jobs = lambda: None  # the process ends before any worker ran it
    _, secret = add_user(one, "edi", ("editor",))
    assert login(one, "edi", secret).status_code == 303
    url = _upload(one, csrf_of(one), _xlsx([ROW])).headers["location"]
    one.close()
    env = store_env(settings, LOTSE_MODEL="")  # PostgreSQL lane: Procrastinate's worker
    done = subprocess.run([sys.executable, "-c", WORKER], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "1", done.stderr[-3000:]

    two = instance(settings)
    assert login(two, "edi", secret, step=1).status_code == 303
    report = _finished(two, url)
    assert 'action="' + url + '/apply"' in report  # the check passed: it can be applied here
    applied = two.post(url + "/apply", data={"csrf_token": csrf_of(two)},
                       follow_redirects=False)
    assert applied.status_code in (200, 303)
    final = _finished(two, url)
    assert "/staff/offers" in final  # applied
    assert two.get("/api/v1/search", params={"q": "Nähcafé Probehausen"}).json()
    again = two.post(url + "/apply", data={"csrf_token": csrf_of(two)},
                     follow_redirects=False)
    assert again.status_code == 409

    three = instance(settings)
    _, other = add_user(three, "edi2", ("editor",))
    assert login(three, "edi2", other).status_code == 303
    assert three.get(url).status_code == 404  # only its uploader sees a job
