from decimal import Decimal

from rest_framework import serializers

from crm.models import Language
from inventory.services import MAX_QUANTITY
from orders.models import Channel, Order, OrderLine, Payment, PaymentMethod
from orders.selectors import order_tracking_url
from orders.services import MAX_LINES
from retail.api.base import FieldsBuiltOnceMixin, InputFieldsReusedMixin

# -- representation -------------------------------------------------------------------------------


class OrderCustomerSerializer(serializers.Serializer):
    """The contact as given on the order (trimmed); ``id`` is the CRM customer it was matched to."""

    id = serializers.IntegerField(source="customer_id", allow_null=True)
    name = serializers.CharField(source="customer_name")
    phone = serializers.CharField(source="customer_phone")
    email = serializers.CharField(source="customer_email")


class AddressSerializer(serializers.Serializer):
    province = serializers.CharField(max_length=50, required=False, allow_blank=True)
    city = serializers.CharField(max_length=50, required=False, allow_blank=True)
    district = serializers.CharField(max_length=50, required=False, allow_blank=True)
    line = serializers.CharField(max_length=300, required=False, allow_blank=True)
    postcode = serializers.CharField(max_length=12, required=False, allow_blank=True)


class OrderLineSerializer(FieldsBuiltOnceMixin, serializers.ModelSerializer):
    sku = serializers.CharField(source="sku_code")
    warehouse = serializers.CharField(
        source="warehouse.code",
        allow_null=True,
        help_text="Warehouse holding the reservation; null while short",
    )

    class Meta:
        model = OrderLine
        fields = ["sku", "name", "quantity", "unit_price", "line_total", "warehouse", "reserved"]


class PickListRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    warehouse = serializers.CharField(source="warehouse.code")
    status = serializers.CharField()


class OutboundNoteRefSerializer(serializers.Serializer):
    number = serializers.CharField()


class ShipmentRefSerializer(serializers.Serializer):
    number = serializers.CharField()
    carrier = serializers.CharField()
    tracking_number = serializers.CharField()
    status = serializers.CharField()


class OrderSerializer(FieldsBuiltOnceMixin, serializers.ModelSerializer):
    """docs/api.md "Settled details" 4. ``total = subtotal − discount_total + shipping_fee``."""

    status_display = serializers.CharField(source="get_status_display")
    customer = OrderCustomerSerializer(source="*")
    shipping_address = AddressSerializer()
    lines = OrderLineSerializer(many=True)
    coupon = serializers.CharField(source="coupon_code")
    tracking_url = serializers.SerializerMethodField()
    pick_lists = PickListRefSerializer(many=True, help_text="From start-picking on; [] before")
    outbound_notes = OutboundNoteRefSerializer(many=True)
    shipments = ShipmentRefSerializer(many=True)

    class Meta:
        model = Order
        fields = [
            "number",
            "status",
            "status_display",
            "channel",
            "customer",
            "shipping_address",
            "lines",
            "subtotal",
            "discount_total",
            "shipping_fee",
            "total",
            "coupon",
            "payment_method",
            "payment_status",
            "needs_review",
            "note",
            "cancel_reason",
            "placed_at",
            "payment_due_at",
            "paid_at",
            "confirmed_at",
            "ship_due_at",
            "picking_started_at",
            "packed_at",
            "shipped_at",
            "completed_at",
            "cancelled_at",
            "tracking_url",
            "pick_lists",
            "outbound_notes",
            "shipments",
        ]
        read_only_fields = fields

    def get_tracking_url(self, order) -> str:
        """The signed link of the customer's messages (absolute, on ``SITE_URL``): a web shop can
        show it to the customer, and it opens the order without asking for the contact."""
        return order_tracking_url(order)


class PlacedLineSerializer(OrderLineSerializer):
    warehouse = serializers.CharField(source="warehouse_code", allow_null=True)


class PlacedOrderSerializer(OrderSerializer):
    """The answer to a placement, from the order just written, byte for byte what ``OrderSerializer``
    gives when it reads the order back (tests/api/test_placement_answer.py): the lines as
    ``order_place`` wrote them (``placed_lines``, with their warehouses' codes); pick lists,
    outbound notes and shipments only exist from ``start-picking`` on, so they are read from
    nowhere; the tracking link is the one the confirmation carries (``placed_tracking_url``). Its fields use no context, so one instance serves every request
    (``placed_order_representation``): the fields are built once, not for every answer."""

    lines = PlacedLineSerializer(many=True, source="placed_lines")
    pick_lists = serializers.SerializerMethodField()
    outbound_notes = serializers.SerializerMethodField()
    shipments = serializers.SerializerMethodField()

    def get_pick_lists(self, order) -> list:
        return []

    def get_tracking_url(self, order) -> str:
        return order.placed_tracking_url  # the link of the order's confirmation, signed once

    get_outbound_notes = get_shipments = get_pick_lists


