from datetime import date, timedelta

from rest_framework import serializers

from inventory.selectors import warehouse_code_exists
from orders.selectors import kpi_channel_choices
from retail.kpi.registry import KPIS

MAX_PERIOD_DAYS = 400
# Far dates cannot become Shanghai midnights in UTC (year 1 or 9999 overflow): out of range is 400.
EARLIEST, LATEST = date(1900, 1, 1), date(9998, 12, 31)


def _in_range(value):
    if not EARLIEST <= value <= LATEST:
        raise serializers.ValidationError(f"A date between {EARLIEST} and {LATEST}.")
    return value


class PeriodQuerySerializer(serializers.Serializer):
    """``from``/``to`` local dates (Asia/Shanghai), inclusive; at most 400 days; ``channel`` a
    channel value, ``warehouse`` a warehouse code (both optional)."""

    to = serializers.DateField(
        help_text="Last local day of the period (YYYY-MM-DD), inclusive.", validators=[_in_range]
    )
    channel = serializers.ChoiceField(choices=kpi_channel_choices(), required=False)
    warehouse = serializers.CharField(required=False, max_length=32, help_text="A warehouse code.")

    def validate_warehouse(self, value):
        if not warehouse_code_exists(value):
            raise serializers.ValidationError("Unknown warehouse code.")
        return value

    def validate(self, attrs):
        if attrs["from"] > attrs["to"]:
            raise serializers.ValidationError({"to": ["`to` is before `from`."]})
        if (attrs["to"] - attrs["from"]) + timedelta(days=1) > timedelta(days=MAX_PERIOD_DAYS):
            raise serializers.ValidationError({"to": [f"A period is at most {MAX_PERIOD_DAYS} days."]})
        return attrs


# ``from`` is a Python keyword: the field is declared by name.
PeriodQuerySerializer._declared_fields = {
    "from": serializers.DateField(
        help_text="First local day of the period (YYYY-MM-DD).", validators=[_in_range]
    ),
    **PeriodQuerySerializer._declared_fields,
}


class SnapshotQuerySerializer(PeriodQuerySerializer):
    key = serializers.CharField(max_length=64, help_text="A KPI key.")

    def validate_key(self, value):
        if value not in KPIS:
            raise serializers.ValidationError("Unknown KPI key.")
        return value

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if attrs.get("channel") and attrs.get("warehouse"):
            raise serializers.ValidationError(
                {"warehouse": ["A series has one filter: channel or warehouse."]}
            )
        return attrs


STATUS = ["green", "amber", "red"]


class KpiFigureSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    value = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    unit = serializers.CharField(help_text="h, min, %, CNY, times or 1-5")
    numerator = serializers.CharField(allow_null=True, help_text="Decimal string in the KPI's unit.")
    denominator = serializers.CharField(allow_null=True, help_text="Decimal string; null for a sum.")
    target = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    status = serializers.ChoiceField(choices=STATUS, allow_null=True)


class KpiListSerializer(serializers.Serializer):
    to = serializers.DateField()
    channel = serializers.CharField(allow_null=True)
    warehouse = serializers.CharField(allow_null=True)
    results = KpiFigureSerializer(many=True)


KpiListSerializer._declared_fields = {"from": serializers.DateField(), **KpiListSerializer._declared_fields}


class KpiRowSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="order, order_line, customer, sku, stock, ticket, survey, ...")
    ref = serializers.CharField(help_text="Order number, ticket number, SKU code, SKU@warehouse, ...")
    at = serializers.DateTimeField(
        allow_null=True, help_text="The timestamp that puts the row in the period."
    )
    in_numerator = serializers.BooleanField()
    numerator = serializers.CharField(help_text="The row's share of the numerator (KPI's unit).")
    denominator = serializers.CharField(help_text="The row's share of the denominator.")


class KpiRowPageSerializer(serializers.Serializer):
    """One page of drill-down rows, paginated like every list of the API."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = KpiRowSerializer(many=True)


class SnapshotPointSerializer(serializers.Serializer):
    day = serializers.DateField()
    value = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    numerator = serializers.DecimalField(max_digits=24, decimal_places=4, allow_null=True)
    denominator = serializers.DecimalField(max_digits=24, decimal_places=4, allow_null=True)
    computed_at = serializers.DateTimeField()


class SnapshotSeriesSerializer(serializers.Serializer):
    key = serializers.CharField()
    scope = serializers.ChoiceField(choices=["all", "channel", "warehouse"])
    scope_value = serializers.CharField(allow_blank=True)
    results = SnapshotPointSerializer(many=True)
