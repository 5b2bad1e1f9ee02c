"""The people of the demo: staff accounts in the role groups, and customers recorded by crm."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from crm import services as crm

from . import data
from .shop import DemoError, DemoShop


def staff_create(shop: DemoShop) -> None:
    """One account per role, as the actors of the audit trail. Django's auth has no service layer in
    this project: the accounts are made with the user model itself, as ``ensure_admin`` does."""
    user_model = get_user_model()
    for username, name, role in data.STAFF:
        group = Group.objects.filter(name=role).first()
        if group is None:
            raise DemoError(f"Role group '{role}' is missing: run `manage.py migrate` first.")
        user = user_model(username=username, first_name=name, email=f"{username}@example.com", is_staff=True)
        user.set_unusable_password()  # actors in the demo's audit trail, not logins
        user.save()
        user.groups.add(group)
        shop.staff[role] = user


def customers_create(shop: DemoShop, count: int) -> None:
    """``count`` customers with unique mobile numbers (a few with an email only), each first seen up
    to 200 days before the period; the first ones buy most often (repeat purchase rate)."""
    rng, phones = shop.rng, set()
    for i in range(count):
        name = rng.choice(data.SURNAMES) + rng.choice(data.GIVEN)
        phone = ""
        while not phone or phone in phones:
            phone = f"1{rng.choice('356789')}{rng.randrange(10**9):09d}"
        phones.add(phone)
        has_phone, has_email = rng.random() < 0.93, rng.random() < 0.6
        email = f"customer{i + 1:03d}@example.com" if has_email or not has_phone else ""
        province, city, districts, streets, postcode = rng.choice(data.PLACES)
        person = {
            "name": name,
            "phone": phone if has_phone else "",
            "email": email,
            "address": {
                "province": province,
                "city": city,
                "district": rng.choice(districts),
                "line": f"{rng.choice(streets)}{rng.randint(1, 999)}号"
                f"{rng.randint(1, 30)}栋{rng.randint(101, 2505)}室",
                "postcode": postcode,
            },
        }
        with shop.at(shop.start - timedelta(days=rng.uniform(1, 200))):
            person["pk"] = crm.customer_for_contact(name=name, phone=person["phone"], email=email).pk
        shop.customers.append(person)
        shop.customer_weights.append(1 / (i + 1) ** 0.6)
