"""A schema-driven fuzz run (schemathesis) over every operation of /api/schema/ against the live
server: no 5xx, every status documented, every response body as the schema says. Then the stateful
phase: schemathesis' state machine follows the schema's OpenAPI links from a created order,
after-sales request or ticket to its read and its transitions (and from picking, packing and
shipping to the pick list, outbound note and shipment), with the same checks.

The budget is the suite's (about 30 s): a few examples per operation (every operation at least
once, positive and negative cases) and a fixed number of stateful steps per kind of object.
``pytest -s`` prints the figures."""

import copy
import itertools
import re
import time
from collections import Counter

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
from schemathesis.stateful import events as stateful_events
from schemathesis.stateful.runner import StatefulTestRunnerConfig
from schemathesis.transports import RequestConfig

from tests.factories import SKUFactory, UserFactory, WarehouseFactory, stock_in
from tests.helpers import world
from tests.helpers.api import ORDER_BODY

EXAMPLES_PER_OPERATION = 2
# The stateful walks, one per kind of object: the operations it may call and its step budget.
WALKS = {
    "orders": (r"^/api/(orders|logistics)/", 40),
    "after-sales requests": (r"^/api/aftersales/", 20),
    "tickets": (r"^/api/crm/tickets/", 20),
}
STEPS_PER_SCENARIO = 5

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _settings(**extra):
    return hypothesis.settings(
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        **extra,
    )


def _figures(checks):
    """(requests, 5xx, schema violations, failures) of a list of schemathesis check results."""
    requests = sum(1 for check in checks if check.name == "not_a_server_error")
    failed = [check for check in checks if check.value.name == "failure"]
    server_errors = sum(1 for check in failed if check.name == "not_a_server_error")
    violations = sum(1 for check in failed if check.name == "response_schema_conformance")
    return requests, server_errors, violations, failed


