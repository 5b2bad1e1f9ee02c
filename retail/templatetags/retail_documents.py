"""Template filters of printed documents and staff pages: a document number as a Code 128 barcode
(inline SVG, drawn by python-barcode on the server, so printing needs no script and no network),
and a member of staff by name."""

import io
import logging

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from retail.admin.display import person as person_name

# python-barcode logs at import that Pillow (its PNG output) is missing; SVG needs no Pillow.
logging.getLogger("pyBarcode").setLevel(logging.WARNING)
from barcode import Code128  # noqa: E402
from barcode.writer import SVGWriter  # noqa: E402

register = template.Library()

# 0.33 mm bars and a 10-module quiet zone: what handheld scanners read off an A4 laser print.
BARCODE_OPTIONS = {"module_width": 0.33, "module_height": 12, "quiet_zone": 3.5, "write_text": False}


@register.filter
def code128(value) -> str:
    """``{{ note.number|code128 }}``: the value as a Code 128 barcode, an ``<svg>`` element."""
    text = str(value or "")
    if not text:
        return ""
    buffer = io.BytesIO()
    Code128(text, writer=SVGWriter()).write(buffer, options=BARCODE_OPTIONS)
    svg = buffer.getvalue().decode()
    svg = svg[svg.index("<svg") :]  # drop the XML declaration and DOCTYPE of a standalone file
    label = escape(text)
    return mark_safe(  # noqa: S308  (python-barcode's own markup; the only input, the number, is escaped)
        svg.replace(
            "<svg ", f'<svg class="barcode" role="img" aria-label="{label}" data-barcode="{label}" ', 1
        )
    )


@register.filter
def person(user) -> str:
    """``{{ pick_list.picker|person }}``: 王芳 rather than ``wangfang``; "—" for nobody."""
    return person_name(user)
