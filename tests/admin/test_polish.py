"""The admin people want to use (issue 16 §4): the status trail in words, no save button on
read-only pages, no delete where a trail would be lost, the home page by the work, the shipping
plan on 待发货, barcodes on the printed documents, names instead of ids."""

import re

import pytest
from barcode.charsets.code128 import CODES as PATTERNS
from django.contrib.auth.models import Group, Permission
from django_fsm_log.models import StateLog

from aftersales.models import AftersalesRequest
from aftersales.services import aftersales_approve, aftersales_request_create
from crm.models import Customer
from crm.services import ticket_close, ticket_create, ticket_escalate, ticket_reply, ticket_resolve
from logistics.models import OutboundNote, PickList, Shipment, ShippingPlan
from logistics.services import order_pack, order_start_picking, pick_record, shipment_record_event
from orders.models import Order
from retail.admin_site import SECTION_ORDER
from tests.factories import ProductFactory, SKUFactory
from tests.helpers.fulfil import delivered_order, order_fulfil
from tests.helpers.orders import pending_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(django_user_model):
    return django_user_model.objects.create_superuser(
        "wangfang", "wf@example.cn", "pw-boss-123", first_name="芳", last_name="王"
    )


@pytest.fixture
def picked(stocked, boss):
    """An order picked by 王芳 (its pick list complete), not packed yet."""
    order = order_start_picking(order=pending_order([{"sku": "SKU-001", "quantity": 1}]), by=boss)
    pick_record(pick_list=order.pick_lists.get(), code="SKU-001", quantity=1, by=boss)
    return order


def _trail(html: str) -> str:
    match = re.search(r'<div class="module" id="audit-trail">(.*?)</div>', html, re.S)
    assert match, "no status trail on the page"
    return re.sub(r"<[^>]+>", " ", match.group(1))


def _slugs(model) -> set[str]:
    """Every transition name and state value of the model's state machine."""
    states = {value for value, _label in model._meta.get_field("status").flatchoices}
    return states | set(model.transition_labels)


def _assert_words_only(trail: str, model, labels: list[str]) -> None:
    for label in labels:
        assert label in trail, f"{label!r} missing from the trail"
    words = set(re.findall(r"[a-z_]+", trail))
    assert not words & _slugs(model), f"raw slugs in the trail: {words & _slugs(model)}"


def test_state_history_of_pick_list_order_and_shipment_speaks_chinese(admin_client, picked, boss):
    order = order_pack(order=picked, by=boss)
    order = order_fulfil(order=order, by=boss)
    shipment = order.shipments.get()
    shipment_record_event(
        shipment=shipment, status="in_transit", location="上海", description="已揽收", by=boss
    )

    pick_list = order.pick_lists.get()
    trail = _trail(admin_client.get(f"/admin/logistics/picklist/{pick_list.pk}/change/").content.decode())
    _assert_words_only(trail, PickList, ["开始拣货", "拣货完成", "王芳", "拣货中", "已拣完"])

    trail = _trail(admin_client.get(f"/admin/orders/order/{order.pk}/change/").content.decode())
    _assert_words_only(trail, Order, ["下单", "开始拣货", "打包出库", "发货", "待处理", "已发货", "王芳"])

    trail = _trail(admin_client.get(f"/admin/logistics/shipment/{shipment.pk}/change/").content.decode())
    _assert_words_only(trail, Shipment, ["运输中"])
    assert StateLog.objects.for_(shipment).filter(transition="mark_in_transit").exists()


def test_state_history_of_aftersales_and_ticket_speaks_chinese(admin_client, stocked, boss):
    done = delivered_order([{"sku": "SKU-001", "quantity": 1}])
    request = aftersales_request_create(
        order=done, type="return", reason="damaged", lines=[{"sku": "SKU-001", "quantity": 1}]
    )
    aftersales_approve(request=request, by=boss, note="同意退货")
    trail = _trail(
        admin_client.get(f"/admin/aftersales/aftersalesrequest/{request.pk}/change/").content.decode()
    )
    _assert_words_only(trail, AftersalesRequest, ["提交申请", "批准", "同意退货", "王芳"])

    ticket = ticket_create(subject="物流太慢", category="logistics", channel="phone", customer=done.customer)
    ticket_reply(ticket=ticket, body="已催促快递", by=boss, notify_customer=False)
    ticket_resolve(ticket=ticket, by=boss, resolution="已送达")
    ticket_close(ticket=ticket, by=boss, description="客户确认")
    trail = _trail(admin_client.get(f"/admin/crm/ticket/{ticket.pk}/change/").content.decode())
    _assert_words_only(trail, type(ticket), ["开始处理", "标记已解决", "关闭工单", "已关闭"])


