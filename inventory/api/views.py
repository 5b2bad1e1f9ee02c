from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.response import Response

from inventory import selectors, services
from inventory.models import Warehouse
from retail.api.base import ApiView, GenericViewSet
from retail.api.idempotency import idempotent
from retail.api.schema import IDEMPOTENCY_KEY

from .filters import MovementFilter, StockFilter, WarehouseFilter
from .serializers import (
    AdjustmentResultSerializer,
    AdjustmentSerializer,
    MovementSerializer,
    ReceiptResultSerializer,
    ReceiptSerializer,
    StockSerializer,
    WarehouseSerializer,
)


@extend_schema(tags=["inventory"])
class WarehouseViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, GenericViewSet):
    """Warehouses, addressed by ``code``; a lower ``priority`` ships first."""

    queryset = Warehouse.objects.all()
    serializer_class = WarehouseSerializer
    filterset_class = WarehouseFilter
    ordering_fields = ["code", "priority", "name"]
    required_perms = {"list": ("inventory.view_warehouse",), "create": ("inventory.add_warehouse",)}

    def perform_create(self, serializer):
        serializer.instance = services.warehouse_create(**serializer.validated_data)


@extend_schema(tags=["inventory"])
class StockViewSet(mixins.ListModelMixin, GenericViewSet):
    """Stock per SKU and warehouse: ``available = on_hand − reserved``."""

    serializer_class = StockSerializer
    filterset_class = StockFilter
    ordering_fields = ["on_hand", "reserved", "available_qty", "sku__code", "warehouse__code"]
    required_perms = {"list": ("inventory.view_stock",)}

    def get_queryset(self):
        return selectors.stock_list()


@extend_schema(tags=["inventory"])
class MovementViewSet(mixins.ListModelMixin, GenericViewSet):
    """The stock ledger, newest first: every change of on-hand or reserved is one row."""

    serializer_class = MovementSerializer
    filterset_class = MovementFilter
    ordering_fields = ["created_at", "id"]
    required_perms = {"list": ("inventory.view_stockmovement",)}

    def get_queryset(self):
        return selectors.movement_list()


@extend_schema(tags=["inventory"])
class ReceiptView(ApiView):
    required_perms = {"post": ("inventory.add_stockmovement",)}

    @extend_schema(
        summary="Receive stock (one receipt row per line)",
        request=ReceiptSerializer,
        responses={201: ReceiptResultSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    @idempotent
    def post(self, request):
        body = ReceiptSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        movements = services.stock_receive(
            warehouse=data["warehouse"],
            lines=[(line["sku"], line["quantity"]) for line in data["lines"]],
            reference=data["reference"],
            by=request.user,
        )
        result = {"warehouse": data["warehouse"].code, "reference": data["reference"], "movements": movements}
        return Response(ReceiptResultSerializer(result).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["inventory"])
class AdjustmentView(ApiView):
    required_perms = {"post": ("inventory.change_stock",)}

    @extend_schema(
        summary="Set on-hand to a physical count (one adjustment row: counted − before)",
        request=AdjustmentSerializer,
        responses={201: AdjustmentResultSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    @idempotent
    def post(self, request):
        body = AdjustmentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        movement = services.stock_adjust(
            warehouse=data["warehouse"],
            sku=data["sku"],
            counted=data["counted"],
            reason=data["reason"],
            by=request.user,
        )
        stock = selectors.stock_list().get(sku=data["sku"], warehouse=data["warehouse"])
        return Response(
            AdjustmentResultSerializer({"stock": stock, "movement": movement}).data,
            status=status.HTTP_201_CREATED,
        )
