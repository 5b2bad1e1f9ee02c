"""Forms of the staff pages. They only shape input; the services validate the business rules and
their errors are shown on the same form (``add_business_error``)."""

from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from logistics.selectors import carrier_list
from retail.errors import BusinessError
from retail.kpi.figures import quarter_parse


def add_business_error(form: forms.Form, error: BusinessError) -> None:
    """Show a service's refusal on the form, beside the field it names when the form has it."""
    named = [name for name in error.details if name in form.fields]
    form.add_error(named[0] if named else None, error.message)


class ScanForm(forms.Form):
    code = forms.CharField(label=_("SKU编码或条码"), max_length=64)
    quantity = forms.IntegerField(label=_("数量"), min_value=1, max_value=9999, initial=1, required=False)

    def clean_quantity(self):
        return self.cleaned_data.get("quantity") or 1


class PackForm(forms.Form):
    qc_passed = forms.TypedChoiceField(
        label=_("质检结果"),
        choices=[("1", _("质检通过")), ("0", _("质检不通过"))],
        coerce=lambda value: value == "1",
        initial="1",
        widget=forms.RadioSelect,
    )
    qc_note = forms.CharField(label=_("质检说明"), max_length=1000, required=False)


class ShipForm(forms.Form):
    carrier = forms.ChoiceField(label=_("承运商"), required=False)
    tracking_number = forms.CharField(label=_("物流单号"), max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["carrier"].choices = [("", _("按发货计划"))] + [
            (c["code"], c["name"]) for c in carrier_list()
        ]


class ContactForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("渠道"), choices=[("phone", _("电话")), ("wechat", _("微信")), ("email", _("邮件"))]
    )
    summary = forms.CharField(label=_("沟通记录"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("回复内容"), max_length=10000, widget=forms.Textarea(attrs={"rows": 2}))


class DeliverForm(forms.Form):
    description = forms.CharField(label=_("说明"), max_length=300, required=False)


class KpiFilterForm(forms.Form):
    """The KPI dashboard's filters (GET). Periods end today (local date) except a custom one;
    ``period_of(today)`` gives the dates once the form is valid."""

    PERIODS = [
        ("today", _("今天")),
        ("7d", _("近 7 天")),
        ("30d", _("近 30 天")),
        ("month", _("本月")),
        ("quarter", _("本季度")),
        ("custom", _("自定义")),
    ]
    MAX_DAYS = 400

    period = forms.ChoiceField(label=_("期间"), choices=PERIODS, initial="30d", required=False)
    date_from = forms.DateField(
        label=_("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    channel = forms.ChoiceField(label=_("渠道"), required=False)
    warehouse = forms.ChoiceField(label=_("仓库"), required=False)
    trend = forms.TypedChoiceField(
        label=_("趋势天数"),
        choices=[(str(days), _("%(days)d 天") % {"days": days}) for days in (30, 90, 365)],
        coerce=int,
        initial="30",
        required=False,
        empty_value=30,
    )

    def __init__(self, *args, channels=(), warehouses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [("", _("全部渠道")), *channels]
        self.fields["warehouse"].choices = [("", _("全部仓库")), *((w.code, w.name) for w in warehouses)]

    def clean(self):
        data = super().clean()
        data["period"] = data.get("period") or "30d"
        if data["period"] != "custom":
            return data
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if not date_from and "date_from" not in self.errors:
            self.add_error("date_from", _("自定义期间需要开始日期。"))
        if not date_to and "date_to" not in self.errors:
            self.add_error("date_to", _("自定义期间需要结束日期。"))
        if date_from and date_to:
            if date_from > date_to:
                self.add_error("date_to", _("结束日期早于开始日期。"))
            elif (date_to - date_from).days + 1 > self.MAX_DAYS:
                self.add_error("date_to", _("期间最长 %(days)d 天。") % {"days": self.MAX_DAYS})
            elif date_from.year < 1900 or date_to.year > 9998:
                self.add_error("date_from", _("日期超出范围。"))
        return data

    def period_of(self, today: date) -> tuple[date, date]:
        period = self.cleaned_data["period"]
        if period == "custom":
            return self.cleaned_data["date_from"], self.cleaned_data["date_to"]
        first = {
            "today": today,
            "7d": today - timedelta(days=6),
            "30d": today - timedelta(days=29),
            "month": today.replace(day=1),
            "quarter": today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1),
        }[period]
        return first, today


class ReviewForm(forms.Form):
    quarter = forms.CharField(label=_("季度"), max_length=10, required=False, help_text=_("例如 2026Q4"))

    def clean_quarter(self) -> tuple[int, int] | None:
        """``2026Q4`` → (2026, 4); empty → None (the current quarter)."""
        text = self.cleaned_data["quarter"]
        if not text:
            return None
        try:
            return quarter_parse(text)
        except ValueError:
            raise forms.ValidationError(_("季度格式应为 年份Q1–Q4，例如 2026Q4。"), code="invalid")