def test_an_unlabelled_transition_reads_as_its_new_state(admin_client, picked):
    pick_list = picked.pick_lists.get()
    StateLog.objects.filter(transition="complete").update(transition="finish_by_hand")
    trail = _trail(admin_client.get(f"/admin/logistics/picklist/{pick_list.pk}/change/").content.decode())
    assert "→ 已拣完" in trail
    assert "finish_by_hand" not in trail


def _read_only_page(client, which: str, boss) -> str:
    """The admin page of a pick list, an outbound note or an after-sales request (rows only
    services write)."""
    order = order_fulfil(order=pending_order([{"sku": "SKU-001", "quantity": 1}]), by=boss)
    obj = {
        "picklist": lambda: order.pick_lists.get(),
        "outboundnote": lambda: OutboundNote.objects.get(order=order),
        "aftersalesrequest": lambda: aftersales_request_create(
            order=delivered_order([{"sku": "SKU-001", "quantity": 1}]),
            type="return",
            reason="damaged",
            lines=[{"sku": "SKU-001", "quantity": 1}],
        ),
    }[which]()
    return client.get(f"/admin/{obj._meta.app_label}/{which}/{obj.pk}/change/").content.decode()


@pytest.mark.parametrize("which", ["picklist", "outboundnote", "aftersalesrequest"])
def test_read_only_pages_have_no_save_button(admin_client, stocked, boss, which):
    html = _read_only_page(admin_client, which, boss)
    assert 'name="_save"' not in html and 'name="_continue"' not in html
    assert "closelink" in html  # Django's 关闭 instead
    form = html.split('id="content-main"')[1]
    assert not re.search(r"<(select|textarea)\b|<input type=\"(text|number)\"", form), "an editable field"
    assert "王芳" in html or which == "aftersalesrequest"  # the picker / packer by name


def test_delete_is_off_where_an_audit_trail_would_be_lost(admin_client, stocked):
    order = pending_order([{"sku": "SKU-001", "quantity": 1}])
    ticket = ticket_create(subject="咨询", category="product", channel="phone", customer=order.customer)
    lonely = Customer.objects.create(name="从未下单", phone="13600000000")
    unused = ProductFactory(name="从未售出")
    for path in (
        f"/admin/orders/order/{order.pk}/",
        f"/admin/crm/ticket/{ticket.pk}/",
        f"/admin/crm/customer/{order.customer_id}/",
        f"/admin/catalog/product/{stocked.product_id}/",
    ):
        assert admin_client.get(f"{path}delete/").status_code == 403, path
        assert f'href="{path}delete/"' not in admin_client.get(f"{path}change/").content.decode(), path
    # rows nothing points to may still be deleted
    assert admin_client.get(f"/admin/crm/customer/{lonely.pk}/delete/").status_code == 200
    assert admin_client.get(f"/admin/catalog/product/{unused.pk}/delete/").status_code == 200


@pytest.fixture
def clerk(django_user_model):
    """A staff member who may see orders, stock and the idempotency table, but is no superuser."""
    user = django_user_model.objects.create_user("clerk", password="pw-clerk-123", is_staff=True)
    codenames = [
        "view_order",
        "view_picklist",
        "view_stock",
        "view_customer",
        "view_product",
        "view_aftersalesrequest",
        "view_shipment",
        "view_idempotencyrecord",
        "view_sequence",
        "view_statelog",
        "view_periodictask",
        "view_accessattempt",
    ]
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def test_admin_home_orders_sections_by_the_work_and_hides_technical_tables(client, clerk):
    client.force_login(clerk)
    response = client.get("/admin/")
    labels = [app["app_label"] for app in response.context["app_list"]]
    assert labels[:6] == ["orders", "logistics", "inventory", "aftersales", "crm", "catalog"]
    assert labels == sorted(labels, key=SECTION_ORDER.index)
    html = response.content.decode()
    for hidden in ("idempotencyrecord", "sequence", "statelog", "periodictask", "accessattempt"):
        assert f"/{hidden}/" not in html, hidden
    assert not {"django_celery_beat", "axes", "django_fsm_log"} & set(labels)
    assert 'href="/dashboard/"' in html  # 工作台 link and 查看站点


