"""A schema-driven fuzz run (schemathesis) over every operation of /api/schema/ against the live
server: no 5xx, every status documented, every response body as the schema says."""

from types import SimpleNamespace

import hypothesis
import hypothesis_jsonschema._from_schema as jsonschema_strategies
import pytest
import schemathesis
from hypothesis.internal.conjecture import utils as conjecture_utils
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.runner import events, from_schema
from rest_framework.authtoken.models import Token

from tests.api.conftest import order_body
from tests.factories import SKUFactory, UserFactory, WarehouseFactory, stock_in

EXAMPLES_PER_OPERATION = 8


class _LegacyMany(conjecture_utils.many):
    """``many.more()``/``reject()`` as hypothesis-jsonschema 0.23 calls them, on top of the newer
    hypothesis API (``with many(...) as elements: for _ in elements``), which dropped ``more()``."""

    def more(self) -> bool:
        if self._depth is None:
            self._depth = self.data.depth
        self._finish_element()
        if not self._decide():
            self._closed = True
            return False
        self.count += 1
        self._in_element, self._rejected = True, False
        return True


@pytest.fixture
def _jsonschema_generation_compat(monkeypatch):
    monkeypatch.setattr(jsonschema_strategies, "cu", SimpleNamespace(**{**vars(conjecture_utils), "many": _LegacyMany}))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_jsonschema_generation_compat")
def test_schemathesis_run_over_the_whole_schema(live_server):
    admin = UserFactory(username="fuzz-admin", is_superuser=True)
    token = Token.objects.create(user=admin)
    warehouse = WarehouseFactory(code="WH-SH", priority=1)
    stock_in(SKUFactory(code="SKU-001"), warehouse, 1000)
    from orders.services import order_place

    order_place(**order_body(payment_method="cod"))

    schema = schemathesis.from_uri(f"{live_server.url}/api/schema/?format=json")
    runner = from_schema(
        schema,
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
        headers={"Authorization": f"Token {token.key}"},
        hypothesis_settings=hypothesis.settings(
            max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
            suppress_health_check=list(hypothesis.HealthCheck),
        ),
        request_timeout=10000,
    )
    failures, requests, operations = [], 0, 0
    for event in runner.execute():
        if isinstance(event, events.AfterExecution):
            for error in event.result.errors:
                failures.append(f"{event.result.verbose_name}: error {error.exception[:500]}")
            operations += 1
            requests += sum(1 for check in event.result.checks if check.name == "not_a_server_error")
            for check in event.result.checks:
                if check.value.name == "failure":
                    failures.append(f"{event.result.verbose_name}: {check.name}: {check.message}")
        elif isinstance(event, events.InternalError):
            failures.append(f"internal error: {event.message} {event.exception}")
    print(f"schemathesis: {operations} operations, {requests} generated requests")
    assert operations > 60
    assert not failures, "\n".join(sorted(set(failures))[:40])