_PLACED_ORDER = PlacedOrderSerializer()


def placed_order_representation(order: Order) -> dict:
    """The 201 answer to a placement, for an order fresh from ``order_place``."""
    return _PLACED_ORDER.to_representation(order)


class PaymentSerializer(serializers.ModelSerializer):
    order = serializers.CharField(source="order.number")
    recorded_by = serializers.CharField(source="recorded_by.username", allow_null=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "order",
            "kind",
            "method",
            "provider",
            "reference",
            "amount",
            "applied",
            "flag",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = fields


_TIMELINE_FIELDS = {
    "kind": serializers.ChoiceField(choices=["status", "payment", "shipment", "note", "notification"]),
    "at": serializers.DateTimeField(),
    "by": serializers.CharField(
        allow_null=True, help_text="Username, payment provider, or null (the system)"
    ),
    "description": serializers.CharField(allow_blank=True),
    "from": serializers.CharField(
        required=False, allow_null=True, help_text="status entries: previous status"
    ),
    "to": serializers.CharField(required=False, help_text="status entries: new status"),
    "transition": serializers.CharField(required=False),
    "reference": serializers.CharField(required=False, help_text="payment entries"),
    "amount": serializers.DecimalField(max_digits=12, decimal_places=2, required=False),
    "method": serializers.CharField(required=False),
    "payment_kind": serializers.CharField(required=False),
    "flag": serializers.CharField(required=False, allow_blank=True),
    "shipment": serializers.CharField(required=False, help_text="shipment entries: shipment number"),
    "status": serializers.CharField(required=False, help_text="shipment entries: tracking status"),
    "location": serializers.CharField(required=False, allow_blank=True),
    "event": serializers.CharField(required=False, help_text="notification entries: event name"),
    "channel": serializers.CharField(required=False),
}


class _TimelineEntryBase(serializers.Serializer):
    def to_representation(self, instance):
        # Each kind has its own keys: those an entry lacks are left out rather than null.
        data = super().to_representation(instance)
        return {key: value for key, value in data.items() if key in instance}


# ``from`` is a Python keyword, so the serializer is built rather than declared.
TimelineEntrySerializer = type("TimelineEntrySerializer", (_TimelineEntryBase,), dict(_TIMELINE_FIELDS))


# -- input ----------------------------------------------------------------------------------------


class CustomerInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    email = serializers.CharField(max_length=254, required=False, allow_blank=True, default="")


class LineInputSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64, help_text="SKU code")
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


class OrderCreateSerializer(InputFieldsReusedMixin, serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    customer = CustomerInputSerializer(help_text="Name and a phone or an email")
    shipping_address = AddressSerializer(
        required=False, allow_null=True, default=None, help_text="Required except for in-store orders"
    )
    lines = LineInputSerializer(many=True, allow_empty=False, max_length=MAX_LINES)
    payment_method = serializers.ChoiceField(choices=PaymentMethod.choices)
    coupon = serializers.CharField(max_length=40, required=False, allow_null=True, allow_blank=True)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    language = serializers.ChoiceField(
        choices=Language.choices,
        required=False,
        help_text="The customer's message language; absent: the request's Accept-Language when sent, "
        "else the language stored on the customer (zh-hans for a new one)",
    )


class LinesInputSerializer(serializers.Serializer):
    lines = LineInputSerializer(many=True, allow_empty=False, max_length=MAX_LINES)
    description = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text="What was agreed with the customer",
    )


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class PaymentInputSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    reference = serializers.CharField(max_length=100, help_text="Bank or provider transaction reference")


class PaymentNotificationSerializer(serializers.Serializer):
    order = serializers.CharField(max_length=32, help_text="Order number")
    reference = serializers.CharField(max_length=100, help_text="The provider's transaction reference")
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    status = serializers.CharField(
        max_length=30, help_text="`succeeded` records the payment; others are acknowledged"
    )


class AckSerializer(serializers.Serializer):
    status = serializers.CharField()
