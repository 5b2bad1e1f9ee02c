"""API test builders: token clients per role, a valid order body, JSON posts, provider signatures."""

import hashlib
import hmac
import json

from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import UserFactory

ROLES = ["sales", "warehouse", "logistics", "aftersales", "customer_service", "manager", "integration"]


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
    """A provider's signature computed here, independently of retail.signing."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def unsigned(body: dict) -> dict:
    """An order (or other object) as read from the API, without its signed tracking link: the link
    is signed anew, with the time, on every read, so two reads of an unchanged order differ there."""
    return {key: value for key, value in body.items() if key != "tracking_url"}
