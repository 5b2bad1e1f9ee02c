"""Figures as the report emails print them: a value in its unit, a change in %."""

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def figure(value, unit: str) -> str:
    """``12.50 %``, ``¥1,234.00``, ``20.75 小时``; no figure → ``—``."""
    if value is None:
        return "—"
    if unit == "%":
        return f"{value} %"
    if unit == "CNY":
        return f"¥{value:,}"
    if unit == "h":
        return _("%(value)s 小时") % {"value": value}
    if unit == "min":
        return _("%(value)s 分钟") % {"value": value}
    return str(value)


@register.filter
def change(value) -> str:
    """``+12.50 %`` / ``-3.00 %``; no previous figure (or 0) → ``—``."""
    if value is None:
        return "—"
    return f"{value:+} %"


@register.filter
def change_tone(f: dict, key: str = "change") -> str:
    """``good``, ``bad`` or ``flat``: whether the change goes the KPI's good way."""
    value = f.get(key)
    if value is None or value == 0:
        return "flat"
    return "good" if (value > 0) == f["good_up"] else "bad"
