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


# The formatting of DRF's own fields for the order's money and moments (as ``OrderSerializer``
# maps the model's fields), for the placement's answer built below.
_MONEY = serializers.DecimalField(
    max_digits=Order._meta.get_field("total").max_digits,
    decimal_places=Order._meta.get_field("total").decimal_places,
)
_MOMENT = serializers.DateTimeField()
ORDER_MOMENTS = tuple(name for name in OrderSerializer.Meta.fields if name.endswith("_at"))  # in its order
ADDRESS_KEYS = tuple(AddressSerializer._declared_fields)


def placed_order_representation(order: Order) -> dict:
    """The 201 answer to a placement, for an order fresh from ``order_place``: byte for byte what
    ``OrderSerializer`` gives when it reads the order back (tests/api/test_placement_answer.py, in
    every shape an order can be placed in), from the order just written. Its lines are those
    ``order_place`` wrote (``placed_lines``, with their warehouses' codes), its tracking link the
    one its confirmation carries (``placed_tracking_url``); pick lists, outbound notes and
    shipments only exist from ``start-picking`` on.

    Built key by key, with DRF's fields formatting the money and the moments: through the
    serializer's generic walk (a source lookup and a field call per key, nested serializers for the
    contact, the address and each line) it took about 0.4 ms of a placement's CPU."""
    money, moment = _MONEY.to_representation, _MOMENT.to_representation
    address = order.shipping_address
    data = {
        "number": order.number,
        "status": str(order.status),
        "status_display": str(order.get_status_display()),
        "channel": str(order.channel),
        "customer": {
            "id": order.customer_id,
            "name": order.customer_name,
            "phone": order.customer_phone,
            "email": order.customer_email,
        },
        # AddressSerializer leaves out a key the address lacks (its fields are not required)
        "shipping_address": None
        if address is None
        else {key: str(address[key]) for key in ADDRESS_KEYS if key in address},
        "lines": [
            {
                "sku": line.sku_code,
                "name": line.name,
                "quantity": line.quantity,
                "unit_price": money(line.unit_price),
                "line_total": money(line.line_total),
                "warehouse": line.warehouse_code,
                "reserved": line.reserved,
            }
            for line in order.placed_lines
        ],
        "subtotal": money(order.subtotal),
        "discount_total": money(order.discount_total),
        "shipping_fee": money(order.shipping_fee),
        "total": money(order.total),
        "coupon": order.coupon_code,
        "payment_method": str(order.payment_method),
        "payment_status": str(order.payment_status),
        "needs_review": order.needs_review,
        "note": order.note,
        "cancel_reason": order.cancel_reason,
    }
    for name in ORDER_MOMENTS:
        value = getattr(order, name)
        data[name] = None if value is None else moment(value)
    data.update(tracking_url=order.placed_tracking_url, pick_lists=[], outbound_notes=[], shipments=[])
    return data


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