def test_a_superuser_still_sees_the_technical_tables(client, boss):
    client.force_login(boss)
    html = client.get("/admin/").content.decode()
    for shown in (
        "/admin/retail/idempotencyrecord/",
        "/admin/retail/sequence/",
        "/admin/django_celery_beat/",
    ):
        assert shown in html
    labels = [app["app_label"] for app in client.get("/admin/").context["app_list"]]
    assert labels[0] == "orders"


def test_shipping_plan_opens_on_ready_to_ship(admin_client, stocked, boss):
    ready = order_pack(order=_picked_order(boss), by=boss)
    shipped = order_fulfil(order=pending_order([{"sku": "SKU-001", "quantity": 1}]), by=boss)
    assert ShippingPlan.objects.filter(order__in=[ready, shipped]).count() == 2
    response = admin_client.get("/admin/logistics/shippingplan/")
    assert [plan.order_id for plan in response.context["cl"].result_list] == [ready.pk]
    assert 'class="selected"' in response.content.decode()
    everything = admin_client.get("/admin/logistics/shippingplan/", {"status": "all"})
    assert {plan.order_id for plan in everything.context["cl"].result_list} == {ready.pk, shipped.pk}
    gone = admin_client.get("/admin/logistics/shippingplan/", {"status": "shipped"})
    assert [plan.order_id for plan in gone.context["cl"].result_list] == [shipped.pk]


def _picked_order(by):
    order = order_start_picking(order=pending_order([{"sku": "SKU-001", "quantity": 1}]), by=by)
    pick_record(pick_list=order.pick_lists.get(), code="SKU-001", quantity=1, by=by)
    return order


def _decode_code128(svg: str) -> str:
    """Read a Code 128 (set B or C) back from the bars of python-barcode's SVG."""
    bars = [
        (float(x), float(w))
        for x, w in re.findall(r'<rect x="([\d.]+)mm" y="[\d.]+mm" width="([\d.]+)mm"', svg)
    ]
    module = min(w for _x, w in bars)
    runs = []  # alternating bar/space widths in modules, bars first
    for i, (x, w) in enumerate(bars):
        if i:
            prev_x, prev_w = bars[i - 1]
            runs.append(round((x - prev_x - prev_w) / module))
        runs.append(round(w / module))
    bits = "".join(("1" if i % 2 == 0 else "0") * n for i, n in enumerate(runs))
    symbols = [bits[i : i + 11] for i in range(0, len(bits) - 13, 11)]
    values = [PATTERNS.index(s) for s in symbols]
    start, *data, check = values
    assert (start + sum(v * (i + 1) for i, v in enumerate(data))) % 103 == check, "bad check digit"
    text, charset = "", {104: "B", 105: "C"}[start]
    for v in data:  # 99 is the digits "99" in set C and the switch to C in set B; 100 is C's switch to B
        if charset == "C" and v == 100:
            charset = "B"
        elif charset == "C":
            text += f"{v:02d}"
        elif v == 99:
            charset = "C"
        else:
            text += chr(v + 32)
    return text


@pytest.mark.parametrize("number", ["OB20261201000199", "PK20261201000001", "OB20261299999999"])
def test_the_code128_reader_reads_every_digit_pair(number):
    from retail.templatetags.retail_documents import code128

    assert _decode_code128(code128(number)) == number


def test_printed_pick_list_and_outbound_note_carry_a_code128_of_their_number(admin_client, picked, boss):
    pick_list = picked.pick_lists.get()
    html = admin_client.get(f"/logistics/pick-lists/{pick_list.pk}/print/").content.decode()
    svg = re.search(r"<svg .*?</svg>", html, re.S).group(0)
    assert f'data-barcode="{pick_list.number}"' in svg
    assert _decode_code128(svg) == pick_list.number
    assert "王芳" in html and "wangfang" not in html
    assert "onclick" not in html

    order_pack(order=picked, by=boss)
    note = OutboundNote.objects.get(order=picked)
    html = admin_client.get(f"/logistics/outbound-notes/{note.number}/print/").content.decode()
    svg = re.search(r"<svg .*?</svg>", html, re.S).group(0)
    assert _decode_code128(svg) == note.number
    assert "王芳" in html and "wangfang" not in html


def test_names_labels_and_addresses_instead_of_ids_and_json(admin_client, picked, boss):
    order = order_pack(order=picked, by=boss)
    stock = order.lines.get().sku.stocks.get()
    assert str(stock) == f"{stock.sku.code} {stock.sku.name} @ {stock.warehouse.name}"
    note = OutboundNote.objects.get(order=order)
    html = admin_client.get(f"/admin/logistics/outboundnote/{note.pk}/change/").content.decode()
    assert "通过" in html and "王芳" in html
    html = admin_client.get("/admin/logistics/outboundnote/").content.decode()
    assert "通过" in html and "icon-yes" not in html
    html = admin_client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert "广东省深圳市南山区科技园路1号（518000）" in html
    assert "&quot;province&quot;" not in html and '"province"' not in html
    html = admin_client.get("/admin/retail/notification/").content.decode()
    rows = html.split("<tbody>")[1].split("</tbody>")[0]
    assert "拣货单已生成" in rows and "pick_list_issued" not in rows


