import django_filters

from aftersales.models import AftersalesRequest, Reason, RequestType
from retail.api.filters import BoundFilter


class AftersalesRequestFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=AftersalesRequest.Status.choices)
    type = django_filters.ChoiceFilter(choices=RequestType.choices)
    reason = django_filters.ChoiceFilter(choices=Reason.choices)
    order = django_filters.CharFilter(field_name="order__number", max_length=32, help_text="Order number")
    submitted_after = BoundFilter(field_name="submitted_at", bound="after")
    submitted_before = BoundFilter(field_name="submitted_at", bound="before")

    class Meta:
        model = AftersalesRequest
        fields = ["status", "type", "reason", "order"]
