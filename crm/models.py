from django.db import models
from django.utils.translation import gettext_lazy as _


class Customer(models.Model):
    """One person across channels: at most one customer per normalised phone and per email."""

    name = models.CharField(_("姓名"), max_length=100)
    phone = models.CharField(_("手机"), max_length=32, null=True, blank=True, unique=True)
    email = models.EmailField(_("邮箱"), null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("客户")
        verbose_name_plural = _("客户")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.name} ({self.phone or self.email})"
