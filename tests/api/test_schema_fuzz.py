"""A schema-driven fuzz run (schemathesis) over every operation of /api/schema/ against the live
server: no 5xx, every status documented, every response body as the schema says."""

import hypothesis
import pytest
import schemathesis
from rest_framework.authtoken.models import Token
from schemathesis import DataGenerationMethod
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.runner import events, from_schema

from tests.factories import SKUFactory, UserFactory, WarehouseFactory, stock_in
from tests.helpers import world

EXAMPLES_PER_OPERATION = 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_schemathesis_run_over_the_whole_schema(live_server):
    admin = UserFactory(username="fuzz-admin", is_superuser=True)
    token = Token.objects.create(user=admin)
    warehouse = WarehouseFactory(code="WH-SH", priority=1)
    stock_in(SKUFactory(code="SKU-001", price="50.00"), warehouse, 1000)
    stock_in(SKUFactory(code="SKU-002", price="80.00"), warehouse, 5)
    # Objects of every kind in every state, so reads and transitions meet real rows, not only 404s.
    world.every_kind()

    schema = schemathesis.from_uri(
        f"{live_server.url}/api/schema/?format=json",
        headers={"Authorization": f"Token {token.key}"},  # the schema needs a login
        data_generation_methods=[DataGenerationMethod.positive, DataGenerationMethod.negative],
    )
    runner = from_schema(
        schema,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
        headers={"Authorization": f"Token {token.key}"},
        hypothesis_settings=hypothesis.settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(hypothesis.HealthCheck),
        ),
        request_timeout=10000,
    )
    failures, requests, operations, methods_seen = [], 0, 0, set()
    for event in runner.execute():
        if isinstance(event, events.AfterExecution):
            for error in event.result.errors:
                failures.append(f"{event.result.verbose_name}: error {error.exception[:500]}")
            operations += 1
            methods_seen.update(event.result.data_generation_method)
            requests += sum(1 for check in event.result.checks if check.name == "not_a_server_error")
            for check in event.result.checks:
                if check.value.name == "failure":
                    failures.append(f"{event.result.verbose_name}: {check.name}: {check.message}")
        elif isinstance(event, events.InternalError):
            failures.append(f"internal error: {event.message} {event.exception}")
    print(f"schemathesis: {operations} operations, {requests} generated requests ({sorted(methods_seen)})")
    assert operations > 60
    assert not failures, "\n".join(sorted(set(failures))[:40])
