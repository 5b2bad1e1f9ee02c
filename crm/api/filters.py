import django_filters
from django.db.models import Q

from crm.models import ContactChannel, Coupon, Customer, Segment, Ticket
from retail.api.filters import BoundFilter, IdFilter, StrictBooleanFilter


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", max_length=100, help_text="Name, phone or email contains")
    segment = django_filters.ChoiceFilter(choices=Segment.choices)
    tag = django_filters.CharFilter(field_name="tags__name", max_length=40)

    class Meta:
        model = Customer
        fields = ["segment", "tag"]

    def search(self, qs, name, value):
        return qs.filter(Q(name__icontains=value) | Q(phone__icontains=value) | Q(email__icontains=value))


class TicketFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Ticket.Status.choices)
    category = django_filters.ChoiceFilter(choices=Ticket.Category.choices)
    channel = django_filters.ChoiceFilter(choices=ContactChannel.choices)
    priority = django_filters.ChoiceFilter(choices=Ticket.Priority.choices)
    customer = IdFilter(field_name="customer_id", help_text="Customer id")
    order = django_filters.CharFilter(field_name="order__number", max_length=32, help_text="Order number")
    breached = StrictBooleanFilter(field_name="is_breached_now")
    created_after = BoundFilter(field_name="created_at", bound="after")
    created_before = BoundFilter(field_name="created_at", bound="before")

    class Meta:
        model = Ticket
        fields = ["status", "category", "channel", "priority", "customer", "order"]


class CouponFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Coupon.Kind.choices)
    source = django_filters.ChoiceFilter(choices=Coupon.Source.choices)
    customer = IdFilter(field_name="customer_id", help_text="Customer id")
    is_active = StrictBooleanFilter()

    class Meta:
        model = Coupon
        fields = ["kind", "source", "customer", "is_active"]
