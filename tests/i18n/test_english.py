"""The English interface: every source string has a reviewed translation, compiled into the .mo that
ships with the code, and the language follows the browser (Chinese stays the default)."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from orders.models import Order

LC_MESSAGES = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")


def _unquote(text: str) -> str:
    return ast.literal_eval(text.strip())


def po_entries(path: Path) -> list[dict]:
    """Live entries of a .po file (header and obsolete ``#~`` entries left out), read without polib
    so the test needs nothing beyond the project's dependencies."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry = {"flags": set(), "msgctxt": None, "msgid_plural": None, "msgstr": {}}
        field = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                if isinstance(field, int):
                    entry["msgstr"][field] += _unquote(line)
                else:
                    entry[field] += _unquote(line)
            else:
                keyword, _, value = line.partition(" ")
                plural_index = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
                if keyword == "msgstr" or plural_index:
                    field = int(plural_index.group(1)) if plural_index else 0
                    entry["msgstr"][field] = _unquote(value)
                else:
                    field = keyword
                    entry[field] = _unquote(value)
        if entry.get("msgid"):
            entries.append(entry)
    return entries


ENTRIES = po_entries(LC_MESSAGES / "django.po")


@pytest.mark.parametrize(
    ("status", "english", "chinese"),
    [
        (Order.Status.AWAITING_PAYMENT, "Awaiting payment", "待付款"),
        (Order.Status.BACKORDERED, "Backordered", "缺货"),
        (Order.Status.PENDING, "Pending", "待处理"),
        (Order.Status.PROCESSING, "Processing", "处理中"),
        (Order.Status.READY_TO_SHIP, "Ready to ship", "待发货"),
        (Order.Status.SHIPPED, "Shipped", "已发货"),
        (Order.Status.COMPLETED, "Completed", "已完成"),
        (Order.Status.CANCELLED, "Cancelled", "已取消"),
    ],
)
def test_order_status_label_follows_active_language(status, english, chinese):
    with translation.override("en"):
        assert str(status.label) == english
    with translation.override("zh-hans"):
        assert str(status.label) == chinese


def test_po_file_has_many_entries_all_translated_and_reviewed():
    assert len(ENTRIES) > 500
    untranslated = [e["msgid"] for e in ENTRIES if not all(e["msgstr"].values())]
    fuzzy = [e["msgid"] for e in ENTRIES if "fuzzy" in e["flags"]]
    assert untranslated == []
    assert fuzzy == []
    plural = [e for e in ENTRIES if e["msgid_plural"]]
    assert all(sorted(e["msgstr"]) == [0, 1] for e in plural)


def test_translations_keep_every_placeholder():
    broken = []
    for e in ENTRIES:
        for msgstr in e["msgstr"].values():
            if sorted(PLACEHOLDER.findall(e["msgid"])) != sorted(PLACEHOLDER.findall(msgstr)):
                broken.append((e["msgid"], msgstr))
    assert broken == []


def test_compiled_mo_matches_po():
    """The .mo is committed (no gettext needed on a fresh clone), so it must be recompiled after
    every .po change: each translation in the .po must be what the .mo returns."""
    with open(LC_MESSAGES / "django.mo", "rb") as mo:
        catalog = gettext.GNUTranslations(mo)
    stale = []
    for e in ENTRIES:
        if e["msgid_plural"]:
            got = [catalog.ngettext(e["msgid"], e["msgid_plural"], n) for n in (1, 2)]
            expected = [e["msgstr"][0], e["msgstr"][1]]
        elif e["msgctxt"] is not None:
            got, expected = catalog.pgettext(e["msgctxt"], e["msgid"]), e["msgstr"][0]
        else:
            got, expected = catalog.gettext(e["msgid"]), e["msgstr"][0]
        if got != expected:
            stale.append(e["msgid"])
    assert stale == []


def test_admin_login_page_in_english_when_browser_asks_for_it(client):
    response = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "en"
    assert "Retail order system" in html
    assert "零售订单系统" not in html


def test_admin_login_page_in_chinese_by_default(client):
    response = client.get("/admin/login/")
    html = response.content.decode()
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "zh-hans"
    assert "零售订单系统" in html
    assert "Retail order system" not in html
