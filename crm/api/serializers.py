from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from rest_framework import serializers

from crm.models import Coupon, CsiDimension, Customer, Segment, Ticket, TicketReply


class TagNamesField(serializers.ListField):
    """Tags by name: written as a list of names, read from the (prefetched) tag relation."""

    child = serializers.CharField(max_length=40)

    def to_representation(self, tags):
        return [tag.name for tag in tags.all()]


class CustomerSerializer(serializers.ModelSerializer):
    """docs/api.md "Settled details" 10: ``name`` and a phone or an email; the summary figures are read-only
    (valid orders: not cancelled, paid or cash on delivery)."""

    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, allow_null=True)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True, allow_null=True)
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    tags = TagNamesField(required=False, max_length=50)
    order_count = serializers.IntegerField(read_only=True)
    total_spent = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    last_order_at = serializers.DateTimeField(read_only=True, allow_null=True)
    segment = serializers.ChoiceField(choices=Segment.choices, read_only=True)
    segment_display = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = [
            "id",
            "name",
            "phone",
            "email",
            "note",
            "tags",
            "created_at",
            "order_count",
            "total_spent",
            "last_order_at",
            "segment",
            "segment_display",
        ]
        read_only_fields = ["created_at"]

    def get_segment_display(self, customer) -> str:
        return str(Segment(customer.segment).label) if getattr(customer, "segment", None) else ""


class RecommendationSerializer(serializers.Serializer):
    sku = serializers.CharField(source="sku_code")
    name = serializers.CharField()
    price = serializers.DecimalField(max_digits=12, decimal_places=2)
    available = serializers.IntegerField()
    bought_together = serializers.FloatField()
    category_affinity = serializers.FloatField()
    score = serializers.FloatField()


class TicketReplySerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", allow_null=True)

    class Meta:
        model = TicketReply
        fields = ["id", "author", "from_customer", "body", "created_at"]
        read_only_fields = fields


class TicketSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    customer = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.all(),
        required=False,
        allow_null=True,
        help_text="Customer id (default: the order's customer)",
    )
    # By number; the CRM service resolves it (crm does not import orders), unknown → 400 naming `order`.
    order = serializers.CharField(
        max_length=32, required=False, allow_null=True, allow_blank=True, help_text="Order number"
    )
    owner = serializers.CharField(source="owner.username", read_only=True, allow_null=True)
    group = serializers.CharField(source="group.name", read_only=True, allow_null=True)
    breached = serializers.SerializerMethodField(help_text="Past a due time without response or resolution")
    description = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")

    class Meta:
        model = Ticket
        fields = [
            "id",
            "number",
            "subject",
            "description",
            "category",
            "channel",
            "priority",
            "status",
            "status_display",
            "customer",
            "order",
            "owner",
            "group",
            "created_at",
            "first_response_due",
            "resolution_due",
            "first_response_at",
            "resolved_at",
            "closed_at",
            "resolution",
            "breached",
        ]
        read_only_fields = [
            "number",
            "status",
            "created_at",
            "first_response_due",
            "resolution_due",
            "first_response_at",
            "resolved_at",
            "closed_at",
            "resolution",
        ]
        extra_kwargs = {"priority": {"required": False}}

    def to_representation(self, ticket):
        data = super().to_representation(ticket)
        data["order"] = ticket.order.number if ticket.order_id else None
        return data

    def get_breached(self, ticket) -> bool:
        annotated = getattr(ticket, "is_breached_now", None)
        return ticket.is_breached() if annotated is None else annotated


class TicketDetailSerializer(TicketSerializer):
    replies = TicketReplySerializer(many=True, read_only=True)

    class Meta(TicketSerializer.Meta):
        fields = [*TicketSerializer.Meta.fields, "replies"]


class TicketReplyInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=10000)


class TicketEscalateSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    to_owner = serializers.SlugRelatedField(
        slug_field="username",
        required=False,
        allow_null=True,
        default=None,
        queryset=get_user_model().objects.filter(is_active=True),
        help_text="Username of the new owner",
    )
    to_group = serializers.SlugRelatedField(
        slug_field="name",
        required=False,
        allow_null=True,
        default=None,
        queryset=Group.objects.all(),
        help_text="Name of the new group",
    )


class TicketResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class TicketCloseSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class SurveyAnswerSerializer(serializers.Serializer):
    scores = serializers.DictField(
        child=serializers.IntegerField(min_value=1, max_value=5),
        allow_empty=False,
        help_text=f"Dimension → 1..5; dimensions: {', '.join(CsiDimension.values)}",
    )
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class SurveyResultSerializer(serializers.Serializer):
    csi = serializers.DecimalField(max_digits=6, decimal_places=4)
    submitted_at = serializers.DateTimeField()


class CouponSerializer(serializers.ModelSerializer):
    code = serializers.CharField(
        max_length=40, required=False, allow_blank=True, help_text="A-Z 0-9 - _ (generated when blank)"
    )
    customer = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.all(), required=False, allow_null=True
    )
    segment = serializers.ChoiceField(choices=Segment.choices, required=False, allow_blank=True)
    value = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text="Amount off (fixed) or percent off (percent)",
    )
    redeemed = serializers.IntegerField(read_only=True)
    issued_by = serializers.CharField(source="issued_by.username", read_only=True, allow_null=True)

    class Meta:
        model = Coupon
        fields = [
            "code",
            "name",
            "kind",
            "value",
            "cap",
            "min_order_amount",
            "valid_from",
            "valid_to",
            "total_limit",
            "per_customer_limit",
            "customer",
            "segment",
            "is_active",
            "source",
            "source_reference",
            "used_count",
            "redeemed",
            "issued_by",
            "issued_at",
        ]
        read_only_fields = ["is_active", "used_count", "issued_at"]
        extra_kwargs = {
            "total_limit": {"max_value": 1_000_000_000},
            "per_customer_limit": {"max_value": 1_000_000},
        }
