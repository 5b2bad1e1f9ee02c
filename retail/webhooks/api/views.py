from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.response import Response

from retail.api.base import GenericViewSet

from .. import services
from ..models import Endpoint
from .serializers import EndpointCreatedSerializer, EndpointSerializer

PERMS = {
    "list": ("webhooks.view_endpoint",),
    "retrieve": ("webhooks.view_endpoint",),
    "create": ("webhooks.add_endpoint",),
    "partial_update": ("webhooks.change_endpoint",),
    "destroy": ("webhooks.delete_endpoint",),
}


@extend_schema(tags=["webhooks"])
@extend_schema_view(
    list=extend_schema(summary="Webhook endpoints"),
    create=extend_schema(
        summary="Register an endpoint (the answer shows the secret, once)",
        responses={201: EndpointCreatedSerializer},
    ),
    retrieve=extend_schema(summary="One endpoint (without its secret)"),
    partial_update=extend_schema(summary="Change an endpoint: URL, events, active, a new secret"),
    destroy=extend_schema(summary="Remove an endpoint and its delivery history"),
)
class EndpointViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    GenericViewSet,
):
    """Endpoints of other systems that receive signed event deliveries (docs/api.md "Webhooks")."""

    queryset = Endpoint.objects.order_by("pk")
    serializer_class = EndpointSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    ordering_fields = ["id", "created_at", "url"]
    required_perms = PERMS

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint = services.endpoint_create(by=request.user, **serializer.validated_data)
        return Response(EndpointCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        changes = {
            name: serializer.validated_data[name]
            for name in serializer.initial_data
            if name in serializer.validated_data
        }
        serializer.instance = services.endpoint_update(
            endpoint=serializer.instance, by=self.request.user, **changes
        )

    def perform_destroy(self, instance):
        services.endpoint_delete(endpoint=instance, by=self.request.user)
