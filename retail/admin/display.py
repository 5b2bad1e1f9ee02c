"""Small HTML pieces for admin pages: a link to another row's admin page, a table, long text cut
to its column with the whole of it on hover, a time in local time, a member of staff by name, a
staff group by its name in words."""

from django.conf import settings
from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join


def admin_link(model_label: str, pk, text) -> str:
    """``<a>`` to ``admin:<model_label>_change``; plain text when that model has no admin page."""
    try:
        return format_html('<a href="{}">{}</a>', reverse(f"admin:{model_label}_change", args=[pk]), text)
    except NoReverseMatch:
        return format_html("{}", text)


def html_table(headers: list[str], rows: list[tuple], empty: str) -> str:
    if not rows:
        return format_html("<p>{}</p>", empty)
    head = format_html_join("", "<th>{}</th>", ((h,) for h in headers))
    body = format_html_join(
        "", "<tr>{}</tr>", ((format_html_join("", "<td>{}</td>", ((cell,) for cell in row)),) for row in rows)
    )
    return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, body)


def truncated(text, css: str = "truncate") -> str:
    """Long text in one line cut to its column by CSS (``retail/admin.css``), whole on hover."""
    text = "" if text is None else str(text)
    if not text:
        return "—"
    return format_html('<span class="{}" title="{}">{}</span>', css, text, text)


def local_time(value, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An aware time as the staff read it: local time (``TIME_ZONE``), compact, or "—"."""
    return timezone.localtime(value).strftime(fmt) if value else "—"


def person(user) -> str:
    """A member of staff by name (full name, else the login name); "—" for nobody."""
    if user is None:
        return "—"
    full = f"{user.last_name}{user.first_name}" if _cjk(user.last_name + user.first_name) else ""
    return full or user.get_full_name().strip() or user.get_username()


def group_label(group) -> str:
    """A staff group (a ``Group`` or its name) in words: 售后, 仓库, 客服 ... (the roles' labels,
    ``Notification.GROUP_LABELS``); a group without a label keeps its own name; "—" for none."""
    from retail.models import Notification

    if group is None or group == "":
        return "—"
    name = group if isinstance(group, str) else group.name
    return str(Notification.GROUP_LABELS.get(name, name))


def group_column(field: str, description=None):
    """A column or read-only field showing the group in ``field`` in words (``group_label``)."""

    def column(model_admin, obj):
        return group_label(getattr(obj, field))

    column.__name__ = f"{field}_label"
    return admin.display(description=description or field, ordering=field)(column)


def _cjk(text: str) -> bool:
    # Chinese names read family name first, without a space (张 + 伟 → 张伟); Latin ones "First Last".
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def staff_fields(model) -> list[str]:
    """Names of ``model``'s foreign keys to the user model (picker, packed_by, owner ...)."""
    return [
        f.name
        for f in model._meta.fields
        if f.is_relation
        and f.related_model is not None
        and f.related_model._meta.label == settings.AUTH_USER_MODEL
    ]


def staff_column(field: str, description=None):
    """A column or read-only field showing the user in ``field`` by name (``person``)."""

    def column(model_admin, obj):
        return person(getattr(obj, field))

    column.__name__ = f"{field}_name"
    return admin.display(description=description or field, ordering=field)(column)


class StaffNamesMixin:
    """Every foreign key to a user gets a ``<field>_name`` attribute (the user's name, labelled as
    the field) for ``list_display``, ``fields`` and ``readonly_fields``; ``staff_names(names)``
    swaps the foreign keys in a list of field names for those. Admin pages thus show 王芳, not
    ``wangfang`` or ``#17``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in staff_fields(self.model):
            attr = f"{name}_name"
            if not hasattr(type(self), attr):
                label = self.model._meta.get_field(name).verbose_name
                setattr(self, attr, staff_column(name, label).__get__(self))

    def staff_names(self, names) -> list:
        users = set(staff_fields(self.model))
        return [f"{n}_name" if isinstance(n, str) and n in users else n for n in names]


def time_column(field: str, description):
    """A changelist column with ``field`` (an aware time) as compact local time (``local_time``)."""

    def column(model_admin, obj):
        return local_time(getattr(obj, field))

    column.__name__ = f"{field}_local"
    return admin.display(description=description, ordering=field)(column)


def text_column(field: str, description, css: str = "truncate"):
    """A changelist column with long text cut to the column, whole on hover (``truncated``)."""

    def column(model_admin, obj):
        return truncated(getattr(obj, field), css)

    column.__name__ = f"{field}_short"
    return admin.display(description=description, ordering=field)(column)
