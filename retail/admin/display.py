"""Small HTML pieces for read-only admin panels: a link to another row's admin page, a table."""

from django.urls import NoReverseMatch, reverse
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
