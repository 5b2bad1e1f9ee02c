"""Receiving with inspection, refunds, exchanges and repairs, through the services."""

from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django_fsm_log.models import StateLog

from aftersales.models import AftersalesRequest
from aftersales.refunds import RefundBackend
from aftersales.services import (
    aftersales_approve,
    aftersales_close,
    aftersales_exchange,
    aftersales_line_refund_caps,
    aftersales_receive,
    aftersales_refund,
    aftersales_refundable_amount,
    aftersales_repair,
    aftersales_request_create,
)
from inventory.models import Stock, StockMovement
from orders.models import Order, Payment, PaymentStatus
from orders.services import order_refund_record
from retail.errors import TransitionNotAllowed, ValidationError

pytestmark = pytest.mark.django_db


def _approved(order, type="return", lines=None, reason="quality", by=None):
    req = aftersales_request_create(
        order=order, type=type, reason=reason, lines=lines or [{"sku": "SKU-A", "quantity": 2}]
    )
    return aftersales_approve(request=req, by=by)


def test_receiving_restocks_resellable_goods_and_writes_off_damaged_ones(delivered, specialist):
    req = _approved(delivered, lines=[{"sku": "SKU-A", "quantity": 2}, {"sku": "SKU-B", "quantity": 1}])
    assert req.status == AftersalesRequest.Status.AWAITING_RETURN
    before = {s.sku.code: s.on_hand for s in Stock.objects.select_related("sku")}

    req = aftersales_receive(
        request=req,
        by=specialist,
        inspection=[{"sku": "SKU-A", "result": "resellable"}, {"sku": "SKU-B", "result": "damaged"}],
        note="B 外壳碎裂",
    )

    assert req.status == AftersalesRequest.Status.RECEIVED and req.inspection_note == "B 外壳碎裂"
    assert dict(req.lines.values_list("sku_code", "inspection")) == {
        "SKU-A": "resellable",
        "SKU-B": "damaged",
    }
    after = {s.sku.code: s.on_hand for s in Stock.objects.select_related("sku")}
    assert after == {"SKU-A": before["SKU-A"] + 2, "SKU-B": before["SKU-B"]}
    rows = sorted(
        StockMovement.objects.filter(reference=req.number).values_list(
            "sku__code", "kind", "on_hand_delta", "reserved_delta"
        )
    )
    assert rows == [("SKU-A", "return", 2, 0), ("SKU-B", "return", 1, 0), ("SKU-B", "write_off", -1, 0)]
    assert set(StockMovement.objects.filter(reference=req.number).values_list("actor", flat=True)) == {
        specialist.pk
    }
    call_command("check_stock_ledger")


@pytest.mark.parametrize(
    ("inspection", "code"),
    [
        (None, "inspection_required"),
        ({"SKU-A": "resellable"}, "inspection_required"),
        ({"SKU-A": "fine", "SKU-B": "damaged"}, "invalid_inspection"),
        ({"SKU-A": "resellable", "SKU-B": "damaged", "SKU-C": "damaged"}, "sku_not_in_request"),
        ("resellable", "validation_error"),
    ],
)
def test_every_returned_line_needs_an_inspection_result(delivered, inspection, code):
    req = _approved(delivered, lines=[{"sku": "SKU-A", "quantity": 1}, {"sku": "SKU-B", "quantity": 1}])
    with pytest.raises(ValidationError) as exc:
        aftersales_receive(request=req, inspection=inspection)
    assert exc.value.code == code
    req.refresh_from_db()
    assert req.status == AftersalesRequest.Status.AWAITING_RETURN
    assert not StockMovement.objects.filter(reference=req.number).exists()


def test_a_return_is_refunded_what_was_paid_for_those_lines(
    delivered, specialist, django_capture_on_commit_callbacks
):
    req = _approved(delivered)
    req = aftersales_receive(request=req, inspection={"SKU-A": "resellable"})
    assert aftersales_refundable_amount(request=req) == Decimal("100.00")
    with pytest.raises(ValidationError) as exc:
        aftersales_refund(request=req, amount="100.01")
    assert exc.value.code == "refund_exceeds_paid" and exc.value.details == {"amount": ["max 100.00"]}

    with django_capture_on_commit_callbacks(execute=True):
        req = aftersales_refund(request=req, by=specialist)

    assert req.status == AftersalesRequest.Status.REFUNDED and req.refund_amount == Decimal("100.00")
    refund = Payment.objects.get(kind=Payment.Kind.REFUND)
    assert (refund.amount, refund.reference, refund.recorded_by) == (
        Decimal("100.00"),
        req.number,
        specialist,
    )
    delivered.refresh_from_db()
    assert delivered.payment_status == PaymentStatus.PAID  # 80.00 of the 180.00 stays paid
    assert any("已退款" in m.subject and "100.00" in m.body for m in mail.outbox)
    aftersales_close(request=req, by=specialist)
    assert list(StateLog.objects.for_(req).values_list("transition", flat=True).order_by("pk")) == [
        "submit",
        "approve",
        "receive",
        "refund",
        "close",
    ]


