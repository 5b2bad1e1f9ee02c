import django_filters

from orders.models import Channel, Order, PaymentStatus
from orders.selectors import order_search
from retail.api.filters import BoundFilter, IdFilter


class OrderFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Order.Status.choices)
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    payment_status = django_filters.ChoiceFilter(choices=PaymentStatus.choices)
    customer = IdFilter(field_name="customer_id", help_text="Customer id")
    placed_after = BoundFilter(field_name="placed_at", bound="after")
    placed_before = BoundFilter(field_name="placed_at", bound="before")
    q = django_filters.CharFilter(
        method="search", max_length=100, help_text="Number, customer name, phone or email contains"
    )

    class Meta:
        model = Order
        fields = ["status", "channel", "payment_status", "customer"]

    def search(self, qs, name, value):
        return order_search(qs, value)
