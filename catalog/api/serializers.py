from rest_framework import serializers

from catalog.models import SKU, Category, Product
from catalog.validators import barcode_check_digit_ok
from retail.api.base import no_nul


class CategorySerializer(serializers.ModelSerializer):
    parent = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = Category
        fields = ["id", "name", "parent", "sort_order"]
        read_only_fields = ["sort_order"]
        # The (parent, name) rule is checked in validate(): a top-level category has no parent.
        validators = []

    def validate(self, attrs):
        name, parent = attrs["name"].strip(), attrs.get("parent")
        if not name:
            raise serializers.ValidationError({"name": ["This field may not be blank."]})
        if Category.objects.filter(parent=parent, name=name).exists():
            raise serializers.ValidationError(
                {"name": ["A category with this name exists under this parent."]}
            )
        return {**attrs, "name": name}


class ProductSerializer(serializers.ModelSerializer):
    category = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.all(), allow_null=True, required=False, default=None
    )
    description = serializers.CharField(max_length=20000, allow_blank=True, required=False)
    images = serializers.ListField(
        child=serializers.URLField(max_length=500),
        max_length=20,
        required=False,
        help_text="Image URLs; the first is the main image.",
    )
    image_urls = serializers.SerializerMethodField(help_text="Every image, uploaded ones included.")
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    skus = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "category",
            "description",
            "brand",
            "images",
            "image_urls",
            "status",
            "status_display",
            "reject_reason",
            "submitted_at",
            "published_at",
            "created_at",
            "updated_at",
            "skus",
        ]
        read_only_fields = [
            "status",
            "reject_reason",
            "submitted_at",
            "published_at",
            "created_at",
            "updated_at",
        ]

    def get_image_urls(self, product) -> list[str]:
        return product.image_urls()


class ProductRejectSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=1000, required=False, allow_blank=True, help_text="Why the listing is rejected (required)."
    )


class SKUSerializer(serializers.ModelSerializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
    barcode = serializers.CharField(
        max_length=14,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="EAN-13, EAN-8 or UPC-A with a valid check digit; unique.",
    )
    attributes = serializers.DictField(
        child=serializers.CharField(max_length=200), required=False, validators=[no_nul]
    )

    class Meta:
        model = SKU
        fields = [
            "code",
            "product",
            "name",
            "price",
            "cost",
            "barcode",
            "is_active",
            "attributes",
            "weight_grams",
        ]
        read_only_fields = ["weight_grams"]

    def validate_attributes(self, value):
        if len(value) > 50 or any(len(key) > 60 for key in value):
            raise serializers.ValidationError("At most 50 attributes with names up to 60 characters.")
        return value

    def validate_barcode(self, value):
        if not value:
            return None
        if not barcode_check_digit_ok(value):
            raise serializers.ValidationError("EAN-13, EAN-8 or UPC-A digits with a valid check digit.")
        taken = SKU.objects.filter(barcode=value)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError("Another SKU has this barcode.")
        return value


class SKUUpdateSerializer(SKUSerializer):
    """The code is the SKU's address: set at creation, never changed."""

    class Meta(SKUSerializer.Meta):
        read_only_fields = ["code", "weight_grams"]
