from rest_framework import serializers

from retail.events import EVENTS

from ..models import Endpoint

EVENT_CHOICES = list(EVENTS)


class EndpointSerializer(serializers.ModelSerializer):
    """An endpoint as the API shows it: the secret is accepted, never shown (``EndpointCreatedSerializer``
    shows it once, in the answer to the creation)."""

    url = serializers.CharField(max_length=500, help_text="Where the events are POSTed (http or https).")
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_CHOICES),
        allow_empty=False,
        max_length=len(EVENT_CHOICES),
        help_text="The events this endpoint receives.",
    )
    secret = serializers.CharField(
        write_only=True,
        required=False,
        min_length=16,
        max_length=128,
        help_text="HMAC-SHA256 key for `X-Signature` (at least 16 characters); generated when left out "
        "on creation. Never shown again.",
    )
    is_active = serializers.BooleanField(required=False, default=True)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    class Meta:
        model = Endpoint
        fields = ["id", "url", "events", "secret", "is_active", "description", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class EndpointCreatedSerializer(EndpointSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="The signing secret, shown in this answer only: store it now."
    )
