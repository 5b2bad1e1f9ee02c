from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django_fsm_log.models import StateLog

from aftersales.models import AftersalesRequest
from aftersales.services import aftersales_photo_add, aftersales_reject, aftersales_request_create
from retail.errors import ValidationError
from retail.models import Notification
from tests.helpers.fulfil import order_fulfil
from tests.helpers.orders import pending_order

pytestmark = pytest.mark.django_db


def _file(order, *, type="return", reason="quality", lines=None, **kwargs):
    return aftersales_request_create(
        order=order,
        type=type,
        reason=reason,
        lines=[{"sku": "SKU-A", "quantity": 1}] if lines is None else lines,
        **kwargs,
    )


def test_a_request_is_numbered_logged_and_announced(delivered, staff_user):
    req = _file(
        delivered,
        description="屏幕有划痕",
        by=staff_user,
        lines=[{"sku": "SKU-A", "quantity": 2}, {"sku": "SKU-B", "quantity": 1}],
    )

    assert req.number.startswith("AS") and req.status == AftersalesRequest.Status.SUBMITTED
    assert sorted(req.lines.values_list("sku_code", "quantity")) == [("SKU-A", 2), ("SKU-B", 1)]
    assert req.created_by == staff_user and req.description == "屏幕有划痕"
    log = StateLog.objects.for_(req).get()
    assert (log.source_state, log.state, log.transition) == (None, "submitted", "submit")
    events = set(Notification.objects.filter(reference=req.number).values_list("event", "channel", "group"))
    assert events == {
        ("aftersales_submitted", "email", ""),
        ("aftersales_submitted", "sms", ""),
        ("aftersales_new", "staff", "aftersales"),
    }


def test_not_before_the_order_is_delivered(skus):
    order = pending_order([{"sku": "SKU-A", "quantity": 1}])
    with pytest.raises(ValidationError) as exc:
        _file(order)
    assert exc.value.code == "not_delivered"
    order = order_fulfil(order=order)  # shipped, not yet delivered
    with pytest.raises(ValidationError) as exc:
        _file(order)
    assert exc.value.code == "not_delivered"
    assert not AftersalesRequest.objects.exists()


@pytest.mark.parametrize(
    ("type", "days"), [("return", 7), ("refund_only", 7), ("exchange", 15), ("repair", 365)]
)
def test_the_window_runs_from_completion(delivered, type, days):
    end = delivered.completed_at + timedelta(days=days)
    with time_machine.travel(end - timedelta(days=1), tick=False):  # day N − 1
        _file(delivered, type=type)
    with time_machine.travel(end, tick=False):  # the last moment of day N
        _file(delivered, type=type)
    for late in (end + timedelta(seconds=1), end + timedelta(days=1)):  # just after, and day N + 1
        with time_machine.travel(late, tick=False), pytest.raises(ValidationError) as exc:
            _file(delivered, type=type)
        assert exc.value.code == "window_closed" and "type" in exc.value.details
    assert AftersalesRequest.objects.count() == 2


def test_quantities_are_capped_by_what_was_delivered_across_requests(delivered):
    first = _file(delivered, lines=[{"sku": "SKU-A", "quantity": 2}])
    with pytest.raises(ValidationError) as exc:
        _file(delivered, type="exchange", lines=[{"sku": "SKU-A", "quantity": 2}])
    assert exc.value.code == "quantity_exceeds_delivered"
    assert exc.value.details == {"lines[0].quantity": ["at most 1"]}

    _file(delivered, type="repair", lines=[{"sku": "SKU-A", "quantity": 1}, {"sku": "SKU-B", "quantity": 1}])
    with pytest.raises(ValidationError) as exc:
        _file(delivered, lines=[{"sku": "SKU-B", "quantity": 1}])
    assert exc.value.code == "quantity_exceeds_delivered"

    aftersales_reject(request=first, reason="超出无理由退货范围")  # a rejected request frees its units
    _file(delivered, lines=[{"sku": "SKU-A", "quantity": 2}])
    assert AftersalesRequest.objects.exclude(status="rejected").count() == 2


@pytest.mark.parametrize(
    ("data", "code", "field"),
    [
        ({"type": "refund"}, "validation_error", "type"),
        ({"reason": "bored"}, "validation_error", "reason"),
        ({"lines": []}, "no_lines", "lines"),
        ({"lines": [{"sku": "SKU-X", "quantity": 1}]}, "sku_not_in_order", "lines[0].sku"),
        ({"lines": [{"sku": "SKU-A", "quantity": 0}]}, "invalid_quantity", "lines[0].quantity"),
        ({"lines": [{"sku": "SKU-A", "quantity": "1"}]}, "invalid_quantity", "lines[0].quantity"),
        (
            {"lines": [{"sku": "SKU-A", "quantity": 1}, {"sku": "SKU-A", "quantity": 1}]},
            "duplicate_sku",
            "lines[1].sku",
        ),
        ({"lines": [{"sku": "SKU-A", "quantity": 4}]}, "quantity_exceeds_delivered", "lines[0].quantity"),
        ({"description": "坏了\x00"}, "validation_error", "description"),
    ],
)
def test_bad_requests_are_refused_with_a_clear_code(delivered, data, code, field):
    with pytest.raises(ValidationError) as exc:
        _file(delivered, **data)
    assert exc.value.code == code and field in exc.value.details
    assert not AftersalesRequest.objects.exists()


def test_photos_are_optional_files_with_a_limit(delivered):
    req = _file(
        delivered, photos=[SimpleUploadedFile("scratch.jpg", b"\xff\xd8\xff fake jpeg", "image/jpeg")]
    )
    assert req.photos.get().file.name.endswith("scratch.jpg")
    with pytest.raises(ValidationError) as exc:
        aftersales_photo_add(request=req, file=SimpleUploadedFile("virus.exe", b"MZ"))
    assert exc.value.code == "invalid_photo"
    for i in range(8):
        aftersales_photo_add(request=req, file=SimpleUploadedFile(f"p{i}.png", b"\x89PNG\r\n\x1a\n png"))
    with pytest.raises(ValidationError) as exc:
        aftersales_photo_add(request=req, file=SimpleUploadedFile("p9.png", b"\x89PNG\r\n\x1a\n png"))
    assert exc.value.code == "too_many_photos" and req.photos.count() == 9
