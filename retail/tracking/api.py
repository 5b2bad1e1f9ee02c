"""``GET /api/track/?number=…&contact=…``: the public tracking answer as JSON."""

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from orders.forms import ORDER_LOOKUP_NOT_FOUND
from orders.selectors import order_for_tracking
from retail.api.schema import ErrorSerializer
from retail.api.throttling import TrackingThrottle

from .cache import tracking_answer_json
from .payload import TRACKING_DIGEST_PARTS, tracking_json

JSON = "application/json"


class TrackingEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    status = serializers.CharField()
    status_display = serializers.CharField()
    location = serializers.CharField(allow_blank=True)


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


class TrackingNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, with the common case answered without parsing the ``Accept`` header: no
    header, ``*/*`` or ``application/json``, and no ``?format=``, is what DRF picks for it, the JSON
    renderer as ``application/json``. Everything else (``; indent=2``, ``text/html``'s 406, a
    ``format``) goes to DRF unchanged."""

    PLAIN = frozenset(("", "*/*", JSON))

    def select_renderer(self, request, renderers, format_suffix=None):
        if (
            not format_suffix
            and request.META.get("HTTP_ACCEPT", "") in self.PLAIN
            and self.settings.URL_FORMAT_OVERRIDE not in request.query_params
            and renderers[0].media_type == JSON
        ):
            return renderers[0], JSON
        return super().select_renderer(request, renderers, format_suffix)


class TrackView(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (TrackingThrottle,)
    content_negotiation_class = TrackingNegotiation

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
        # The selector checks what OrderLookupForm would (blank, too long, NUL) without a form's cost.
        order = order_for_tracking(
            number=request.query_params.get("number"),
            contact=request.query_params.get("contact"),
            digest_parts=TRACKING_DIGEST_PARTS,
        )
        if order is None:
            raise NotFound(ORDER_LOOKUP_NOT_FOUND)
        if request.accepted_media_type != JSON:
            # A client asking for e.g. "application/json; indent=4" gets the renderer's own answer.
            return Response(tracking_json(order))
        # The document TrackingSerializer describes (the schema), built as plain data and rendered
        # once per version of the order (retail.tracking.cache): the bytes Response would write.
        return HttpResponse(tracking_answer_json(order), content_type=JSON)
