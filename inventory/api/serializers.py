from rest_framework import serializers

from catalog.models import SKU
from inventory.models import Stock, StockMovement, Warehouse
from inventory.services import MAX_QUANTITY


class WarehouseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Warehouse
        fields = ["code", "name", "priority", "province", "is_active"]
        extra_kwargs = {"priority": {"max_value": 1_000_000}}


class StockSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="sku.code", read_only=True)
    sku_name = serializers.CharField(source="sku.name", read_only=True)
    warehouse = serializers.CharField(source="warehouse.code", read_only=True)
    available = serializers.IntegerField(read_only=True)
    reorder_point = serializers.IntegerField(source="effective_reorder_point", read_only=True)

    class Meta:
        model = Stock
        fields = [
            "sku",
            "sku_name",
            "warehouse",
            "on_hand",
            "reserved",
            "available",
            "reorder_point",
            "bin_location",
        ]


class MovementSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="sku.code", read_only=True)
    warehouse = serializers.CharField(source="warehouse.code", read_only=True)
    actor = serializers.CharField(source="actor.username", read_only=True, allow_null=True)

    class Meta:
        model = StockMovement
        fields = [
            "id",
            "sku",
            "warehouse",
            "kind",
            "on_hand_delta",
            "reserved_delta",
            "reference",
            "reason",
            "actor",
            "created_at",
        ]


def _warehouse_field():
    return serializers.SlugRelatedField(
        slug_field="code", queryset=Warehouse.objects.all(), help_text="Warehouse code"
    )


def _sku_field():
    return serializers.SlugRelatedField(slug_field="code", queryset=SKU.objects.all(), help_text="SKU code")


class ReceiptLineSerializer(serializers.Serializer):
    sku = _sku_field()
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


class ReceiptSerializer(serializers.Serializer):
    warehouse = _warehouse_field()
    lines = ReceiptLineSerializer(many=True, allow_empty=False, max_length=500)
    reference = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")

    def validate_lines(self, lines):
        codes = [line["sku"].code for line in lines]
        if len(set(codes)) != len(codes):
            raise serializers.ValidationError("Each SKU once per receipt.")
        return lines


class ReceiptResultSerializer(serializers.Serializer):
    warehouse = serializers.CharField()
    reference = serializers.CharField()
    movements = MovementSerializer(many=True)


class AdjustmentSerializer(serializers.Serializer):
    warehouse = _warehouse_field()
    sku = _sku_field()
    counted = serializers.IntegerField(min_value=0, max_value=MAX_QUANTITY, help_text="The physical count")
    reason = serializers.CharField(max_length=200)


class AdjustmentResultSerializer(serializers.Serializer):
    stock = StockSerializer()
    movement = MovementSerializer(allow_null=True, help_text="null when the count equals on-hand")
