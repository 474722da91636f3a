"""SEC-13 for the responsibility API: schemathesis over its OpenAPI gives 2xx or 4xx, never 5xx."""

import pytest
import schemathesis
from conftest import store_copy
from fuzzkit import never_5xx

from app.main import create_app, open_store
from app.services import Services
from index.engine import SearchEngine


@pytest.fixture(scope="module")
def schema(tmp_path_factory, light_template):
    own = store_copy(light_template, tmp_path_factory.mktemp("rfuzz"))
    app = create_app(own, Services(own, open_store(own), SearchEngine(None), ready=True))
    return schemathesis.openapi.from_asgi("/api/openapi.json", app).include(
        path_regex="^/api/v1/responsibility")


def test_responsibility_api_never_fails_on_any_input(schema):
    assert never_5xx(schema, max_examples=60) == 2
