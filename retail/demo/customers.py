"""The people of the demo: staff accounts in the role groups, and customers recorded by crm."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from crm import services as crm

from . import data
from .shop import DemoError, DemoShop, Person

# The one password of every demo role login (docs/operations.md); demo data only, never production.
DEMO_PASSWORD = "demo-retail-2026"


def staff_create(shop: DemoShop) -> None:
    """One staff login per role (the actors of the audit trail too), all with ``DEMO_PASSWORD``, so
    a newcomer can open each role's page. Django's auth has no service layer in this project: the
    accounts are made with the user model itself, as ``ensure_admin`` does."""
    user_model = get_user_model()
    hashed = make_password(DEMO_PASSWORD)  # hashed once: the hasher is slow on purpose
    for username, name, role in data.STAFF:
        group = Group.objects.filter(name=role).first()
        if group is None:
            raise DemoError(f"Role group '{role}' is missing: run `manage.py migrate` first.")
        user = user_model(username=username, first_name=name, email=f"{username}@example.com", is_staff=True)
        user.password = hashed
        user.save()
        user.groups.add(group)
        shop.staff[role] = user


def customers_plan(shop: DemoShop, count: int) -> None:
    """``count`` customers with unique mobile numbers (a few with an email only), each first seen up
    to 200 days before the period; the first ones buy most often (repeat purchase rate)."""
    rng, phones, total = shop.rng, set(), 0.0
    for i in range(count):
        name = rng.choice(data.SURNAMES) + rng.choice(data.GIVEN)
        phone = ""
        while not phone or phone in phones:
            phone = f"1{rng.choice('356789')}{rng.randrange(10**9):09d}"
        phones.add(phone)
        has_phone, has_email = rng.random() < 0.93, rng.random() < 0.6
        email = f"customer{i + 1:03d}@example.com" if has_email or not has_phone else ""
        province, city, districts, streets, postcode = rng.choice(data.PLACES)
        district = rng.choice(districts)
        street = (
            f"{rng.choice(streets)}{rng.randint(1, 999)}号{rng.randint(1, 30)}栋{rng.randint(101, 2505)}室"
        )
        since = shop.start - timedelta(days=rng.uniform(1, 200))
        person = Person(
            name=name,
            phone=phone if has_phone else "",
            email=email,
            place=(province, city, district, postcode),
            street=street,
            since=since,
        )
        shop.customers.append(person)
        total += 1 / (i + 1) ** 0.6
        shop.customer_weights.append(total)


def customers_create(shop: DemoShop) -> None:
    """The planned customers, recorded by crm as a first contact would (service path)."""
    for person in shop.customers:
        with shop.at(person.since):
            person.pk = crm.customer_for_contact(name=person.name, phone=person.phone, email=person.email).pk
