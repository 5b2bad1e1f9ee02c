from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales import selectors, services
from retail.api.base import GenericViewSet
from retail.api.idempotency import idempotent
from retail.api.schema import IDEMPOTENCY_KEY, ErrorSerializer, links

from .filters import AftersalesRequestFilter
from .serializers import (
    AftersalesCreateSerializer,
    AftersalesRequestSerializer,
    ExchangeSerializer,
    NoteSerializer,
    ReceiveSerializer,
    RefundSerializer,
    RejectSerializer,
    RepairSerializer,
)

# name → (body, summary, the service called with the body's fields, each named)
TRANSITIONS = {
    "approve": (
        NoteSerializer,
        "Approve: goods come back (awaiting_return) or, refund only, approved",
        lambda req, by, d: services.aftersales_approve(request=req, by=by, note=d["note"]),
    ),
    "reject": (
        RejectSerializer,
        "Reject with a reason",
        lambda req, by, d: services.aftersales_reject(request=req, by=by, reason=d["reason"]),
    ),
    "receive": (
        ReceiveSerializer,
        "Goods received and inspected: resellable back on hand, damaged written off",
        lambda req, by, d: services.aftersales_receive(
            request=req, by=by, inspection=d["inspection"], note=d["note"]
        ),
    ),
    "refund": (
        RefundSerializer,
        "Refund (return, exchange after receipt; refund only after approval)",
        lambda req, by, d: services.aftersales_refund(request=req, by=by, amount=d["amount"], note=d["note"]),
    ),
    "exchange": (
        ExchangeSerializer,
        "Exchange: a zero-price replacement order",
        lambda req, by, d: services.aftersales_exchange(request=req, by=by, lines=d["lines"], note=d["note"]),
    ),
    "repair": (
        RepairSerializer,
        "Repaired and sent back with carrier and tracking number",
        lambda req, by, d: services.aftersales_repair(
            request=req, by=by, carrier=d["carrier"], tracking_number=d["tracking_number"], note=d["note"]
        ),
    ),
    "close": (
        NoteSerializer,
        "Close a settled or rejected request",
        lambda req, by, d: services.aftersales_close(request=req, by=by, note=d["note"]),
    ),
}


def _transition(name: str):
    body_serializer, summary, service = TRANSITIONS[name]

    def run(self, request, number=None):
        body = body_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        service(self.get_object(), request.user, body.validated_data)
        return Response(AftersalesRequestSerializer(selectors.aftersales_request_get(number=number)).data)

    run.__name__ = name
    return extend_schema(
        summary=summary,
        request=body_serializer,
        responses={200: AftersalesRequestSerializer, 409: ErrorSerializer},
    )(action(detail=True, methods=["post"])(run))


@extend_schema(tags=["aftersales"])
class AftersalesRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    """After-sales requests (售后申请), addressed by number (``AS…``)."""

    serializer_class = AftersalesRequestSerializer
    filterset_class = AftersalesRequestFilter
    lookup_field = "number"
    lookup_value_regex = "[^/]+"
    ordering_fields = ["submitted_at", "number", "status"]
    required_perms = {
        "list": ("aftersales.view_aftersalesrequest",),
        "retrieve": ("aftersales.view_aftersalesrequest",),
        "create": ("aftersales.add_aftersalesrequest",),
        # The transition permission itself (review_request, refund_request, …) is checked by the state machine.
        **{name: ("aftersales.view_aftersalesrequest",) for name in TRANSITIONS},
    }

    def get_queryset(self):
        return selectors.aftersales_request_list()

    @extend_schema(
        summary="File an after-sales request for delivered goods",
        description="400 `not_delivered` before the order is completed, `window_closed` past the type's window, "
        "`quantity_exceeds_delivered` beyond what was delivered less earlier requests.",
        request=AftersalesCreateSerializer,
        responses={201: AftersalesRequestSerializer},
        parameters=[IDEMPOTENCY_KEY],
        extensions=links(
            201,
            {"number": "$response.body#/number"},
            "aftersales_requests_retrieve",
            *(f"aftersales_requests_{name}_create" for name in TRANSITIONS),
        ),
    )
    @idempotent
    def create(self, request):
        body = AftersalesCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        req = services.aftersales_request_create(by=request.user, **body.validated_data)
        return Response(
            AftersalesRequestSerializer(selectors.aftersales_request_get(number=req.number)).data,
            status=status.HTTP_201_CREATED,
        )

    approve = _transition("approve")
    reject = _transition("reject")
    receive = _transition("receive")
    refund = _transition("refund")
    exchange = _transition("exchange")
    repair = _transition("repair")
    close = _transition("close")