def _closed_request_bodies(raw):
    """A copy of the schema whose request bodies allow no property they do not declare. The server
    ignores unknown fields (docs/api.md), so a positive case gains nothing from them, and drawing
    arbitrary JSON for them was most of the generation time; a negative case may still send them
    (it violates ``additionalProperties: false``). Responses are checked against the schema as
    served."""
    raw = copy.deepcopy(raw)
    components = raw["components"]["schemas"]
    seen = set()

    def close(node):
        if isinstance(node, dict):
            ref = node.get("$ref")
            if ref and ref not in seen:
                seen.add(ref)
                target = components[ref.rsplit("/", 1)[1]]
                if "properties" in target:
                    target.setdefault("additionalProperties", False)
                close(target)
            for value in node.values():
                close(value)
        elif isinstance(node, list):
            for value in node:
                close(value)

    for item in raw["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict):
                close(operation.get("requestBody", {}))
    return raw


def _stateful_machine(schema, *, completed_order: str):
    """The schema's state machine, with the references that random data cannot guess filled into
    the generated bodies (an existing SKU, the completed order an after-sales request needs, a
    fresh tracking number), so creations succeed and the links lead to real objects. Every other
    field stays generated."""
    tracking_numbers = (f"SF{n:010d}" for n in itertools.count(1))
    one_unit = [{"sku": "SKU-001", "quantity": 1}]
    fills = {
        "POST /api/orders/": lambda: {
            "customer": ORDER_BODY["customer"],
            "shipping_address": ORDER_BODY["shipping_address"],
            "lines": one_unit,
            "coupon": None,
        },
        "POST /api/aftersales/requests/": lambda: {"order": completed_order, "lines": one_unit},
        "POST /api/crm/tickets/": lambda: {"customer": None, "order": None},
        "POST /api/logistics/pick-lists/{id}/records/": lambda: one_unit[0],
        "POST /api/orders/{number}/ship/": lambda: {"tracking_number": next(tracking_numbers)},
        "POST /api/aftersales/requests/{number}/receive/": lambda: {
            "inspection": [{"sku": "SKU-001", "result": "resellable"}]
        },
    }

    class Walk(schema.as_state_machine()):
        def _add_results_to_targets(self, targets, results):
            # Schemathesis 3 files a step's answer under the link it can feed through the hook
            # ``_add_result_to_targets``, which newer Hypothesis renamed to this one (a list of
            # results): without it every answer lands in a catch-all bundle and no link is followed.
            for result in results:
                target = None if result is None else self._get_target_for_result(result)
                if target is not None:
                    super()._add_results_to_targets((target,), [result])

        def before_call(self, case):
            fill = fills.get(case.operation.verbose_name)
            if fill and isinstance(case.body, dict):
                case.body = {**case.body, **fill()}
            super().before_call(case)

    return Walk


def _walk(raw, paths, budget, *, base_url, auth, completed):
    """One stateful run over the operations whose path matches ``paths``, stopped after ``budget``
    steps: its scenarios, steps, links followed, answers by class, checks and failures."""
    subset = copy.deepcopy(raw)
    subset["paths"] = {path: item for path, item in raw["paths"].items() if re.match(paths, path)}
    schema = schemathesis.from_dict(
        subset, base_url=base_url, data_generation_methods=[DataGenerationMethod.positive]
    )
    config = StatefulTestRunnerConfig(
        checks=tuple(CHECKS),
        headers=auth,
        hypothesis_settings=_settings(max_examples=budget, stateful_step_count=STEPS_PER_SCENARIO),
        request=RequestConfig(timeout=10000),
    )
    runner = _stateful_machine(schema, completed_order=completed.number).runner(config=config)
    walk = {
        "scenarios": 0,
        "steps": 0,
        "links": Counter(),
        "statuses": Counter(),
        "checks": [],
        "failures": [],
    }
    for event in runner.execute():
        if isinstance(event, stateful_events.ScenarioStarted):
            walk["scenarios"] += 1
        elif isinstance(event, stateful_events.StepFinished):
            walk["steps"] += 1
            if walk["steps"] >= budget:
                runner.stop()  # the budget: the scenario under way ends here
            walk["checks"].extend(event.checks)
            if event.response is not None:
                walk["statuses"][event.response.status_code // 100] += 1
            if event.transition_id is not None:
                walk["links"][f"{event.transition_id.source} -> {event.target}"] += 1
            for check in event.checks:
                if check.value.name == "failure":
                    walk["failures"].append(f"stateful {event.target}: {check.name}: {check.message}")
        elif isinstance(event, stateful_events.Errored):
            walk["failures"].append(f"stateful error: {event.exception!r}")
    return walk


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_schemathesis_run_over_the_whole_schema(live_server):
    admin = UserFactory(username="fuzz-admin", is_superuser=True)
    token = Token.objects.create(user=admin)
    auth = {"Authorization": f"Token {token.key}"}
    warehouse = WarehouseFactory(code="WH-SH", priority=1)
    stock_in(SKUFactory(code="SKU-001", price="50.00"), warehouse, 1000)
    stock_in(SKUFactory(code="SKU-002", price="80.00"), warehouse, 5)
    # Objects of every kind in every state, so reads and transitions meet real rows, not only 404s.
    world.every_kind()
    # One delivered order with room for many after-sales requests of one unit each.
    from logistics.services import order_deliver
    from tests.helpers.fulfil import order_fulfil

    completed = order_deliver(
        order=order_fulfil(order=world.order(lines=[{"sku": "SKU-001", "quantity": 60}]))
    )

    served = schemathesis.from_uri(
        f"{live_server.url}/api/schema/?format=json",
        headers=auth,  # the schema needs a login
    ).raw_schema
    schema = schemathesis.from_dict(
        _closed_request_bodies(served),
        base_url=live_server.url,
        data_generation_methods=[DataGenerationMethod.positive, DataGenerationMethod.negative],
    )

    # Phase 1: every operation on its own.
    started = time.monotonic()
    runner = from_schema(
        schema,
        checks=CHECKS,
        headers=auth,
        hypothesis_settings=_settings(max_examples=EXAMPLES_PER_OPERATION),
        request_timeout=10000,
    )
    failures, checks, per_operation, methods_seen = [], [], {}, set()
    for event in runner.execute():
        if isinstance(event, events.AfterExecution):
            for error in event.result.errors:
                failures.append(f"{event.result.verbose_name}: error {error.exception[:500]}")
            methods_seen.update(event.result.data_generation_method)
            checks.extend(event.result.checks)
            per_operation[event.result.verbose_name] = _figures(event.result.checks)[0]
            for check in event.result.checks:
                if check.value.name == "failure":
                    failures.append(f"{event.result.verbose_name}: {check.name}: {check.message}")
        elif isinstance(event, events.InternalError):
            failures.append(f"internal error: {event.message} {event.exception}")
    requests, server_errors, violations, _ = _figures(checks)
    print(
        f"\nschemathesis: {len(per_operation)} operations, {requests} generated requests "
        f"({sorted(methods_seen)}), {server_errors} 5xx, {violations} schema violations "
        f"in {time.monotonic() - started:.1f} s"
    )

    # Phase 2: stateful, along the links, positive data only (phase 1 sent the negative cases).
    started = time.monotonic()
    scenarios, steps, links_followed, statuses, stateful_checks = 0, 0, Counter(), Counter(), []
    for name, (paths, budget) in WALKS.items():
        walk = _walk(
            schema.raw_schema, paths, budget, base_url=live_server.url, auth=auth, completed=completed
        )
        scenarios += walk["scenarios"]
        steps += walk["steps"]
        links_followed.update(walk["links"])
        statuses.update(walk["statuses"])
        stateful_checks.extend(walk["checks"])
        failures.extend(walk["failures"])
        assert walk["links"], f"the {name} walk followed no link"
    _, stateful_5xx, stateful_violations, _ = _figures(stateful_checks)
    print(
        f"schemathesis stateful: {scenarios} scenarios, {steps} steps, {sum(links_followed.values())} "
        f"along links ({len(links_followed)} of {schema.links_count} links), answers by class "
        f"{dict(sorted(statuses.items()))}, {stateful_5xx} 5xx, {stateful_violations} schema violations "
        f"in {time.monotonic() - started:.1f} s"
    )
    for link, count in sorted(links_followed.items()):
        print(f"  {count:3d} x {link}")

    assert len(per_operation) == schema.operations_count > 60
    assert min(per_operation.values()) >= 1, [name for name, n in per_operation.items() if n == 0]
    assert not failures, "\n".join(sorted(set(failures))[:40])
    assert steps >= sum(budget for _, budget in WALKS.values()) // 2, steps
