from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description

from retail.choices import ChoiceLabels
from retail.identifiers import validate_identifier

from .validators import validate_barcode


class Category(models.Model):
    name = models.CharField(_("名称"), max_length=100)
    # no index of its own: category_unique_name_in_parent begins with it
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级分类"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        db_index=False,
    )
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("商品分类")
        verbose_name_plural = _("商品分类")
        ordering = ["sort_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="category_unique_name_in_parent")
        ]

    def __str__(self):
        return f"{self.parent} / {self.name}" if self.parent_id else self.name


class Product(ConcurrentTransitionMixin, ChoiceLabels, models.Model):
    """A product (SPU). Its listing goes draft → in review → published ⇄ delisted; reject → draft."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        IN_REVIEW = "in_review", _("待审核")
        PUBLISHED = "published", _("已上架")
        DELISTED = "delisted", _("已下架")

    name = models.CharField(_("名称"), max_length=200)
    category = models.ForeignKey(
        Category,
        verbose_name=_("分类"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="products",
    )
    description = models.TextField(_("描述"), blank=True)
    brand = models.CharField(_("品牌"), max_length=100, blank=True)
    images = models.JSONField(_("图片链接"), default=list, blank=True, help_text=_("第一张为主图"))
    status = FSMField(
        _("上架状态"), default=Status.DRAFT, choices=Status.choices, protected=True, db_index=True
    )
    reject_reason = models.TextField(_("驳回原因"), blank=True)
    submitted_at = models.DateTimeField(_("提交审核时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("上架时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    # The status trail's words for each transition (``retail.admin.audit``): staff never read a slug.
    transition_labels = {
        "submit": _("提交审核"),
        "approve": _("审核通过并上架"),
        "reject": _("驳回"),
        "publish": _("重新上架"),
        "delist": _("下架"),
    }

    class Meta:
        verbose_name = _("商品")
        verbose_name_plural = _("商品")
        ordering = ["-created_at", "-pk"]
        permissions = [("review_product", _("可审核商品上架"))]

    def __str__(self):
        return self.name

    def image_urls(self) -> list[str]:
        uploaded = [img.file.url for img in self.uploaded_images.all() if img.file]
        return [*[u for u in self.images if u], *uploaded]

    def missing_for_listing(self) -> list[str]:
        """What a listing review needs and this product lacks (seed 003 §三.1.2–1.3)."""
        missing = []
        if not self.name.strip():
            missing.append("name")
        if not self.description.strip():
            missing.append("description")
        if not self.category_id:
            missing.append("category")
        if not self.image_urls():
            missing.append("images")
        if not self.skus.filter(is_active=True, price__gt=0).exists():
            missing.append("skus")
        return missing

    def listing_complete(self) -> bool:
        return not self.missing_for_listing()

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=Status.DRAFT, target=Status.IN_REVIEW, conditions=[listing_complete])
    def submit(self, by=None, description=None):
        self.submitted_at = timezone.now()
        self.reject_reason = ""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status, source=Status.IN_REVIEW, target=Status.PUBLISHED, permission="catalog.review_product"
    )
    def approve(self, by=None, description=None):
        self.published_at = timezone.now()

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status, source=Status.IN_REVIEW, target=Status.DRAFT, permission="catalog.review_product"
    )
    def reject(self, by=None, description=None):
        self.reject_reason = description or ""

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=Status.DELISTED, target=Status.PUBLISHED, conditions=[listing_complete])
    def publish(self, by=None, description=None):
        self.published_at = timezone.now()

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=Status.PUBLISHED, target=Status.DELISTED)
    def delist(self, by=None, description=None):
        pass


def product_image_path(instance, filename):
    return f"products/{instance.product_id}/{filename}"


class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="uploaded_images")
    file = models.FileField(_("图片"), upload_to=product_image_path)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("商品图片")
        verbose_name_plural = _("商品图片")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.file.name


class SKU(models.Model):
    code = models.CharField(_("SKU编码"), max_length=64, unique=True, validators=[validate_identifier])
    product = models.ForeignKey(
        Product, verbose_name=_("商品"), on_delete=models.PROTECT, related_name="skus"
    )
    name = models.CharField(_("规格名称"), max_length=200)
    price = models.DecimalField(
        _("售价"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    cost = models.DecimalField(
        _("成本"), max_digits=12, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    barcode = models.CharField(
        _("条码"), max_length=14, null=True, blank=True, unique=True, validators=[validate_barcode]
    )
    attributes = models.JSONField(_("属性"), default=dict, blank=True)
    weight_grams = models.PositiveIntegerField(_("重量(克)"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("SKU")
        verbose_name_plural = _("SKU")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="sku_price_positive"),
            models.CheckConstraint(condition=Q(cost__gte=0), name="sku_cost_not_negative"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs):
        if self.barcode == "":
            self.barcode = None
        super().save(*args, **kwargs)

    @property
    def orderable(self) -> bool:
        return self.is_active and self.product.status == Product.Status.PUBLISHED
