"""Every notification event in Chinese and English: each ``<event>.txt`` has its ``<event>.en.txt``,
both render, the English one has no Chinese left (the data given here is ASCII, so any Chinese
would come from the template), and every fact the Chinese message carries is in the English one."""

import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from retail.notifications.outbox import message_language, message_render

TEMPLATES = Path(settings.BASE_DIR) / "templates" / "notifications"
# The periodic KPI reports (kpi_report_*) go to the manager group in Chinese, with a context of their
# own (a chart and a workbook beside the body); tests/kpi/test_reports.py renders and reads them.
EVENTS = sorted(
    p.name.removesuffix(".txt")
    for p in TEMPLATES.glob("*.txt")
    if not p.name.endswith(".en.txt") and not p.name.startswith("kpi_report_")
)
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
AT = datetime(2026, 12, 1, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))

LINE = {"name": "Green tea 500g", "sku_code": "SKU-TEA", "quantity": 3, "line_total": Decimal("45.00")}
ORDER = {
    "number": "SO20261201-0042",
    "customer_name": "Alice Smith",
    "customer_phone": "13800138000",
    "customer_email": "alice@example.com",
    "total": Decimal("123.45"),
    "get_status_display": "STATUS-LABEL",
    "ship_due_at": AT,
    "payment_status": "refund_due",
    "lines": {"all": [LINE]},
}
TICKET = {
    "number": "TK-7788",
    "subject": "Broken lid",
    "description": "The lid arrived cracked",
    "resolution": "Replacement sent",
    "customer": {"name": "Alice Smith"},
    "owner": "agent-bob",
    "group": {"name": "customer_service"},
    "get_category_display": "CATEGORY-LABEL",
    "get_priority_display": "PRIORITY-LABEL",
    "get_channel_display": "CHANNEL-LABEL",
    "get_status_display": "TICKET-STATUS",
    "first_response_due": AT,
    "first_response_at": AT,
    "resolution_due": AT,
}
COUPON = {
    "code": "THANKS-9X",
    "name": "Winter",
    "kind": "percent",
    "value": Decimal("15"),
    "cap": Decimal("30.00"),
    "min_order_amount": Decimal("99.00"),
    "valid_to": AT,
}
CONTEXT = {
    "order": ORDER,
    "lines": [LINE],
    "tracking_url": "https://shop.example.com/track/?number=SO20261201-0042",
    "url": "https://shop.example.com/survey/abc123/",
    "aftersales": {
        "number": "AS-5566",
        "status": "awaiting_return",
        "review_note": "Checked by QA",
        "get_type_display": "TYPE-LABEL",
        "get_reason_display": "REASON-LABEL",
        "description": "Does not close",
        "refund_amount": Decimal("45.00"),
        "reject_reason": "Past the window",
        "get_repair_carrier_display": "CARRIER-LABEL",
        "repair_tracking_number": "SF-REPAIR-1",
        "lines": {"all": [LINE]},
    },
    "replacement": {"number": "SO20261201-0099"},
    "shipment": {"number": "SH-3344", "get_carrier_display": "CARRIER-LABEL", "tracking_number": "SF1234567"},
    "event": {"location": "Hangzhou hub", "description": "Address unreachable", "occurred_at": AT},
    "note": {"number": "ON-2211"},
    "plan": {"carrier": "sf", "get_carrier_display": "CARRIER-LABEL", "estimated_cost": Decimal("12.00")},
    "pick_lists": [{"number": "PL-1001", "warehouse": "WH-SH"}],
    "reason": "Wrong colour packed",
    "payment": {"reference": "WX-777", "amount": Decimal("123.45"), "get_flag_display": "FLAG-LABEL"},
    "refund": {"amount": Decimal("45.00")},
    "ticket": TICKET,
    "reply": {"body": "We are sending a new lid today."},
    "coupon": COUPON,
    "customer": {"name": "Alice Smith"},
    "survey": {"order": ORDER},
    "response": {"csi": Decimal("2.40"), "comment": "Slow delivery"},
    "scores": {"delivery": 2, "service": 3},
    "warehouse": {"code": "WH-SH", "name": "Shanghai DC"},
    "rows": [
        {
            "sku": {"code": "SKU-TEA", "name": "500g", "product": {"name": "Green tea"}},
            "available_qty": 4,
            "effective_reorder_point": 10,
            "bin_location": "A-01-3",
        }
    ],
    "day": date(2026, 12, 1),
}
# Facts of the context (numbers, codes, links, amounts): what the Chinese message says, the English one must say.
FACTS = sorted(
    {
        str(v)
        for v in re.findall(r"[A-Za-z0-9][A-Za-z0-9./:?=_-]{3,}", repr(CONTEXT))
        if any(ch.isdigit() or ch == "-" for ch in v) and not v.startswith(("datetime", "Decimal"))
    }
    | {"123.45", "45.00", "2026-12-01"}
)


