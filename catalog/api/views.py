from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from catalog import selectors, services
from catalog.models import SKU, Category
from retail.api.base import EmptySerializer, GenericViewSet
from retail.api.schema import ErrorSerializer

from .filters import CategoryFilter, ProductFilter, SKUFilter
from .serializers import (
    CategorySerializer,
    ProductRejectSerializer,
    ProductSerializer,
    SKUSerializer,
    SKUUpdateSerializer,
)


@extend_schema(tags=["catalog"])
class CategoryViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, GenericViewSet):
    """Product categories (a tree: ``parent`` is a category id)."""

    queryset = Category.objects.all()
    serializer_class = CategorySerializer
    filterset_class = CategoryFilter
    ordering_fields = ["name", "sort_order", "id"]
    required_perms = {"list": ("catalog.view_category",), "create": ("catalog.add_category",)}

    def perform_create(self, serializer):
        serializer.instance = services.category_create(**serializer.validated_data)


def _listing_transition(name: str, request_serializer=EmptySerializer):
    summary = {
        "submit": "Submit for listing review (400 `listing_incomplete` names what is missing)",
        "approve": "Approve the listing: published",
        "reject": "Reject back to draft with a `reason`",
        "publish": "Publish a delisted product again",
        "delist": "Take a published product off sale",
    }[name]

    def run(self, request, pk=None):
        body = request_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.product_transition(
            product=self.get_object(),
            transition=name,
            by=request.user,
            reason=body.validated_data.get("reason", ""),
        )
        return Response(ProductSerializer(self.get_queryset().get(pk=pk)).data)

    run.__name__ = name
    return extend_schema(
        summary=summary, request=request_serializer, responses={200: ProductSerializer, 409: ErrorSerializer}
    )(action(detail=True, methods=["post"])(run))


@extend_schema(tags=["catalog"])
@extend_schema_view(partial_update=extend_schema(summary="Change a product's data (status is read-only)"))
class ProductViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    GenericViewSet,
):
    """Products (SPU) and their listing review: draft → in review → published ⇄ delisted."""

    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    ordering_fields = ["name", "created_at", "updated_at", "status", "id"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    required_perms = {
        "list": ("catalog.view_product",),
        "retrieve": ("catalog.view_product",),
        "create": ("catalog.add_product",),
        "partial_update": ("catalog.change_product",),
        "submit": ("catalog.change_product",),
        "publish": ("catalog.change_product",),
        "delist": ("catalog.change_product",),
        "approve": ("catalog.review_product",),
        "reject": ("catalog.review_product",),
    }

    def get_queryset(self):
        return selectors.product_list()

    def perform_create(self, serializer):
        serializer.instance = services.product_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.product_update(
            product=serializer.instance, by=self.request.user, **serializer.validated_data
        )

    submit = _listing_transition("submit")
    approve = _listing_transition("approve")
    reject = _listing_transition("reject", ProductRejectSerializer)
    publish = _listing_transition("publish")
    delist = _listing_transition("delist")


@extend_schema(tags=["catalog"])
@extend_schema_view(partial_update=extend_schema(request=SKUUpdateSerializer, responses={200: SKUSerializer}))
class SKUViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    GenericViewSet,
):
    """Sellable variants, addressed by ``code``; prices are the catalog's, never the client's."""

    queryset = SKU.objects.select_related("product")
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    filterset_class = SKUFilter
    ordering_fields = ["code", "name", "price", "id"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    required_perms = {
        "list": ("catalog.view_sku",),
        "retrieve": ("catalog.view_sku",),
        "create": ("catalog.add_sku",),
        "partial_update": ("catalog.change_sku",),
    }

    def get_serializer_class(self):
        return SKUUpdateSerializer if self.action == "partial_update" else SKUSerializer

    def perform_create(self, serializer):
        serializer.instance = services.sku_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.sku_update(
            sku=serializer.instance, by=self.request.user, **serializer.validated_data
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        return Response(SKUSerializer(serializer.instance).data, status=status.HTTP_201_CREATED)
