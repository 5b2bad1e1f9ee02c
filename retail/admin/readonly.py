"""Admin pieces for rows that only services write: shown to staff, never added, edited or deleted;
and the rule that a row other rows still point to is not deleted from the admin."""

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext as _

from .display import StaffNamesMixin
from .transitions import TransitionAdminMixin

# A read-only page has nothing to save: Django's submit row then offers only 关闭.
NO_SAVE = {"show_save": False, "show_save_and_continue": False, "show_save_and_add_another": False}


def is_referenced(obj) -> bool:
    """True when a row points to ``obj`` through a ``PROTECT`` foreign key (a customer's orders, a
    product's SKUs): deleting it would fail, or lose the trail those rows are part of."""
    for rel in obj._meta.related_objects:
        if rel.on_delete is models.PROTECT and not rel.many_to_many:
            if rel.related_model._base_manager.filter(**{rel.field.name: obj}).exists():
                return True
    return False


class ProtectedDeleteMixin:
    """No 删除 button on a row that other rows still point to (see ``is_referenced``)."""

    def has_delete_permission(self, request, obj=None):
        if obj is not None and is_referenced(obj):
            return False
        return super().has_delete_permission(request, obj)


class ReadOnlyAdmin(StaffNamesMixin, admin.ModelAdmin):
    """Rows written only by services: staff look, nobody adds, edits or deletes here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(StaffNamesMixin, admin.TabularInline):
    """Child rows written by services: listed on the parent's page, never edited there; staff by name."""

    extra = 0
    can_delete = False
    show_change_link = False
    classes = ["readonly-inline"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        return self.staff_names(self.fields) if self.fields else super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        names = list(self.fields or []) + list(self.readonly_fields)
        return list(dict.fromkeys(names + self.staff_names(names)))


class ServiceOnlyAdmin(StaffNamesMixin, TransitionAdminMixin, admin.ModelAdmin):
    """Rows created and changed by services only: every field is shown read-only (staff by name),
    the service buttons are the way to change them, for staff who may change the model, and the
    page has no 保存 button (there is nothing to save)."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def may_run_actions(self, request, obj) -> bool:
        return self.has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        # Every model field (so the form edits none of them) and the shown ``<user>_name`` fields.
        names = [f.name for f in self.model._meta.fields] + list(self.readonly_fields)
        return list(dict.fromkeys(names + self.staff_names(names)))

    def get_fields(self, request, obj=None):
        """What the page shows: each field once, a user by name, without the row's internal id."""
        if self.fields:
            return self.fields
        names = [f.name for f in self.model._meta.fields if not f.primary_key] + list(self.readonly_fields)
        return list(dict.fromkeys(self.staff_names(names)))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Nothing on the page is edited (the buttons run services): 查看, not Django's 修改.
        title = _("查看 %(name)s") % {"name": self.opts.verbose_name}
        return super().change_view(
            request, object_id, form_url, {**NO_SAVE, "title": title, **(extra_context or {})}
        )
