"""The layers of docs/architecture.md where import-linter cannot look: foreign keys point down the
layers, and every app's services and selectors import on their own (no import cycle hidden by the
order Django happens to load the apps in). The import contracts themselves are in pyproject.toml
and checked by ``lint-imports`` in ``make test``."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps

# Domain apps, bottom to top; inventory and crm share a rank: siblings, neither may point at the other.
RANK = {"catalog": 0, "inventory": 1, "crm": 1, "orders": 2, "logistics": 3, "aftersales": 4}
FLOOR = "retail"

# Upward relations that are deliberate, each with its reason.
CARE_RECORD = (
    "a care record refers to the order it is about; crm code never follows it, orders supplies the reads"
)
EXCEPTIONS = {
    ("crm.ContactLog", "order"): CARE_RECORD,
    ("crm.Ticket", "order"): CARE_RECORD,
    ("crm.Survey", "order"): CARE_RECORD,
}

ROOT = Path(__file__).resolve().parents[2]


def relations():
    """(model label, field name, source app, target app) for every FK, one-to-one and many-to-many
    declared on a model (reverse accessors and generic relations left out)."""
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.get_fields():
            relational = field.many_to_one or field.one_to_one or field.many_to_many
            if not relational or field.auto_created or field.related_model is None:
                continue
            yield (model._meta.label, field.name, model._meta.app_label, field.related_model._meta.app_label)


def points_up(source: str, target: str) -> bool:
    if source == target or target not in RANK:
        return False  # within one app, or down to the floor, Django or a third-party app
    if source == FLOOR:
        return True  # the floor knows no domain app
    if source not in RANK:
        return True  # Django and third-party apps are below everything
    return RANK[target] >= RANK[source]


def upward_relations() -> dict:
    return {
        (label, name): f"{source} -> {target}"
        for label, name, source, target in relations()
        if points_up(source, target)
    }


def test_foreign_keys_point_down_the_layers():
    unexplained = {key: arrow for key, arrow in upward_relations().items() if key not in EXCEPTIONS}
    assert not unexplained, (
        f"relations pointing up the layers (fix them, or explain in EXCEPTIONS): {unexplained}"
    )


def test_every_exception_is_still_an_upward_relation():
    stale = set(EXCEPTIONS) - set(upward_relations())
    assert not stale, f"EXCEPTIONS that no longer point up: {stale}"


def test_the_layer_rule_itself():
    assert points_up("catalog", "orders") and points_up("inventory", "crm") and points_up("crm", "inventory")
    assert points_up("retail", "catalog") and points_up("django_fsm_log", "orders")
    assert not points_up("aftersales", "orders") and not points_up("orders", "crm")
    assert (
        not points_up("orders", "orders")
        and not points_up("crm", "auth")
        and not points_up("orders", "retail")
    )


@pytest.mark.parametrize("module", [f"{app}.{room}" for app in RANK for room in ("services", "selectors")])
def test_module_imports_alone_in_a_fresh_interpreter(module):
    """A cycle between two apps shows only when one of them is imported first: start from each."""
    code = f"import django; django.setup(); import {module}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "retail.settings"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
