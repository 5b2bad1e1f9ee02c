"""The floor's small helpers: the initial state of a new row, the HMAC signature, the cleaners."""

import hashlib
import hmac
from decimal import Decimal

import pytest

from orders.models import Order
from retail.errors import ValidationError
from retail.fsm import fsm_set_initial_state
from retail.signing import signature_compute, signature_verify
from retail.validation import actor_of, amount_clean, normalize_phone, text_clean


def test_a_new_row_takes_its_initial_state_but_a_saved_one_refuses():
    order = Order()
    fsm_set_initial_state(order, "status", Order.S.PENDING)
    assert order.status == Order.S.PENDING
    order._state.adding = False  # as after save()
    with pytest.raises(ValueError):
        fsm_set_initial_state(order, "status", Order.S.CANCELLED)
    assert order.status == Order.S.PENDING


def test_the_signature_is_hmac_sha256_of_the_raw_body():
    body = b'{"order": "SO1", "amount": "10.00"}'
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert signature_compute(secret="s3cret", body=body) == expected
    assert signature_verify(secret="s3cret", body=body, signature=expected)
    assert not signature_verify(secret="s3cret", body=body + b" ", signature=expected)
    assert not signature_verify(secret="other", body=body, signature=expected)
    assert not signature_verify(secret=None, body=body, signature=expected)
    assert not signature_verify(secret="s3cret", body=body, signature=None)
    assert not signature_verify(secret="s3cret", body=body, signature="sha256=é")


@pytest.mark.parametrize("value", ["0", "-1", "abc", "NaN", "Infinity", "10000000000", None, [1]])
def test_an_amount_is_positive_finite_and_below_the_column_limit(value):
    with pytest.raises(ValidationError) as exc:
        amount_clean(value)
    assert "amount" in exc.value.details


def test_amounts_round_half_up_to_the_cent_and_zero_only_when_allowed():
    assert amount_clean("12.345") == Decimal("12.35")
    assert amount_clean(0.1) == Decimal("0.10")
    assert amount_clean("0", allow_zero=True) == Decimal("0.00")
    assert amount_clean("99999999999", maximum=None) == Decimal("99999999999.00")


def test_text_is_trimmed_and_refuses_nul_and_overlong():
    assert text_clean("  hi ", name="n", max_length=5) == "hi"
    for bad in ("a\x00b", "toolong", 5):
        with pytest.raises(ValidationError) as exc:
            text_clean(bad, name="n", max_length=5)
        assert exc.value.details == {"n": exc.value.details["n"]}


def test_phone_normalising_and_the_actor():
    assert normalize_phone("+86 138-0013-8000") == "13800138000"

    class Anonymous:
        pk = None

    assert actor_of(None) is None and actor_of(Anonymous()) is None
