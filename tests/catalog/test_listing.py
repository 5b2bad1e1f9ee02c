"""The listing state machine as a table, and what a listing review needs (seed 003 §三.1)."""

import pytest
from django_fsm_log.models import StateLog

from catalog.models import SKU, Product
from catalog.services import product_transition
from catalog.validators import barcode_check_digit_ok
from retail.errors import TransitionNotAllowed, ValidationError
from tests.factories import CategoryFactory, SKUFactory

pytestmark = pytest.mark.django_db

ALLOWED = {
    ("draft", "submit"): "in_review",
    ("in_review", "approve"): "published",
    ("in_review", "reject"): "draft",
    ("delisted", "publish"): "published",
    ("published", "delist"): "delisted",
}
TRANSITIONS = ["submit", "approve", "reject", "publish", "delist"]


def complete_product(status="draft"):
    product = Product.objects.create(
        name="无线耳机",
        category=CategoryFactory(),
        description="蓝牙5.3",
        images=["https://img.example.com/a.jpg"],
        status=status,
    )
    SKUFactory(product=product, code=f"EAR-{status}")
    return product


@pytest.mark.parametrize("status", Product.Status.values)
@pytest.mark.parametrize("transition", TRANSITIONS)
def test_listing_transition_table(status, transition, staff_user):
    product = complete_product(status)
    logs = StateLog.objects.count()
    target = ALLOWED.get((status, transition))
    if target:
        product = product_transition(product=product, transition=transition, by=staff_user, reason="理由")
        assert Product.objects.get(pk=product.pk).status == target
        log = StateLog.objects.get(object_id=product.pk, transition=transition)
        assert (log.source_state, log.state, log.by) == (status, target, staff_user)
    else:
        with pytest.raises(TransitionNotAllowed):
            product_transition(product=product, transition=transition, by=staff_user, reason="理由")
        assert Product.objects.get(pk=product.pk).status == status
        assert StateLog.objects.count() == logs


@pytest.mark.parametrize("missing", ["description", "category", "images", "skus"])
def test_submit_needs_a_complete_listing(missing):
    product = complete_product()
    if missing == "skus":
        SKU.objects.filter(product=product).update(is_active=False)
    else:
        setattr(product, missing, [] if missing == "images" else ("" if missing == "description" else None))
        product.save()
    with pytest.raises(ValidationError) as exc:
        product_transition(product=product, transition="submit")
    assert exc.value.code == "listing_incomplete"
    assert missing in exc.value.details["missing"]
    assert Product.objects.get(pk=product.pk).status == "draft"


def test_reject_needs_a_reason_and_returns_to_draft_with_it(staff_user):
    product = product_transition(product=complete_product(), transition="submit")
    with pytest.raises(ValidationError):
        product_transition(product=product, transition="reject", by=staff_user, reason="  ")
    product = product_transition(product=product, transition="reject", by=staff_user, reason="图片不清晰")
    assert product.status == "draft" and product.reject_reason == "图片不清晰"


def test_only_a_reviewer_may_approve(django_user_model):
    from retail.errors import PermissionDenied

    clerk = django_user_model.objects.create_user("clerk", password="x", is_staff=True)
    product = product_transition(product=complete_product(), transition="submit", by=clerk)
    with pytest.raises(PermissionDenied):
        product_transition(product=product, transition="approve", by=clerk)
    assert Product.objects.get(pk=product.pk).status == "in_review"


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        ("6901234567892", True),
        ("6901234567891", False),
        ("96385074", True),
        ("96385075", False),
        ("036000291452", True),
        ("036000291453", False),
        ("12345", False),
        ("69012345678a2", False),
    ],
)
def test_barcode_check_digits(code, ok):
    assert barcode_check_digit_ok(code) is ok
