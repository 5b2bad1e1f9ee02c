"""The one admin kit (floor: Django only, never a domain app) and the admin of retail's own rows.

- ``transitions``: service-backed buttons on change pages and the one action-form page;
- ``forms``: the action forms' base and how a service's error lands on a field;
- ``audit``: the status trail and the field-change history panels;
- ``readonly``: admins and inlines of rows only services write;
- ``display``: links, tables, cut text, local times and staff names for pages and lists;
"""

from . import registrations  # noqa: F401  (registers retail's own models when the admin autodiscovers)
from .audit import ChangeHistoryMixin, audit_trail, change_history
from .display import (
    StaffNamesMixin,
    admin_link,
    group_column,
    group_label,
    html_table,
    local_time,
    person,
    staff_column,
    text_column,
    time_column,
    truncated,
)
from .forms import ActionForm, GroupChoiceField, form_add_business_error
from .readonly import ProtectedDeleteMixin, ReadOnlyAdmin, ReadOnlyInline, ServiceOnlyAdmin, is_referenced
from .transitions import AdminTransition, ObjectLink, TransitionAdminMixin, render_form_page

__all__ = [
    "ActionForm",
    "AdminTransition",
    "ChangeHistoryMixin",
    "GroupChoiceField",
    "ObjectLink",
    "ProtectedDeleteMixin",
    "ReadOnlyAdmin",
    "ReadOnlyInline",
    "ServiceOnlyAdmin",
    "StaffNamesMixin",
    "TransitionAdminMixin",
    "admin_link",
    "group_column",
    "group_label",
    "audit_trail",
    "change_history",
    "form_add_business_error",
    "html_table",
    "is_referenced",
    "local_time",
    "person",
    "staff_column",
    "text_column",
    "time_column",
    "truncated",
    "render_form_page",
]
