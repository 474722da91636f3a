"""SEC-13 helper: run schemathesis cases of an API's operations; never a 5xx, errors in JSON."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings


def never_5xx(schema, max_examples: int) -> int:
    """Fuzz every operation of `schema`; returns how many operations were fuzzed."""
    operations = [r.ok() for r in schema.get_all_operations()]
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=max_examples, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            response = case.call()
            assert response.status_code < 500, (case.path, case.query, response.text[:300])
            if response.status_code >= 400:
                assert "detail" in response.json()

        run()
    return len(operations)
