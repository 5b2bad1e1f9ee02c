from django.urls import reverse
from rest_framework import serializers

from inventory.services import MAX_QUANTITY
from logistics.models import (
    Carrier,
    OutboundNote,
    OutboundNoteLine,
    PickList,
    PickListLine,
    PickRecord,
    Shipment,
    ShipmentEvent,
)


class CarrierSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class PickListLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="sku_code")

    class Meta:
        model = PickListLine
        fields = ["sku", "name", "bin_location", "quantity", "picked_quantity"]
        read_only_fields = fields


class PickListSerializer(serializers.ModelSerializer):
    order = serializers.CharField(source="order.number")
    warehouse = serializers.CharField(source="warehouse.code")
    status_display = serializers.CharField(source="get_status_display")
    picker = serializers.CharField(source="picker.username", allow_null=True)
    lines = PickListLineSerializer(many=True)
    print_url = serializers.SerializerMethodField(help_text="Printable page for staff")

    class Meta:
        model = PickList
        fields = [
            "id",
            "number",
            "order",
            "warehouse",
            "status",
            "status_display",
            "picker",
            "reopen_reason",
            "created_at",
            "started_at",
            "completed_at",
            "lines",
            "print_url",
        ]
        read_only_fields = fields

    def get_print_url(self, pick_list) -> str:
        return reverse("logistics:pick_list_print", args=[pick_list.pk])


class PickRecordSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="sku.code", allow_null=True)
    picker = serializers.CharField(source="picker.username", allow_null=True)

    class Meta:
        model = PickRecord
        fields = ["id", "code", "sku", "quantity", "error", "voided", "picker", "created_at"]
        read_only_fields = fields


class PickScanSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64, help_text="Scanned SKU code or barcode")
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


class OutboundNoteLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="sku_code")
    warehouse = serializers.CharField(source="warehouse.code")
    picker = serializers.CharField(source="picker.username", allow_null=True)

    class Meta:
        model = OutboundNoteLine
        fields = ["sku", "name", "warehouse", "bin_location", "quantity", "picker"]
        read_only_fields = fields


class OutboundNoteSerializer(serializers.ModelSerializer):
    order = serializers.CharField(source="order.number")
    packed_by = serializers.CharField(source="packed_by.username", allow_null=True)
    qc_passed = serializers.BooleanField(source="quality_check.passed")
    qc_note = serializers.CharField(source="quality_check.note")
    total_quantity = serializers.IntegerField()
    lines = OutboundNoteLineSerializer(many=True)
    print_url = serializers.SerializerMethodField(help_text="Printable 出库单 for staff (HTML)")

    class Meta:
        model = OutboundNote
        fields = [
            "number",
            "order",
            "packed_by",
            "issued_at",
            "qc_passed",
            "qc_note",
            "total_quantity",
            "lines",
            "print_url",
        ]
        read_only_fields = fields

    def get_print_url(self, note) -> str:
        return reverse("logistics:outbound_note_print", args=[note.number])


class ShipmentEventSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    recorded_by = serializers.CharField(source="recorded_by.username", allow_null=True, read_only=True)

    class Meta:
        model = ShipmentEvent
        fields = [
            "id",
            "status",
            "status_display",
            "location",
            "description",
            "occurred_at",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = fields


class ShipmentSerializer(serializers.ModelSerializer):
    order = serializers.CharField(source="order.number")
    carrier_display = serializers.CharField(source="get_carrier_display")
    status_display = serializers.CharField(source="get_status_display")
    events = ShipmentEventSerializer(many=True)

    class Meta:
        model = Shipment
        fields = [
            "number",
            "order",
            "carrier",
            "carrier_display",
            "tracking_number",
            "status",
            "status_display",
            "shipped_at",
            "delivered_at",
            "exception_at",
            "events",
        ]
        read_only_fields = fields


class ShipmentEventInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ShipmentEvent.Status.choices)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    description = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    occurred_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="When the carrier saw it (default: now)"
    )


# -- order fulfilment transitions -----------------------------------------------------------------


class StartPickingSerializer(serializers.Serializer):
    picker = serializers.CharField(
        max_length=150,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="Username of the picker to assign (optional)",
    )


class PackSerializer(serializers.Serializer):
    qc_passed = serializers.BooleanField(required=False, default=True)
    qc_note = serializers.CharField(
        max_length=1000, required=False, allow_blank=True, default="", help_text="Required when QC failed"
    )


class ShipSerializer(serializers.Serializer):
    carrier = serializers.ChoiceField(
        choices=Carrier.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="A code of GET /api/logistics/carriers/; blank: the shipping plan's",
    )
    tracking_number = serializers.CharField(max_length=64)


class DeliverSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
