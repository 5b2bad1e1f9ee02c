import hashlib
import hmac
import json

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import SKUFactory, UserFactory, WarehouseFactory, stock_in

ROLES = ["sales", "warehouse", "logistics", "aftersales", "customer_service", "manager", "integration"]


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counters live in the cache: every test starts with a full budget."""
    cache.clear()
    yield
    cache.clear()


def client_for(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def user_with_role(role: str | None, username: str | None = None):
    user = UserFactory(username=username or f"{role or 'norole'}-user")
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def admin_user(db):
    return UserFactory(username="root", is_superuser=True)


@pytest.fixture
def api(admin_user):
    """A superuser's token client."""
    return client_for(admin_user)


@pytest.fixture
def role_client(db):
    def make(role):
        return client_for(user_with_role(role))

    return make


@pytest.fixture
def anon():
    return APIClient()


@pytest.fixture
def stocked(db):
    """SKU-001 (50.00) with 10 units in WH-SH, SKU-002 (80.00) with 5 units."""
    wh = WarehouseFactory(code="WH-SH", name="上海仓", priority=1)
    sku1 = SKUFactory(code="SKU-001", price="50.00", cost="30.00")
    sku2 = SKUFactory(code="SKU-002", price="80.00", cost="40.00")
    stock_in(sku1, wh, 10)
    stock_in(sku2, wh, 5)
    return {"warehouse": wh, "skus": [sku1, sku2]}


ORDER_BODY = {
    "channel": "online",
    "customer": {"name": "张三", "phone": "13800138000", "email": "zhang@example.cn"},
    "shipping_address": {
        "province": "广东省",
        "city": "深圳市",
        "district": "南山区",
        "line": "科技园路1号",
        "postcode": "518000",
    },
    "lines": [{"sku": "SKU-001", "quantity": 2}],
    "payment_method": "wechat_pay",
    "coupon": None,
    "note": "",
}


def order_body(**overrides):
    return {**json.loads(json.dumps(ORDER_BODY)), **overrides}


def post_json(client, url, body, **extra):
    return client.post(
        url, data=json.dumps(body, ensure_ascii=False), content_type="application/json", **extra
    )


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
