from rest_framework import serializers

from aftersales.models import AftersalesLine, AftersalesRequest, Inspection, Reason, RequestType
from inventory.services import MAX_QUANTITY
from logistics.models import Carrier
from orders.api.serializers import LineInputSerializer
from orders.models import Order


class AftersalesLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="sku_code")

    class Meta:
        model = AftersalesLine
        fields = ["sku", "name", "quantity", "inspection", "refund_amount"]
        read_only_fields = fields


class BlankAsNullChoiceField(serializers.ChoiceField):
    """A choice the row stores as "" when it does not apply: ``null`` in the API, as the schema says."""

    def to_representation(self, value):
        return None if value in ("", None) else super().to_representation(value)


class AftersalesRequestSerializer(serializers.ModelSerializer):
    order = serializers.CharField(source="order.number")
    type_display = serializers.CharField(source="get_type_display")
    reason_display = serializers.CharField(source="get_reason_display")
    status_display = serializers.CharField(source="get_status_display")
    lines = AftersalesLineSerializer(many=True)
    photos = serializers.SerializerMethodField()
    replacement_order = serializers.CharField(source="replacement_order.number", allow_null=True)
    reviewed_by = serializers.CharField(source="reviewed_by.username", allow_null=True)
    repair_carrier = BlankAsNullChoiceField(
        choices=Carrier.choices, allow_null=True, help_text="Repairs only, once sent back; else null"
    )

    class Meta:
        model = AftersalesRequest
        fields = [
            "number",
            "order",
            "type",
            "type_display",
            "reason",
            "reason_display",
            "description",
            "status",
            "status_display",
            "lines",
            "photos",
            "reviewed_by",
            "review_note",
            "reject_reason",
            "inspection_note",
            "refund_amount",
            "refund_reference",
            "replacement_order",
            "repair_carrier",
            "repair_tracking_number",
            "resolution_note",
            "submitted_at",
            "reviewed_at",
            "rejected_at",
            "received_at",
            "resolved_at",
            "closed_at",
        ]
        read_only_fields = fields

    def get_photos(self, req) -> list[str]:
        return [photo.file.url for photo in req.photos.all()]


class AftersalesLineInputSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64, help_text="SKU code of a line of the order")
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


class AftersalesCreateSerializer(serializers.Serializer):
    order = serializers.SlugRelatedField(
        slug_field="number", queryset=Order.objects.all(), help_text="Order number"
    )
    type = serializers.ChoiceField(choices=RequestType.choices)
    reason = serializers.ChoiceField(choices=Reason.choices)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    lines = AftersalesLineInputSerializer(many=True, allow_empty=False, max_length=200)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=1000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Why (required; the customer is told)",
    )


class InspectionSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    result = serializers.ChoiceField(choices=[Inspection.RESELLABLE, Inspection.DAMAGED])


class ReceiveSerializer(NoteSerializer):
    inspection = InspectionSerializer(
        many=True,
        required=False,
        default=list,
        max_length=200,
        help_text="One result per returned SKU: resellable goes back on hand, damaged is written off",
    )


class RefundSerializer(NoteSerializer):
    amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        allow_null=True,
        default=None,
        help_text="Default: the most that may be refunded",
    )


class ExchangeSerializer(NoteSerializer):
    lines = LineInputSerializer(
        many=True,
        required=False,
        allow_null=True,
        default=None,
        max_length=200,
        help_text="Replacement lines (default: the same SKUs and quantities)",
    )


class RepairSerializer(NoteSerializer):
    carrier = serializers.ChoiceField(choices=Carrier.choices)
    tracking_number = serializers.CharField(max_length=64)
