import logging

from django.conf import settings
from django.utils import translation
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from crm.models import Customer
from orders import selectors, services
from orders.models import Order
from retail import error_codes as codes
from retail.api.base import ApiView, EmptySerializer, GenericViewSet
from retail.api.exceptions import Unauthorized
from retail.api.idempotency import idempotent, scoped_key
from retail.api.schema import IDEMPOTENCY_KEY, SIGNATURE, ErrorSerializer, links
from retail.errors import NotFound, ValidationError
from retail.signing import signature_verify

from .filters import OrderFilter
from .serializers import (
    AckSerializer,
    CancelSerializer,
    LinesInputSerializer,
    OrderCreateSerializer,
    OrderSerializer,
    PaymentInputSerializer,
    PaymentNotificationSerializer,
    PaymentSerializer,
    TimelineEntrySerializer,
    placed_order_representation,
)

logger = logging.getLogger(__name__)

NUMBER_REGEX = "[^/]+"
TRANSITION_RESPONSES = {200: OrderSerializer, 409: ErrorSerializer}


def order_queryset():
    """Orders as the API shows them: lines with their warehouse, pick lists, notes and shipments
    (seven queries for a page, however many rows)."""
    # Fulfilment documents belong to logistics; they are reached through the order's reverse relations.
    return selectors.order_list().prefetch_related("pick_lists__warehouse", "outbound_notes", "shipments")


def order_response(request, order: Order, *, status_code=status.HTTP_200_OK) -> Response:
    """The order as it is now in the database (after a transition, a placement)."""
    fresh = selectors.order_get(number=order.number, qs=order_queryset())
    return Response(OrderSerializer(fresh, context={"request": request}).data, status=status_code)


class OrderLookupMixin:
    lookup_field = "number"
    lookup_value_regex = NUMBER_REGEX

    def get_queryset(self):
        return order_queryset()

    def get_order(self) -> Order:
        return selectors.order_get(number=self.kwargs["number"], qs=Order.objects.all())