def test_refunding_everything_marks_the_order_refunded(delivered):
    req = _approved(delivered, lines=[{"sku": "SKU-A", "quantity": 3}, {"sku": "SKU-B", "quantity": 1}])
    req = aftersales_receive(request=req, inspection={"SKU-A": "resellable", "SKU-B": "resellable"})
    req = aftersales_refund(request=req, amount="180.00")
    assert sorted(req.lines.values_list("sku_code", "refund_amount")) == [
        ("SKU-A", Decimal("150.00")),
        ("SKU-B", Decimal("30.00")),
    ]
    delivered.refresh_from_db()
    assert delivered.payment_status == PaymentStatus.REFUNDED


def test_a_refund_never_exceeds_what_the_order_has_left(delivered):
    order_refund_record(order=delivered, amount="150.00", reference="GOODWILL-1", reason="补偿")
    req = _approved(delivered, type="refund_only", reason="not_as_described")
    assert req.status == AftersalesRequest.Status.APPROVED
    assert aftersales_refundable_amount(request=req) == Decimal("30.00")
    with pytest.raises(ValidationError) as exc:
        aftersales_refund(request=req, amount="30.01")
    assert exc.value.code == "refund_exceeds_paid"
    assert aftersales_refund(request=req).refund_amount == Decimal("30.00")
    assert aftersales_refundable_amount(request=req) == Decimal("0.00")


def test_the_discount_is_shared_out_over_the_lines(delivered):
    Order.objects.filter(pk=delivered.pk).update(discount_total=Decimal("18.00"), total=Decimal("162.00"))
    req = aftersales_request_create(
        order=delivered,
        type="return",
        reason="quality",
        lines=[{"sku": "SKU-A", "quantity": 1}, {"sku": "SKU-B", "quantity": 1}],
    )
    caps = aftersales_line_refund_caps(request=req)
    assert sorted(caps.values()) == [Decimal("27.00"), Decimal("45.00")]  # 10 % off each


class ProviderRefunds(RefundBackend):
    """A provider adapter as a deployment would plug one in (settings.AFTERSALES_REFUND_BACKEND)."""

    provider = "alipay"

    def refund(self, *, order, amount, reference):
        return f"ALI-{reference}"


def test_the_refund_backend_comes_from_the_settings(delivered, settings):
    settings.AFTERSALES_REFUND_BACKEND = f"{__name__}.ProviderRefunds"
    req = _approved(delivered, type="refund_only", lines=[{"sku": "SKU-B", "quantity": 1}])
    req = aftersales_refund(request=req)
    refund = Payment.objects.get(kind=Payment.Kind.REFUND)
    assert (refund.provider, refund.reference, req.refund_reference) == (
        "alipay",
        f"ALI-{req.number}",
        f"ALI-{req.number}",
    )


def test_an_exchange_creates_a_linked_replacement_order(delivered, skus, django_capture_on_commit_callbacks):
    req = _approved(delivered, type="exchange", reason="wrong_item", lines=[{"sku": "SKU-A", "quantity": 1}])
    req = aftersales_receive(request=req, inspection={"SKU-A": "damaged"})
    with pytest.raises(TransitionNotAllowed):
        aftersales_repair(request=req, carrier="sf", tracking_number="SF0000001")

    with django_capture_on_commit_callbacks(execute=True):
        req = aftersales_exchange(request=req, lines=[{"sku": "SKU-B", "quantity": 1}])

    replacement = req.replacement_order
    assert req.status == AftersalesRequest.Status.EXCHANGED
    assert (replacement.replaces, replacement.replacement_reference, replacement.total) == (
        delivered,
        req.number,
        Decimal("0.00"),
    )
    assert replacement.status == Order.Status.PENDING
    assert list(replacement.lines.values_list("sku_code", "quantity", "reserved")) == [("SKU-B", 1, True)]
    assert any(replacement.number in m.body for m in mail.outbox)
    call_command("check_stock_ledger")


def test_exchange_defaults_to_the_same_goods(delivered):
    req = _approved(delivered, type="exchange", lines=[{"sku": "SKU-A", "quantity": 2}])
    req = aftersales_receive(request=req, inspection={"SKU-A": "resellable"})
    req = aftersales_exchange(request=req)
    assert list(req.replacement_order.lines.values_list("sku_code", "quantity")) == [("SKU-A", 2)]


def test_a_repair_is_tracked_back_to_the_customer(delivered):
    req = _approved(delivered, type="repair", lines=[{"sku": "SKU-A", "quantity": 1}])
    stock_rows = StockMovement.objects.count()
    req = aftersales_receive(request=req)  # the customer's goods: no stock moves
    assert StockMovement.objects.count() == stock_rows
    for carrier, tracking, field in [("sf", "", "tracking_number"), ("ups", "UP1234567", "carrier")]:
        with pytest.raises(ValidationError) as exc:
            aftersales_repair(request=req, carrier=carrier, tracking_number=tracking)
        assert field in exc.value.details
    req = aftersales_repair(request=req, carrier="sf", tracking_number="SF8880001", note="更换主板")
    assert (req.status, req.repair_carrier, req.repair_tracking_number) == ("repaired", "sf", "SF8880001")
    assert aftersales_close(request=req).status == AftersalesRequest.Status.CLOSED
