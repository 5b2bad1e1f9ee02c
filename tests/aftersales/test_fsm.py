"""The after-sales request state machine as a table over type × state × transition: each allowed
edge works and leaves one audit row; every other pair raises, changes nothing, writes no audit row."""

import itertools

import pytest
from django_fsm_log.models import StateLog

from aftersales.models import AftersalesRequest, RequestType
from aftersales.services import aftersales_approve
from retail.errors import PermissionDenied, TransitionNotAllowed
from retail.fsm import transition_run
from tests.factories import UserFactory
from tests.helpers.orders import place

pytestmark = pytest.mark.django_db

S = AftersalesRequest.Status
T = RequestType
TRANSITIONS = ["approve", "reject", "receive", "refund", "exchange", "repair", "close"]


def expected(type, state, transition):
    """The graph (docs/state-machines.md): the target, or None where the move is not allowed."""
    goods_back = type in (T.RETURN, T.EXCHANGE, T.REPAIR)
    edges = {
        (S.SUBMITTED, "approve"): S.AWAITING_RETURN if goods_back else S.APPROVED,
        (S.SUBMITTED, "reject"): S.REJECTED,
        (S.AWAITING_RETURN, "receive"): S.RECEIVED,
        (S.APPROVED, "refund"): S.REFUNDED if type == T.REFUND_ONLY else None,
        (S.RECEIVED, "refund"): S.REFUNDED if type in (T.RETURN, T.EXCHANGE) else None,
        (S.RECEIVED, "exchange"): S.EXCHANGED if type == T.EXCHANGE else None,
        (S.RECEIVED, "repair"): S.REPAIRED if type == T.REPAIR else None,
        **{(s, "close"): S.CLOSED for s in (S.REJECTED, S.REFUNDED, S.EXCHANGED, S.REPAIRED)},
    }
    return edges.get((state, transition))


@pytest.fixture
def order(sku, warehouse):
    from tests.factories import stock_in

    stock_in(sku, warehouse, 5)
    return place()


@pytest.mark.parametrize(
    ("type", "state", "transition"), list(itertools.product(T.values, S.values, TRANSITIONS))
)
def test_request_graph(order, type, state, transition):
    req = AftersalesRequest.objects.create(number="AS-TABLE", order=order, type=type, reason="quality")
    AftersalesRequest.objects.filter(pk=req.pk).update(status=state)
    req.refresh_from_db()
    target = expected(type, state, transition)

    if target is None:
        with pytest.raises(TransitionNotAllowed):
            transition_run(req, transition, description="x")
        req.refresh_from_db()
        assert req.status == state and not StateLog.objects.for_(req).exists()
    else:
        transition_run(req, transition, description="x")
        req.refresh_from_db()
        assert req.status == target
        log = StateLog.objects.for_(req).get()
        assert (log.source_state, log.state, log.transition) == (state, target, transition)


def test_review_needs_the_specialist_permission(order, specialist):
    req = AftersalesRequest.objects.create(number="AS-PERM", order=order, type="return", reason="quality")
    with pytest.raises(PermissionDenied):
        aftersales_approve(request=req, by=UserFactory(username="sales"))
    req.refresh_from_db()
    assert req.status == S.SUBMITTED
    assert aftersales_approve(request=req, by=specialist).reviewed_by == specialist
