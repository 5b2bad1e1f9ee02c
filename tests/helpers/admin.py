"""Admin test helpers: the messages a response flashed, a transition button's URL, the order-entry
form."""

from django.contrib.messages import get_messages


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def transition_url(obj, name: str) -> str:
    opts = obj._meta
    return f"/admin/{opts.app_label}/{opts.model_name}/{obj.pk}/transition/{name}/"


LONG_PRODUCT = "儿童加厚保暖羽绒服 冬季新款连帽中长款 男女童通用 白鸭绒含绒量90% 防风防泼水面料"
LONG_SUMMARY = (
    "客户来电反映收到的羽绒服袖口有轻微开线，希望换一件同款同色同尺码；已说明换货流程和寄回地址，"
    "客户同意先拍照上传，再由售后审核后安排上门取件，预计三个工作日内处理完毕。"
)


def admin_long_rows(*, staff):
    """Every main changelist's rows with realistic long text (names, products, summaries, subjects,
    addresses), made through the services: the rows the 1366-px layout test and screenshots show."""
    from crm.services import contact_log_record, coupon_issue, ticket_create
    from tests.factories import ProductFactory, SKUFactory, WarehouseFactory, stock_in
    from tests.helpers.dashboards import fill_queues
    from tests.helpers.orders import pending_order

    warehouse = WarehouseFactory(code="WH-SH", name="上海浦东新区物流园中心仓", priority=1)
    product = ProductFactory(name=LONG_PRODUCT)
    sku = SKUFactory(
        code="SKU-A", product=product, name="藏青色 / 140cm / 加厚款", price="50.00", barcode="6900000000011"
    )
    stock_in(sku, warehouse, 500)
    fill_queues(1, warehouse=warehouse)
    long_customer = {
        "name": "欧阳慕容上官长孙",
        "phone": "13912345678",
        "email": "ouyang.murong.shangguan.family.account@example-company.com.cn",
    }
    order = pending_order(
        [{"sku": "SKU-A", "quantity": 3}],
        customer=long_customer,
        shipping_address={
            "province": "内蒙古自治区",
            "city": "呼和浩特市",
            "district": "赛罕区",
            "line": "大学东街与昭乌达路交叉口东南角阳光新城小区十二号楼三单元十五层一五零二室",
            "postcode": "010020",
        },
        note="请在工作日白天送货，门卫室代收也可以，送货前请提前半小时电话联系，谢谢",
    )
    customer = order.customer
    for channel in ("phone", "wechat"):
        contact_log_record(
            customer=customer, channel=channel, direction="in", summary=LONG_SUMMARY, by=staff, order=order
        )
    ticket_create(
        subject="收到的羽绒服袖口开线，要求换同款同色同尺码并补偿运费，客户情绪较急",
        category="product",
        channel="phone",
        customer=customer,
        order=order,
        description=LONG_SUMMARY,
        by=staff,
    )
    coupon_issue(
        by=staff,
        kind="fixed",
        value="20",
        name="双十二大促满减券 会员专享 每人限领一张 不与其他优惠同享",
        customer=customer,
        source_reference="TK-LONG-REFERENCE-0001",
    )
    return order


def order_entry(*, token: str = "form-token-1", **overrides) -> dict:
    """The staff order-entry form as posted: one customer, five line rows, SKU-001 × 2 in the first."""
    data = {
        "customer_name": "李四",
        "customer_phone": "13900139000",
        "customer_email": "",
        "channel": "phone",
        "payment_method": "cod",
        "province": "广东省",
        "city": "广州市",
        "district": "天河区",
        "address_line": "天河路1号",
        "postcode": "510000",
        "note": "",
        "token": token,
        "lines-TOTAL_FORMS": "5",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "200",
    }
    for i in range(5):
        data[f"lines-{i}-sku"] = data[f"lines-{i}-quantity"] = ""
    data["lines-0-sku"], data["lines-0-quantity"] = "SKU-001", "2"
    data.update(overrides)
    return data
