"""SEC-13 for the responsibility API: schemathesis over its OpenAPI gives 2xx or 4xx, never 5xx."""

import pytest
import schemathesis
from fuzzkit import never_5xx

from app.main import create_app, open_store
from app.services import Services
from app.settings import Settings
from index.engine import SearchEngine


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    own = Settings(data_dir=tmp_path_factory.mktemp("rfuzz"), model="/nonexistent")
    app = create_app(own, Services(own, open_store(own), SearchEngine(None), ready=True))
    return schemathesis.openapi.from_asgi("/api/openapi.json", app).include(
        path_regex="^/api/v1/responsibility")


def test_responsibility_api_never_fails_on_any_input(schema):
    assert never_5xx(schema, max_examples=60) == 2