def test_every_event_has_an_english_copy_and_no_english_copy_lacks_its_chinese():
    english = sorted(p.name.removesuffix(".en.txt") for p in TEMPLATES.glob("*.en.txt"))
    assert len(EVENTS) >= 37
    assert english == EVENTS


@pytest.mark.parametrize("event", EVENTS)
def test_event_renders_in_both_languages_with_the_same_facts(event):
    zh_subject, zh_body = message_render(event, CONTEXT, "zh-hans")
    en_subject, en_body = message_render(event, CONTEXT, "en")
    assert zh_subject and zh_body and en_subject and en_body
    assert CJK.search(zh_subject + zh_body), "the Chinese copy is Chinese"
    chinese_left = CJK.findall(en_subject + en_body)
    assert chinese_left == [], f"{event}.en.txt still has Chinese: {''.join(chinese_left)}"
    zh, en = zh_subject + "\n" + zh_body, en_subject + "\n" + en_body
    missing = [fact for fact in FACTS if fact in zh and fact not in en]
    assert missing == [], f"{event}: the English copy leaves out {missing}"
    assert "&amp;" not in en and "&quot;" not in en  # plain text, never HTML-escaped


def test_the_english_copies_link_to_the_order_wherever_the_chinese_ones_do():
    for event in EVENTS:
        zh = (TEMPLATES / f"{event}.txt").read_text()
        en = (TEMPLATES / f"{event}.en.txt").read_text()
        assert ("{{ tracking_url }}" in zh) == ("{{ tracking_url }}" in en), event


def test_an_unknown_language_falls_back_to_chinese():
    assert message_language("fr") == message_language(None) == "zh-hans"
    assert message_render("order_cancelled", CONTEXT, "fr") == message_render("order_cancelled", CONTEXT)
    assert message_render("order_cancelled", CONTEXT, "en")[0] == "Order SO20261201-0042 cancelled"


MARKED = ' & <"O\'Neil">'  # what HTML-escaping would turn into &amp; &lt; &quot; &#x27; &gt;
FREE_TEXT = {"name", "customer_name", "subject", "description", "resolution", "body", "comment", "reason"}


def _marked(value, key=None):
    """CONTEXT with the marker after every free text (names, subjects, replies) and in every link."""
    if isinstance(value, dict):
        return {k: _marked(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_marked(v) for v in value]
    if key in FREE_TEXT:
        return value + MARKED
    if key in {"tracking_url", "url"}:
        return value + "&lang=en"
    return value


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("event", EVENTS)
def test_a_message_is_plain_text_never_html_escaped(event, language):
    """An SMS or a text email shows "A&B" as written, and a link's "&" stays a link's: the
    messages are rendered by the ``text`` engine (no autoescape) in both languages."""
    subject, body = message_render(event, _marked(CONTEXT), language)
    text = subject + "\n" + body
    escaped = [entity for entity in ("&amp;", "&lt;", "&gt;", "&quot;", "&#x27;", "&#39;") if entity in text]
    assert escaped == [], f"{event}.{language}: {text}"
    if "Alice Smith" in message_render(event, CONTEXT, language)[1]:
        assert "Alice Smith" + MARKED in text
    if "https://" in body:
        assert "&lang=en" in body


def test_an_html_body_is_still_escaped():
    """The HTML body of an email (``html_template``) is HTML: the default engine escapes there."""
    from django.template.loader import engines

    assert engines["django"].engine.autoescape is True
    assert engines["text"].engine.autoescape is False
