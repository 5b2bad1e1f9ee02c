"""Admin pieces for rows that only services write: shown to staff, never added, edited or deleted."""

from django.contrib import admin

from .transitions import TransitionAdminMixin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by services: staff look, nobody adds, edits or deletes here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """Child rows written by services: listed on the parent's page, never edited there."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return list(self.fields or []) + list(self.readonly_fields)


class ServiceOnlyAdmin(TransitionAdminMixin, admin.ModelAdmin):
    """Rows created and changed by services only: every field is shown read-only and the service
    buttons are the way to change them, for staff who may change the model."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def may_run_actions(self, request, obj) -> bool:
        return self.has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields] + list(self.readonly_fields)