@extend_schema(tags=["orders"])
class OrderViewSet(OrderLookupMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    """Orders of every channel, addressed by number (``SO20261124000123``)."""

    serializer_class = OrderSerializer
    filterset_class = OrderFilter
    ordering_fields = ["placed_at", "total", "number", "status"]
    required_perms = {
        "list": ("orders.view_order",),
        "retrieve": ("orders.view_order",),
        "create": ("orders.add_order",),
        "events": ("orders.view_order",),
        "payments": ("orders.record_payment",),
        "confirm": ("orders.change_order",),
        # The transition permission itself (orders.cancel_order, …) is checked by the state machine.
        "cancel": ("orders.view_order",),
        "resolve_shortage": ("orders.view_order",),
    }

    @extend_schema(
        summary="Place an order",
        description="Prices come from the catalog. An in-store order that cannot be reserved at once is 409 "
        "`insufficient_stock` and no order exists; any other channel is placed `backordered` (201).",
        request=OrderCreateSerializer,
        responses={
            201: OrderSerializer,
            200: OpenApiResponse(OrderSerializer, "Already placed with this key"),
            409: ErrorSerializer,
        },
        parameters=[IDEMPOTENCY_KEY],
        extensions=links(
            201,
            {"number": "$response.body#/number"},
            "orders_retrieve",
            "orders_events_list",
            "orders_payments_create",
            "orders_confirm_create",
            "orders_resolve_shortage_create",
            "orders_cancel_create",
            "orders_start_picking_create",
            "orders_pack_create",
            "orders_ship_create",
            "orders_deliver_create",
        ),
    )
    @idempotent
    def create(self, request):
        body = OrderCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if "language" not in data and request.META.get("HTTP_ACCEPT_LANGUAGE"):
            data["language"] = translation.get_language_from_request(request)
        order, created = services.order_place(**data, idempotency_key=scoped_key(request), by=request.user)
        if not created:  # the key's first order, as it is now
            return order_response(request, order)
        return Response(placed_order_representation(order), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Confirm (the automatic audit, or a reviewer approving a large order)",
        request=EmptySerializer,
        responses=TRANSITION_RESPONSES,
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, number=None):
        return order_response(request, services.order_confirm(order=self.get_order(), by=request.user))

    @extend_schema(
        summary="Cancel: reservations released, a paid amount becomes refund due",
        request=CancelSerializer,
        responses=TRANSITION_RESPONSES,
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, number=None):
        body = CancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        order = services.order_cancel(
            order=self.get_order(), by=request.user, reason=body.validated_data["reason"]
        )
        return order_response(request, order)

    @extend_schema(
        summary="Resolve a shortage with the lines agreed with the customer",
        description="Moves a backordered order to `awaiting_payment` if payment is still due, "
        "else `pending`; 409 `insufficient_stock` changes nothing.",
        request=LinesInputSerializer,
        responses=TRANSITION_RESPONSES,
    )
    @action(detail=True, methods=["post"], url_path="resolve-shortage")
    def resolve_shortage(self, request, number=None):
        body = LinesInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        order = services.order_resolve_shortage(
            order=self.get_order(),
            lines=body.validated_data["lines"],
            by=request.user,
            description=body.validated_data["description"],
        )
        return order_response(request, order)

    @extend_schema(
        summary="Timeline: status changes, payments, shipment events, notes, notifications",
        responses={200: TimelineEntrySerializer(many=True)},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None, ordering_fields=[])
    def events(self, request, number=None):
        entries = selectors.order_timeline(order=self.get_order())
        return Response(TimelineEntrySerializer(entries, many=True).data)

    @extend_schema(
        summary="Record a payment received by staff (bank transfer, counter)",
        description="Idempotent on `reference`: a repeat answers 200 with the first payment and changes nothing. "
        "An amount that differs from the total is recorded and flagged, not applied.",
        request=PaymentInputSerializer,
        responses={201: PaymentSerializer, 200: OpenApiResponse(PaymentSerializer, "Already recorded")},
        parameters=[IDEMPOTENCY_KEY],
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    @idempotent
    def payments(self, request, number=None):
        body = PaymentInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        payment, created = services.order_payment_record(
            order=self.get_order(), by=request.user, **body.validated_data
        )
        return Response(
            PaymentSerializer(payment).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


@extend_schema(tags=["crm"])
class CustomerOrdersView(mixins.ListModelMixin, GenericViewSet):
    """Every order of one customer, all channels (``/api/crm/customers/{id}/orders/``)."""

    serializer_class = OrderSerializer
    filterset_class = OrderFilter
    ordering_fields = ["placed_at", "total", "number", "status"]
    required_perms = {"list": ("orders.view_order", "crm.view_customer")}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no URL kwargs
            return Order.objects.none()
        customer_id = self.kwargs["customer_id"]
        if not Customer.objects.filter(pk=customer_id).exists():
            raise NotFound(f"客户 {customer_id} 不存在。")
        return order_queryset().filter(customer_id=customer_id)


@extend_schema(tags=["payments"])
class PaymentNotifyView(ApiView):
    """Payment provider callback, authenticated by ``X-Signature: sha256=<hex HMAC-SHA256 of the raw
    body>`` with the provider's secret (``PAYMENT_PROVIDER_SECRETS``)."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    # Signed by the provider; a provider retrying a burst of notifications must not be refused.
    throttle_classes = ()

    @extend_schema(
        summary="Payment provider notification (signed webhook)",
        description='200 `{"status": "ok"}` for a first or a repeated notification (idempotent on the '
        "provider's reference); 401 for an unknown provider or a bad or missing signature, changing nothing.",
        request=PaymentNotificationSerializer,
        responses={200: AckSerializer, 401: ErrorSerializer},
        auth=[],
        parameters=[SIGNATURE],
    )
    def post(self, request, provider):
        raw = request.body  # the signature covers the bytes as sent, before any parsing
        secret = settings.PAYMENT_PROVIDER_SECRETS.get(provider)
        if not signature_verify(secret=secret, body=raw, signature=request.headers.get("X-Signature", "")):
            logger.warning(
                "payment notification refused: provider %r, bad or missing signature", provider[:30]
            )
            raise Unauthorized("Unknown provider or invalid signature.", code=codes.INVALID_SIGNATURE)
        body = PaymentNotificationSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if data["status"] != "succeeded":
            logger.info(
                "payment notification %s for %s: status %s, nothing recorded",
                data["reference"],
                data["order"],
                data["status"],
            )
            return Response({"status": "ok"})
        order = Order.objects.filter(number=data["order"]).first()
        if order is None:
            raise ValidationError(
                f"订单 {data['order']} 不存在。", code=codes.UNKNOWN_ORDER, details={"order": [data["order"]]}
            )
        services.order_payment_record(
            order=order,
            method=provider,
            provider=provider,
            amount=data["amount"],
            reference=data["reference"],
            raw=request.data,
        )
        return Response({"status": "ok"})