def test_draft_product_says_what_the_listing_still_needs(admin_client):
    product = ProductFactory(name="草稿商品", description="", images=[], status="draft")
    html = admin_client.get(f"/admin/catalog/product/{product.pk}/change/").content.decode()
    assert 'data-transition="submit"' not in html
    needs = re.search(r'data-testid="listing-needs">(.*?)</p>', html).group(1)
    assert "提交审核" in needs and "描述" in needs and "图片" in needs
    assert 'type="file"' in html  # images are uploaded on the page
    SKUFactory(code="SKU-DRAFT", product=product)
    product.description, product.images = "说明", ["https://img.example.com/1.jpg"]
    product.save()
    html = admin_client.get(f"/admin/catalog/product/{product.pk}/change/").content.decode()
    assert 'data-transition="submit"' in html and 'data-testid="listing-needs"' not in html
    assert '<img class="thumb" src="https://img.example.com/1.jpg"' in html


def test_customer_profile_names_channels_and_ledger_reasons_in_words(admin_client, stocked, boss):
    from crm.services import contact_log_record
    from inventory.models import StockMovement

    order = pending_order([{"sku": "SKU-001", "quantity": 1}])
    contact_log_record(customer=order.customer, channel="wechat", direction="in", summary="问发货", by=boss)
    html = admin_client.get(f"/admin/crm/customer/{order.customer_id}/change/").content.decode()
    figures = re.search(r"使用渠道：([^<]*)", html).group(1)
    assert "线上商城" in figures and "微信" in figures
    assert not re.search(r"online|wechat", figures)

    movement = StockMovement.objects.filter(kind="reservation").first()
    StockMovement.objects.filter(pk=movement.pk).update(reason="payment window expired")
    rows = admin_client.get("/admin/inventory/stockmovement/").content.decode().split("<tbody>")[1]
    assert "付款超时，自动取消" in rows and "payment window expired" not in rows


def _title_and_crumbs(html: str) -> str:
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    crumbs = re.search(r'<div class="breadcrumbs">(.*?)</div>', html, re.S).group(1)
    heading = re.search(r'<div id="content" class="[^"]*">\s*(?:<h1>(.*?)</h1>)?', html, re.S).group(1) or ""
    return " ".join([title, re.sub(r"<[^>]+>", " ", crumbs), heading])


@pytest.mark.parametrize("which", ["picklist", "outboundnote", "aftersalesrequest"])
def test_read_only_pages_say_view_not_change(admin_client, stocked, boss, which):
    text = _title_and_crumbs(_read_only_page(admin_client, which, boss))
    assert "查看" in text and "修改" not in text, text


def test_escalations_name_the_groups_in_words(admin_client, stocked, boss):
    ticket = ticket_create(
        subject="退货进度", category="aftersales", channel="phone", group=Group.objects.get(name="aftersales")
    )
    ticket_escalate(
        ticket=ticket,
        reason="需要仓库确认",
        to_owner=boss,
        to_group=Group.objects.get(name="warehouse"),
        by=boss,
    )
    html = admin_client.get(f"/admin/crm/ticket/{ticket.pk}/change/").content.decode()
    inline = html.split('id="escalations-group"')[1].split("</fieldset>")[0]
    text = re.sub(r"<[^>]+>", " ", inline)
    assert "仓库" in text and "售后" in text and "王芳" in text
    assert not {"warehouse", "aftersales", "customer_service"} & set(re.findall(r"[a-z_]+", text)), text
    page = html.split('id="content-main"')[1]
    assert ">售后<" in page and ">aftersales<" not in page  # the ticket's own group, in words

    form = admin_client.get(f"/admin/crm/ticket/{ticket.pk}/transition/escalate/").content.decode()
    options = dict(
        re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', form.split('name="to_group"')[1])
    )
    assert options[str(Group.objects.get(name="warehouse").pk)] == "仓库"
    add = (
        admin_client.get("/admin/crm/ticket/add/")
        .content.decode()
        .split('name="group"')[1]
        .split("</select>")[0]
    )
    assert ">客服<" in add and ">customer_service<" not in add
