"""The two trails an admin page shows: status changes (django-fsm-log's ``StateLog``, one panel on
every page built with the kit) and field changes (``ChangeRecord``, a read-only panel)."""

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _

from retail.fsm import state_log_for
from retail.models import ChangeRecord

from .display import html_table, local_time, person


def audit_trail(obj, status_field: str = "status") -> list[dict]:
    """The object's status changes, oldest first, in the words staff read: the transition and the
    states as their labels (a transition the model does not label reads "→ <new state>"), the
    person by name, the time in local time."""
    labels = dict(obj._meta.get_field(status_field).flatchoices)
    steps = getattr(type(obj), "transition_labels", {})
    rows = []
    for log in state_log_for(obj):
        target = labels.get(log.state, log.state)
        rows.append(
            {
                "at": log.timestamp,
                "at_local": local_time(log.timestamp, "%Y-%m-%d %H:%M:%S"),
                "by": log.by,
                "by_name": person(log.by) if log.by_id else _("系统"),
                "transition": log.transition,  # the slug, for code; people read ``step``
                "step": steps.get(log.transition) or f"→ {target}",
                "source": labels.get(log.source_state, log.source_state or "—"),
                "target": target,
                "description": log.description or "",
            }
        )
    return rows


def change_history(obj) -> list[ChangeRecord]:
    """The field changes of ``obj``, newest first, with who made them."""
    return list(
        ChangeRecord.objects.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
        ).select_related("by")
    )


class ChangeHistoryMixin:
    """A read-only ``change_history`` field (put it in ``fields``/``fieldsets``): who changed which
    field of this row, when, from what to what, as the services recorded it through
    ``retail.changes``. A panel rather than an inline, so the change form posts no extra formset."""

    @admin.display(description=_("修改记录"))
    def change_history(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        rows = [
            (
                local_time(record.at, "%Y-%m-%d %H:%M:%S"),
                self._field_label(record.field),
                record.old or "—",
                record.new or "—",
                person(record.by) if record.by_id else _("系统"),
            )
            for record in change_history(obj)
        ]
        return html_table([_("时间"), _("字段"), _("原值"), _("新值"), _("操作人")], rows, _("暂无记录"))

    def _field_label(self, name: str):
        try:
            return self.model._meta.get_field(name).verbose_name
        except FieldDoesNotExist:  # a field since removed from the model: its name is all we have
            return name
