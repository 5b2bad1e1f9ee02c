"""The in-place actions: each goes through its service, answers with a fragment for htmx, and shows
a refusal on the form instead of an error page (issue 16 §1–§3)."""

import pytest
from django.urls import reverse

from crm.models import ContactLog, Customer, TicketReply
from crm.services import ticket_create
from logistics.models import PickRecord
from logistics.services import order_pack, order_start_picking, pick_record
from orders.models import Order
from tests.helpers.fulfil import order_fulfil
from tests.helpers.orders import pending_order, place

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}
LINES = [{"sku": "SKU-A", "quantity": 2}]


def _scan_url(order):
    return reverse("dashboards:pick_scan", args=[order.pick_lists.get().pk])


def test_scan_ticks_the_line_and_refuses_a_wrong_code_in_place(client, role_user, shop):
    client.force_login(role_user("warehouse"))
    order = order_start_picking(order=pending_order(LINES))
    url = _scan_url(order)
    assert client.get(url).status_code == 200

    refused = client.post(url, {"code": "NOPE-1", "quantity": 1}, **HX)
    assert refused.status_code == 200
    assert 'data-testid="scan-refused"' in refused.content.decode()
    assert PickRecord.objects.get(code="NOPE-1").error == "not_on_list"  # recorded as a pick error

    over = client.post(url, {"code": "SKU-A", "quantity": 5}, **HX).content.decode()
    assert "超拣" in over

    ok = client.post(url, {"code": "6900000000011", "quantity": 2}, **HX).content.decode()
    assert 'data-testid="scan-accepted"' in ok and 'data-testid="picked-SKU-A">2/2<' in ok
    assert f'data-testid="pack-{order.number}"' in ok  # every line picked: pack + QC offered


@pytest.mark.parametrize("data", [{"code": "", "quantity": 1}, {"code": "SKU-A", "quantity": "x"}])
def test_scan_bad_input_is_a_form_error(client, role_user, shop, data):
    client.force_login(role_user("warehouse"))
    order = order_start_picking(order=pending_order(LINES))
    response = client.post(_scan_url(order), data, **HX)
    assert response.status_code == 200 and 'data-testid="scan-refused"' in response.content.decode()


def test_pack_before_the_picks_are_complete_is_refused_on_the_form(client, role_user, shop):
    client.force_login(role_user("warehouse"))
    order = order_start_picking(order=pending_order(LINES))
    response = client.post(reverse("dashboards:order_pack", args=[order.number]), {"qc_passed": "1"}, **HX)
    assert response.status_code == 200 and 'data-testid="pack-error"' in response.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.PROCESSING


def test_pack_with_qc_passed_issues_the_outbound_note(client, role_user, shop):
    client.force_login(role_user("warehouse"))
    order = order_start_picking(order=pending_order(LINES))
    pick_record(pick_list=order.pick_lists.get(), code="SKU-A", quantity=2)
    html = client.post(
        reverse("dashboards:order_pack", args=[order.number]), {"qc_passed": "1"}, **HX
    ).content
    note = order.outbound_notes.get()
    assert note.number in html.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.READY_TO_SHIP


def test_start_picking_opens_the_scan_screen(client, role_user, shop):
    client.force_login(role_user("warehouse"))
    order = pending_order(LINES)
    response = client.post(reverse("dashboards:order_start_picking", args=[order.number]), **HX)
    assert response["HX-Redirect"] == _scan_url(order)


def test_batch_ship_ships_row_by_row_with_a_result_each(client, role_user, shop):
    client.force_login(role_user("logistics"))
    orders = []
    for _ in range(3):
        order = order_start_picking(order=pending_order(LINES))
        pick_record(pick_list=order.pick_lists.get(), code="SKU-A", quantity=2)
        orders.append(order_pack(order=order))
    data = {"number": [o.number for o in orders]}
    data |= {f"carrier-{o.number}": "sf" for o in orders}
    data |= {f"tracking-{orders[0].number}": "SF1000000001", f"tracking-{orders[1].number}": "bad number!"}
    html = client.post(reverse("dashboards:batch_ship"), data, **HX).content.decode()
    assert f'data-testid="result-{orders[0].number}" class="ok"' in html
    assert f'data-testid="result-{orders[1].number}" class="bad"' in html
    assert f"result-{orders[2].number}" not in html  # no tracking number typed: left alone
    statuses = {o.number: s for o, s in ((o, Order.objects.get(pk=o.pk).status) for o in orders)}
    assert list(statuses.values()) == ["shipped", "ready_to_ship", "ready_to_ship"]


def test_log_the_call_on_a_backorder(client, role_user, shop):
    client.force_login(role_user("sales"))
    from tests.factories import SKUFactory

    SKUFactory(code="SKU-NONE")
    order = place(lines=[{"sku": "SKU-NONE", "quantity": 1}])
    assert order.status == Order.Status.BACKORDERED and order.customer is not None
    url = reverse("dashboards:order_contact", args=[order.number])
    html = client.post(url, {"channel": "phone", "summary": "客户同意等货"}, **HX).content.decode()
    assert "客户同意等货" in html
    assert ContactLog.objects.get(order=order).staff.username == "sales-user"
    empty = client.post(url, {"channel": "phone", "summary": ""}, **HX)
    assert empty.status_code == 200 and "errorlist" in empty.content.decode()


def test_reply_to_a_ticket_in_place(client, role_user):
    client.force_login(role_user("service"))
    customer = Customer.objects.create(name="李四", phone="13700000000")
    ticket = ticket_create(subject="何时发货", category="order_status", channel="phone", customer=customer)
    url = reverse("dashboards:ticket_reply", args=[ticket.pk])
    html = client.post(url, {"body": "今天发出"}, **HX).content.decode()
    assert ticket.number in html and TicketReply.objects.get(ticket=ticket).body == "今天发出"
    assert client.post(url, {"body": ""}, **HX).status_code == 200


def test_without_htmx_an_action_returns_to_the_page(client, role_user, shop):
    client.force_login(role_user("warehouse"))
    order = order_start_picking(order=pending_order(LINES))
    response = client.post(reverse("dashboards:order_pack", args=[order.number]), {"qc_passed": "1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboards:order_hub", args=[order.number])


def test_order_hub_links_every_document_and_offers_only_possible_actions(client, staff_user, shop):
    client.force_login(staff_user)
    order = order_start_picking(order=pending_order(LINES))
    html = client.get(reverse("dashboards:order_hub", args=[order.number])).content.decode()
    assert order.pick_lists.get().number in html
    assert "打包出库" not in html.split('data-testid="actions"')[1].split("</section>")[0]  # picks incomplete
    order = order_fulfil(order=order)
    html = client.get(reverse("dashboards:order_hub", args=[order.number])).content.decode()
    note, shipment = order.outbound_notes.get(), order.shipments.get()
    assert reverse("logistics:outbound_note_print", args=[note.number]) in html
    assert shipment.tracking_number in html
    assert "确认签收" in html and "开始拣货" not in html
    assert 'data-testid="timeline"' in html and "WX-" in html  # the payment in the timeline


def test_order_hub_refuses_staff_without_a_role(client, django_user_model, shop):
    from tests.helpers.dashboards import make_staff

    client.force_login(make_staff(django_user_model, "nobody"))
    order = pending_order(LINES)
    assert client.get(reverse("dashboards:order_hub", args=[order.number])).status_code == 403
    client.force_login(make_staff(django_user_model, "boss2", "manager"))
    assert client.get(reverse("dashboards:order_hub", args=["SO-NONE"])).status_code == 404
