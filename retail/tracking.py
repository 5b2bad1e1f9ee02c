"""Public order tracking (API.md "Public", settled detail 9): an order's status and timeline for a
customer who gives its number and the phone or email on it, with no login and no personal data.

An unknown number and a wrong contact give the same answer, byte for byte, and every lookup counts
against one throttle per client (``tracking`` rate), shared by the JSON endpoint and the HTML page."""

from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from orders.models import Order
from retail.api.schema import ErrorSerializer
from retail.fsm import state_log_for
from retail.validation import normalize_email, normalize_phone

NOT_FOUND_MESSAGE = "未找到该订单，请核对订单号和手机号或邮箱。"

# What the customer reads for each transition; staff remarks (descriptions) stay internal.
TRANSITION_TEXT = {
    "place": _("订单已提交"),
    "confirm": _("订单已确认，等待仓库处理"),
    "mark_shortage": _("部分商品暂时缺货，客服将与您联系"),
    "resolve_shortage": _("缺货已处理"),
    "start_picking": _("仓库正在拣货"),
    "pack": _("已打包出库，等待承运商揽收"),
    "ship": _("已发货"),
    "deliver": _("已签收，订单完成"),
    "cancel": _("订单已取消"),
    "expire": _("超过付款时限，订单已取消"),
}


class TrackingThrottle(SimpleRateThrottle):
    """Per client address, whoever is logged in: guessing numbers costs the same for everyone."""

    scope = "tracking"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def order_for_tracking(*, number, contact) -> Order | None:
    """The order with this number whose phone (normalised) or email (any case) is ``contact``."""
    number, contact = (number or "").strip(), (contact or "").strip()
    if not number or not contact or len(number) > 32 or len(contact) > 254 or "\x00" in number + contact:
        return None
    order = Order.objects.filter(number=number).prefetch_related("lines", "shipments__events").first()
    if order is None:
        return None
    if "@" in contact:
        matches = normalize_email(contact) == normalize_email(order.customer_email)
    else:
        phone = normalize_phone(contact)
        matches = phone is not None and phone == normalize_phone(order.customer_phone)
    return order if matches else None


def tracking_payload(order: Order) -> dict:
    labels = dict(Order.Status.choices)
    return {
        "number": order.number,
        "status": order.status,
        "status_display": str(order.get_status_display()),
        "placed_at": order.placed_at,
        "lines": [{"name": line.name, "quantity": line.quantity} for line in order.lines.all()],
        "shipments": [
            {
                "carrier": s.carrier,
                "carrier_display": str(s.get_carrier_display()),
                "tracking_number": s.tracking_number,
                "status": s.status,
                "status_display": str(s.get_status_display()),
                "events": [
                    {
                        "at": e.occurred_at,
                        "status": e.status,
                        "status_display": str(e.get_status_display()),
                        "location": e.location,
                        "description": e.description,
                    }
                    for e in s.events.all()
                ],
            }
            for s in order.shipments.all()
        ],
        "timeline": [
            {
                "at": log.timestamp,
                "status": log.state,
                "status_display": str(labels.get(log.state, log.state)),
                "description": str(TRANSITION_TEXT.get(log.transition, labels.get(log.state, ""))),
            }
            for log in state_log_for(order)
        ],
    }


class TrackingEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    status = serializers.CharField()
    status_display = serializers.CharField()
    location = serializers.CharField(allow_blank=True)
    description = serializers.CharField(allow_blank=True)


class TrackingShipmentSerializer(serializers.Serializer):
    carrier = serializers.CharField()
    carrier_display = serializers.CharField()
    tracking_number = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField()
    events = TrackingEventSerializer(many=True)


class TrackingLineSerializer(serializers.Serializer):
    name = serializers.CharField()
    quantity = serializers.IntegerField()


class TrackingTimelineSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    status = serializers.CharField()
    status_display = serializers.CharField()
    description = serializers.CharField(allow_blank=True)


class TrackingSerializer(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField()
    placed_at = serializers.DateTimeField()
    lines = TrackingLineSerializer(many=True)
    shipments = TrackingShipmentSerializer(many=True)
    timeline = TrackingTimelineSerializer(many=True)


class TrackView(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (TrackingThrottle,)

    @extend_schema(
        tags=["public"],
        summary="Track an order (public, no login)",
        description="The order number plus the phone number or email on the order. An unknown number and a "
        "wrong contact give the same 404; lookups are throttled per client (429).",
        parameters=[
            OpenApiParameter("number", str, required=True, description="Order number"),
            OpenApiParameter("contact", str, required=True, description="Phone number or email on the order"),
        ],
        responses={200: TrackingSerializer, 404: ErrorSerializer, 429: ErrorSerializer},
        auth=[],
    )
    def get(self, request):
        order = order_for_tracking(
            number=request.query_params.get("number"), contact=request.query_params.get("contact")
        )
        if order is None:
            raise NotFound(NOT_FOUND_MESSAGE)
        return Response(TrackingSerializer(tracking_payload(order)).data)


@require_GET
def track_page(request):
    """The same lookup as a mobile-friendly page; the form submits by GET so a link can be shared."""
    number, contact = request.GET.get("number", ""), request.GET.get("contact", "")
    context = {"number": number.replace("\x00", ""), "contact": contact.replace("\x00", "")}
    status = 200
    if number or contact:
        throttle = TrackingThrottle()
        if not throttle.allow_request(request, None):
            context["throttled"] = True
            status = 429
        else:
            order = order_for_tracking(number=number, contact=contact)
            if order is None:
                context["not_found"] = NOT_FOUND_MESSAGE
                status = 404
            else:
                context["result"] = tracking_payload(order)
    return render(request, "retail/track.html", context, status=status)
