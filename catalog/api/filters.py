import django_filters
from django.db.models import Q

from catalog.models import SKU, Category, Product
from retail.api.filters import StrictBooleanFilter


class CategoryFilter(django_filters.FilterSet):
    parent = django_filters.ModelChoiceFilter(queryset=Category.objects.all(), help_text="Parent category id")
    top_level = StrictBooleanFilter(field_name="parent", lookup_expr="isnull")

    class Meta:
        model = Category
        fields = ["parent"]


class ProductFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Product.Status.choices)
    category = django_filters.ModelChoiceFilter(queryset=Category.objects.all(), help_text="Category id")
    q = django_filters.CharFilter(method="search", max_length=100, help_text="Name or brand contains")

    class Meta:
        model = Product
        fields = ["status", "category"]

    def search(self, qs, name, value):
        return qs.filter(Q(name__icontains=value) | Q(brand__icontains=value))


class SKUFilter(django_filters.FilterSet):
    product = django_filters.ModelChoiceFilter(queryset=Product.objects.all(), help_text="Product id")
    is_active = StrictBooleanFilter()
    q = django_filters.CharFilter(
        method="search", max_length=100, help_text="Code, name, barcode or product name contains"
    )

    class Meta:
        model = SKU
        fields = ["product", "is_active"]

    def search(self, qs, name, value):
        return qs.filter(
            Q(code__icontains=value)
            | Q(name__icontains=value)
            | Q(barcode__icontains=value)
            | Q(product__name__icontains=value)
        )
