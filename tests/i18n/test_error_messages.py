"""Business errors speak the request's language: the services build their messages with ``gettext``
at raise time, so ``Accept-Language: en`` gets English and Chinese stays the default."""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from rest_framework.test import APIClient

from orders.services import order_place
from retail.errors import TransitionNotAllowed, ValidationError
from retail.fsm import transition_check
from tests.factories import UserFactory
from tests.helpers.api import order_body, post_json
from tests.helpers.orders import place
from tests.i18n.test_english import ENTRIES

CJK = re.compile(r"[\u4e00-\u9fff]")
BASE = Path(settings.BASE_DIR)
# An app's services are one module or a package of topic modules.
SERVICE_FILES = [
    *(
        path  # services.py, or every module of a services/ package
        for app in ("catalog", "inventory", "orders", "logistics", "aftersales", "crm")
        for path in [*BASE.glob(f"{app}/services.py"), *sorted(BASE.glob(f"{app}/services/*.py"))]
    ),
    BASE / "retail" / "fsm.py",
    BASE / "retail" / "validation.py",
]
ERRORS = {
    "ValidationError",
    "Conflict",
    "InsufficientStock",
    "TransitionNotAllowed",
    "NotFound",
    "PermissionDenied",
}


def _place_unknown_sku():
    with pytest.raises(ValidationError) as raised:
        order_place(**order_body(lines=[{"sku": "NOPE-1", "quantity": 1}]))
    assert raised.value.code == "unknown_sku"
    return raised.value.message


@pytest.mark.django_db
def test_service_error_message_follows_active_language():
    with translation.override("en"):
        english = _place_unknown_sku()
    with translation.override("zh-hans"):
        chinese = _place_unknown_sku()
    assert english == "SKU NOPE-1 does not exist."
    assert not CJK.search(english)
    assert chinese == "SKU NOPE-1 不存在。"


@pytest.mark.django_db
def test_transition_refusal_fills_lazy_labels_in_active_language(sku):
    order = place()
    with translation.override("en"), pytest.raises(TransitionNotAllowed) as raised:
        transition_check(order, "ship")
    assert raised.value.message == f"Order {order.number}: 'ship' is not allowed from status 'backordered'."
    assert not CJK.search(raised.value.message)
    with translation.override("zh-hans"), pytest.raises(TransitionNotAllowed) as raised:
        transition_check(order, "ship")
    assert raised.value.message == f"订单 {order.number}：当前状态“backordered”不允许执行“ship”。"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept_language", "message"),
    [("en", "SKU NOPE-1 does not exist."), (None, "SKU NOPE-1 不存在。")],
)
def test_api_error_message_follows_accept_language(accept_language, message):
    client = APIClient()
    client.force_authenticate(UserFactory(username="root", is_superuser=True))
    extra = {"HTTP_ACCEPT_LANGUAGE": accept_language} if accept_language else {}
    response = post_json(
        client, "/api/orders/", order_body(lines=[{"sku": "NOPE-1", "quantity": 1}]), **extra
    )
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "unknown_sku"
    assert error["details"] == {"lines[0].sku": ["NOPE-1"]}
    assert error["message"] == message


def _error_messages(path: Path):
    """First arguments of the business errors raised in ``path``."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and node.args:
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            if name in ERRORS:
                yield node.lineno, node.args[0]


def _marked(path: Path):
    """String literals marked with ``_()`` in ``path``."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_" and node.args:
            if isinstance(node.args[0], ast.Constant):
                yield node.args[0].value


@pytest.mark.parametrize("path", SERVICE_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_untranslated_literal_message_in_services(path):
    """A literal or f-string message would reach an English client in Chinese."""
    raw = [
        lineno
        for lineno, arg in _error_messages(path)
        if isinstance(arg, ast.JoinedStr) or (isinstance(arg, ast.Constant) and isinstance(arg.value, str))
    ]
    assert raw == []


@pytest.mark.parametrize("path", SERVICE_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_marked_message_has_an_english_translation(path):
    translated = {e["msgid"] for e in ENTRIES if all(e["msgstr"].values()) and "fuzzy" not in e["flags"]}
    missing = [msgid for msgid in _marked(path) if msgid not in translated]
    assert missing == []
