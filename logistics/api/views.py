from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from logistics import selectors, services
from orders.api.views import TRANSITION_RESPONSES, OrderLookupMixin, order_response
from retail import error_codes as codes
from retail.api.base import ApiView, GenericViewSet
from retail.api.schema import ErrorSerializer, links
from retail.errors import ValidationError

from .filters import PickListFilter, ShipmentFilter
from .serializers import (
    CarrierSerializer,
    DeliverSerializer,
    OutboundNoteSerializer,
    PackSerializer,
    PickListLineSerializer,
    PickListSerializer,
    PickRecordSerializer,
    PickScanSerializer,
    ShipmentEventInputSerializer,
    ShipmentEventSerializer,
    ShipmentSerializer,
    ShipSerializer,
    StartPickingSerializer,
)


@extend_schema(tags=["logistics"])
class CarrierView(ApiView):
    @extend_schema(summary="Carrier codes accepted by `ship`", responses={200: CarrierSerializer(many=True)})
    def get(self, request):
        return Response(CarrierSerializer(selectors.carrier_list(), many=True).data)


@extend_schema(tags=["logistics"])
class PickListViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    """Pick lists (拣货单), one per order and warehouse, issued by ``start-picking``.

    Warehouse staff see the lists assigned to them and the unassigned ones; managers and the other
    roles with the view permission see all."""

    serializer_class = PickListSerializer
    filterset_class = PickListFilter
    ordering_fields = ["created_at", "completed_at", "id"]
    required_perms = {
        "list": ("logistics.view_picklist",),
        "retrieve": ("logistics.view_picklist",),
        "lines": ("logistics.view_picklist",),
        "records": ("logistics.view_picklist",),
    }

    def get_queryset(self):
        return selectors.pick_list_scoped(selectors.pick_list_list(), user=self.request.user)

    @extend_schema(summary="The pick list's lines", responses={200: PickListLineSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def lines(self, request, pk=None):
        return Response(PickListLineSerializer(self.get_object().lines.all(), many=True).data)

    @extend_schema(
        methods=["GET"],
        summary="Scans recorded on the pick list, refused ones included",
        responses={200: PickRecordSerializer(many=True)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Record a scan (SKU code or barcode, quantity)",
        description="A SKU not on the list, or more than is left to pick, is 400 `pick_rejected` and is "
        "recorded as a pick error. A pick list that is completed or cancelled is 409.",
        request=PickScanSerializer,
        responses={201: PickRecordSerializer, 409: ErrorSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def records(self, request, pk=None):
        pick_list = self.get_object()
        if request.method == "GET":
            return Response(
                PickRecordSerializer(selectors.pick_records_for(pick_list=pick_list), many=True).data
            )
        body = PickScanSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        record = services.pick_record(
            pick_list=pick_list,
            code=body.validated_data["sku"],
            quantity=body.validated_data["quantity"],
            by=request.user,
        )
        return Response(PickRecordSerializer(record).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["logistics"])
class OutboundNoteViewSet(mixins.RetrieveModelMixin, GenericViewSet):
    """Outbound notes (出库单), issued by ``pack``; ``print_url`` is the printable page for staff."""

    serializer_class = OutboundNoteSerializer
    lookup_field = "number"
    lookup_value_regex = "[^/]+"
    required_perms = {"retrieve": ("logistics.view_outboundnote",)}

    def get_queryset(self):
        return selectors.outbound_note_list()


@extend_schema(tags=["logistics"])
class ShipmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    """Shipments (发货单) with the carrier's tracking number and events."""

    serializer_class = ShipmentSerializer
    filterset_class = ShipmentFilter
    lookup_field = "number"
    lookup_value_regex = "[^/]+"
    ordering_fields = ["shipped_at", "delivered_at", "number"]
    required_perms = {
        "list": ("logistics.view_shipment",),
        "retrieve": ("logistics.view_shipment",),
        "events": ("logistics.record_shipment_event",),
    }

    def get_queryset(self):
        return selectors.shipment_list()

    @extend_schema(
        summary="Record a carrier tracking event",
        description="A `delivered` event completes the order once all its shipments are delivered. The same "
        "status, time and location again is acknowledged (200) and changes nothing; a move the shipment's "
        "state machine forbids (e.g. after delivery) is 409.",
        request=ShipmentEventInputSerializer,
        responses={
            201: ShipmentEventSerializer,
            200: OpenApiResponse(ShipmentEventSerializer, "Duplicate event"),
            409: ErrorSerializer,
        },
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def events(self, request, number=None):
        body = ShipmentEventInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        event, created = services.shipment_record_event(
            shipment=self.get_object(), by=request.user, **body.validated_data
        )
        return Response(
            ShipmentEventSerializer(event).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


@extend_schema(tags=["orders"])
class OrderFulfilmentViewSet(OrderLookupMixin, GenericViewSet):
    """The order transitions that belong to the warehouse and logistics (``/api/orders/{number}/…``)."""

    serializer_class = StartPickingSerializer
    # The transition permission itself (orders.pick_order, …) is checked by the state machine.
    required_perms = {
        action: ("orders.view_order",) for action in ("start_picking", "pack", "ship", "deliver")
    }

    @extend_schema(
        summary="Start picking: issues the pick lists (待处理 → 处理中)",
        request=StartPickingSerializer,
        responses=TRANSITION_RESPONSES,
        extensions=links(
            200,
            {"id": "$response.body#/pick_lists/0/id"},
            "logistics_pick_lists_retrieve",
            "logistics_pick_lists_lines_list",
            "logistics_pick_lists_records_create",
        ),
    )
    @action(detail=True, methods=["post"], url_path="start-picking")
    def start_picking(self, request, number=None):
        body = StartPickingSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        picker = None
        if username := body.validated_data.get("picker"):
            picker = get_user_model().objects.filter(username=username, is_active=True).first()
            if picker is None:
                raise ValidationError(
                    f"用户 {username} 不存在。", code=codes.UNKNOWN_USER, details={"picker": [username]}
                )
        order = services.order_start_picking(order=self.get_order(), by=request.user, picker=picker)
        return order_response(request, order)

    @extend_schema(
        summary="Pack with QC: issues the outbound note (处理中 → 待发货)",
        description="409 `picks_incomplete` while the pick records differ from the lines; a failed QC "
        "(`qc_passed: false` with a `qc_note`) is 409 `qc_failed` and sends the order back to picking.",
        request=PackSerializer,
        responses=TRANSITION_RESPONSES,
        extensions=links(
            200, {"number": "$response.body#/outbound_notes/0/number"}, "logistics_outbound_notes_retrieve"
        ),
    )
    @action(detail=True, methods=["post"])
    def pack(self, request, number=None):
        body = PackSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return order_response(
            request, services.order_pack(order=self.get_order(), by=request.user, **body.validated_data)
        )

    @extend_schema(
        summary="Ship with carrier and tracking number (待发货 → 已发货)",
        request=ShipSerializer,
        responses=TRANSITION_RESPONSES,
        extensions=links(
            200,
            {"number": "$response.body#/shipments/0/number"},
            "logistics_shipments_retrieve",
            "logistics_shipments_events_create",
        ),
    )
    @action(detail=True, methods=["post"])
    def ship(self, request, number=None):
        body = ShipSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return order_response(
            request, services.order_ship(order=self.get_order(), by=request.user, **body.validated_data)
        )

    @extend_schema(
        summary="Confirm delivery (已发货 → 已完成)",
        request=DeliverSerializer,
        responses=TRANSITION_RESPONSES,
    )
    @action(detail=True, methods=["post"])
    def deliver(self, request, number=None):
        body = DeliverSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return order_response(
            request, services.order_deliver(order=self.get_order(), by=request.user, **body.validated_data)
        )
