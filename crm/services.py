"""Customer writes. Contact details are normalised so one person is one customer."""

import re

from django.db import IntegrityError, transaction
from django.db.models import Q

from .models import Customer


def normalize_phone(phone: str | None) -> str | None:
    """Digits only; a mainland +86/0086 prefix is dropped (``+86 138-0013-8000`` → ``13800138000``)."""
    if not phone:
        return None
    digits = re.sub(r"\D", "", phone)
    if phone.strip().startswith("+86") or digits.startswith("0086"):
        digits = digits[2:] if digits.startswith("86") else digits[4:]
    return digits or None


def normalize_email(email: str | None) -> str | None:
    email = (email or "").strip().lower()
    return email or None


def customer_for_contact(*, name: str, phone: str | None, email: str | None) -> Customer:
    """The customer with this phone (first) or email, created when neither is known.

    Runs inside the caller's transaction; two concurrent first orders of one person end with one row."""
    phone, email = normalize_phone(phone), normalize_email(email)
    match = Q(phone=phone) if phone else Q()
    if email:
        match = match | Q(email=email) if phone else Q(email=email)
    # A phone match wins over an email match (one query for both).
    found = sorted(Customer.objects.filter(match)[:2], key=lambda c: c.phone != phone)
    if found:
        return found[0]
    try:
        with transaction.atomic():
            return Customer.objects.create(name=name.strip(), phone=phone, email=email)
    except IntegrityError:
        return (Customer.objects.filter(phone=phone).first() if phone else None) or Customer.objects.get(
            email=email
        )
