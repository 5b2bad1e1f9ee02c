"""Customers: normalised contacts (one person, one customer), the address book, tags, merge."""

import logging
from functools import cache

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from retail import error_codes as codes
from retail import prepared
from retail.changes import change_record, change_snapshot
from retail.errors import Conflict, NotFound, ValidationError
from retail.events import customer_merged
from retail.validation import actor_of, choice_clean, normalize_email, normalize_phone, text_clean

from ..models import CouponUsage, Customer, CustomerAddress, CustomerMerge, CustomerTag, Language
from ._common import UNSET

logger = logging.getLogger(__name__)


def customer_for_contact(
    *, name: str, phone: str | None, email: str | None, language: str | None = None
) -> Customer:
    """The customer with this phone (first) or email, created when neither is known.

    ``language`` (one of ``Language``, from the placement) becomes the customer's message language:
    stored on a new customer, and on a known one when it differs (one UPDATE); ``None`` keeps what
    is stored (a new customer gets the default, Chinese).

    Runs inside the caller's transaction; two concurrent first orders of one person end with one row."""
    phone, email = normalize_phone(phone), normalize_email(email)
    if not phone and not email:
        raise ValidationError(
            _("请提供客户手机或邮箱。"),
            code=codes.MISSING_CONTACT,
            details={"customer": ["phone or email required"]},
        )
    # A phone match wins over an email match (one query for both).
    found = sorted(_customers_matching(phone, email), key=lambda c: c.phone != phone)
    if found:
        return _customer_language_set(found[0], language)
    try:
        with transaction.atomic():
            return Customer.objects.create(
                name=name.strip(), phone=phone, email=email, language=language or Language.ZH_HANS
            )
    except IntegrityError:
        customer = (Customer.objects.filter(phone=phone).first() if phone else None) or Customer.objects.get(
            email=email
        )
        return _customer_language_set(customer, language)


@cache
def _matching_sql(by_phone: bool, by_email: bool) -> str:
    qn, meta = connection.ops.quote_name, Customer._meta
    tests = [
        f"{qn(meta.get_field(f).column)} = %s"
        for f, wanted in (("phone", by_phone), ("email", by_email))
        if wanted
    ]
    return f"SELECT {prepared.columns(Customer)} FROM {qn(meta.db_table)} WHERE {' OR '.join(tests)} LIMIT 2"


def _customers_matching(phone: str | None, email: str | None) -> list[Customer]:
    """Up to two customers with this phone or this email, by one fixed statement (every order
    placed asks; an ORM query built for it cost several times its round trip). Phone and email
    are each unique, so two rows are all there can be: no order is needed before the limit."""
    params = [value for value in (phone, email) if value]
    return prepared.raw(Customer.objects, _matching_sql(bool(phone), bool(email)), params)


def _customer_language_set(customer: Customer, language: str | None) -> Customer:
    if language and customer.language != language:
        Customer.objects.filter(pk=customer.pk).update(language=language)
        customer.language = language
    return customer


def _clean_phone(phone) -> str | None:
    phone = text_clean(phone, name="phone", max_length=32)
    normalised = normalize_phone(phone)
    if phone and not 5 <= len(normalised or "") <= 20:
        raise ValidationError(_("手机号码格式错误。"), details={"phone": ["invalid phone"]})
    return normalised


def _clean_email(email) -> str | None:
    email = text_clean(email, name="email", max_length=254)
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            raise ValidationError(_("邮箱格式错误。"), details={"email": ["invalid email"]})
    return normalize_email(email)


def _contact_taken(*, phone: str | None, email: str | None, exclude_pk=None) -> None:
    for field, value in (("phone", phone), ("email", email)):
        if value:
            other = (
                Customer.objects.filter(**{field: value}).exclude(pk=exclude_pk).values_list("pk", flat=True)
            )
            if other:
                message = (
                    _("该手机已属于客户 #%(customer)s，如为同一人请合并客户。")
                    if field == "phone"
                    else _("该邮箱已属于客户 #%(customer)s，如为同一人请合并客户。")
                )
                raise Conflict(
                    message % {"customer": other[0]},
                    code=codes.CUSTOMER_EXISTS,
                    details={field: [f"used by customer {other[0]}"]},
                )


def _tags_for(names) -> list[CustomerTag]:
    if not isinstance(names, list | tuple):
        raise ValidationError(_("标签须为列表。"), details={"tags": ["list of names"]})
    cleaned = sorted({text_clean(n, name="tags", max_length=40, required=True) for n in names})
    existing = {t.name: t for t in CustomerTag.objects.filter(name__in=cleaned)}
    CustomerTag.objects.bulk_create(
        [CustomerTag(name=n) for n in cleaned if n not in existing], ignore_conflicts=True
    )
    return list(CustomerTag.objects.filter(name__in=cleaned))


@transaction.atomic
def customer_create(*, name, phone=None, email=None, note="", tags=(), language=None, by=None) -> Customer:
    """A new customer with a normalised phone and/or email. A phone or email that already belongs to
    someone is 409 ``customer_exists`` (one person, one customer: merge instead)."""
    name = text_clean(name, name="name", max_length=100, required=True)
    phone, email = _clean_phone(phone), _clean_email(email)
    if not phone and not email:
        raise ValidationError(
            _("请提供手机或邮箱。"),
            code=codes.MISSING_CONTACT,
            details={"phone": ["phone or email required"]},
        )
    note = text_clean(note, name="note", max_length=5000)
    language = choice_clean(language, name="language", choices=Language, default=Language.ZH_HANS)
    _contact_taken(phone=phone, email=email)
    try:
        with transaction.atomic():
            customer = Customer.objects.create(
                name=name, phone=phone, email=email, note=note, language=language
            )
    except IntegrityError:
        _contact_taken(phone=phone, email=email)
        raise
    if tags:
        customer.tags.set(_tags_for(tags))
    logger.info("customer %s created by %s", customer.pk, getattr(by, "pk", None))
    return customer


@transaction.atomic
def customer_update(
    *,
    customer: Customer,
    name=UNSET,
    phone=UNSET,
    email=UNSET,
    note=UNSET,
    tags=UNSET,
    language=UNSET,
    by=None,
) -> Customer:
    """Change what is given (PATCH); contact details are normalised and stay unique (409
    ``customer_exists``) and a customer keeps at least one of phone and email."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if name is not UNSET:
        customer.name = text_clean(name, name="name", max_length=100, required=True)
    if phone is not UNSET:
        customer.phone = _clean_phone(phone)
    if email is not UNSET:
        customer.email = _clean_email(email)
    if note is not UNSET:
        customer.note = text_clean(note, name="note", max_length=5000)
    if language is not UNSET:
        customer.language = choice_clean(language, name="language", choices=Language)
    if not customer.phone and not customer.email:
        raise ValidationError(
            _("客户须保留手机或邮箱之一。"),
            code=codes.MISSING_CONTACT,
            details={"phone": ["phone or email required"]},
        )
    _contact_taken(phone=customer.phone, email=customer.email, exclude_pk=customer.pk)
    customer.save()
    if tags is not UNSET:
        customer.tags.set(_tags_for(tags))
    return customer


@transaction.atomic
def customer_address_add(
    *,
    customer: Customer,
    recipient,
    province,
    city,
    line,
    district="",
    postcode="",
    phone="",
    label="",
    is_default=False,
    by=None,
) -> CustomerAddress:
    """Add an address to the customer's book; the first one, or one marked default, becomes the
    only default. Who added it stays in the change trail (one ``ChangeRecord`` per filled field)."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    address = CustomerAddress(
        customer=customer,
        recipient=text_clean(recipient, name="recipient", max_length=100, required=True),
        province=text_clean(province, name="province", max_length=50, required=True),
        city=text_clean(city, name="city", max_length=50, required=True),
        district=text_clean(district, name="district", max_length=50),
        line=text_clean(line, name="line", max_length=300, required=True),
        postcode=text_clean(postcode, name="postcode", max_length=12),
        phone=text_clean(phone, name="phone", max_length=32),
        label=text_clean(label, name="label", max_length=40),
    )
    address.is_default = bool(is_default) or not customer.addresses.exists()
    if address.is_default:
        customer.addresses.filter(is_default=True).update(is_default=False)
    address.save()
    change_record(obj=address, before=dict.fromkeys(ADDRESS_EDITABLE, ""), by=by)
    return address


@transaction.atomic
def customer_address_set_default(*, address: CustomerAddress) -> CustomerAddress:
    Customer.objects.select_for_update().get(pk=address.customer_id)
    CustomerAddress.objects.filter(customer_id=address.customer_id, is_default=True).update(is_default=False)
    CustomerAddress.objects.filter(pk=address.pk).update(is_default=True)
    address.is_default = True
    return address


@transaction.atomic
def customer_merge(*, keep: Customer, duplicate: Customer, by=None, reason: str = "") -> CustomerMerge:
    """Merge ``duplicate`` into ``keep``: every crm row that points to the duplicate (tickets,
    surveys, contacts, coupons, addresses, earlier merges, ...) is moved in one UPDATE per relation;
    tags are added; the apps above crm move their own rows (orders, ...) when told through
    ``retail.events.customer_merged``, in this transaction. Then the duplicate is deleted (a row
    left pointing to it is ``PROTECT``-ed: the merge fails whole) and ``keep`` takes over a phone or
    email it lacked. A ``CustomerMerge`` row records what moved, per model."""
    reason = text_clean(reason, name="reason", max_length=2000)
    if keep.pk == duplicate.pk:
        raise ValidationError(
            _("不能与自身合并。"), code=codes.MERGE_SAME_CUSTOMER, details={"duplicate": ["same customer"]}
        )
    # Both rows locked in primary-key order, so two merges never deadlock.
    locked = {
        c.pk: c
        for c in Customer.objects.select_for_update().filter(pk__in=[keep.pk, duplicate.pk]).order_by("pk")
    }
    if len(locked) != 2:
        raise NotFound(_("客户不存在或已被合并。"))
    keep, dup = locked[keep.pk], locked[duplicate.pk]
    _merge_coupon_usages(keep=keep, dup=dup)
    if keep.addresses.filter(is_default=True).exists():
        dup.addresses.filter(is_default=True).update(is_default=False)

    moved = _merge_own_rows(keep=keep, dup=dup)
    for _receiver, answer in customer_merged.send(sender=Customer, keep=keep, duplicate=dup, by=by):
        for label, count in (answer or {}).items():
            if count:
                moved[label] = moved.get(label, 0) + count

    record = CustomerMerge(
        kept=keep,
        merged_customer_id=dup.pk,
        merged_name=dup.name,
        merged_phone=dup.phone or "",
        merged_email=dup.email or "",
        moved=moved,
        reason=reason,
        by=actor_of(by),
    )
    dup.delete()
    changed = []
    if not keep.phone and record.merged_phone:
        keep.phone, changed = record.merged_phone, [*changed, "phone"]
    if not keep.email and record.merged_email:
        keep.email, changed = record.merged_email, [*changed, "email"]
    if changed:
        keep.save(update_fields=changed)
    record.save()
    logger.info("customer %s merged into %s: %s", record.merged_customer_id, keep.pk, moved)
    return record


def _merge_own_rows(*, keep: Customer, dup: Customer) -> dict[str, int]:
    """Move crm's own rows (relations found through ``Customer._meta``, this app's models only:
    the other apps move theirs when ``customer_merged`` is sent). Returns rows moved per model."""
    moved: dict[str, int] = {}
    for rel in Customer._meta.related_objects:
        if rel.related_model._meta.app_label != Customer._meta.app_label:
            continue
        accessor = rel.get_accessor_name()
        if rel.many_to_many:
            related = list(getattr(dup, accessor).all())
            getattr(keep, accessor).add(*related)
            count = len(related)
        else:
            count = rel.related_model._base_manager.filter(**{rel.field.name: dup}).update(
                **{rel.field.name: keep}
            )
        if count:
            moved[rel.related_model._meta.label] = moved.get(rel.related_model._meta.label, 0) + count
    for field in Customer._meta.many_to_many:
        getattr(keep, field.name).add(*getattr(dup, field.name).all())
    return moved


def _merge_coupon_usages(*, keep: Customer, dup: Customer) -> None:
    """Per-customer coupon counters are unique per (coupon, customer): add the duplicate's uses to
    the kept customer's row instead of moving a row that would collide."""
    mine = {u.coupon_id: u for u in CouponUsage.objects.select_for_update().filter(customer=keep)}
    for usage in CouponUsage.objects.select_for_update().filter(customer=dup, coupon_id__in=mine):
        CouponUsage.objects.filter(pk=mine[usage.coupon_id].pk).update(used=F("used") + usage.used)
        usage.delete()


ADDRESS_EDITABLE = {
    # field: (max length, required), as ``customer_address_add`` checks them
    "recipient": (100, True),
    "province": (50, True),
    "city": (50, True),
    "district": (50, False),
    "line": (300, True),
    "postcode": (12, False),
    "phone": (32, False),
    "label": (40, False),
}


@transaction.atomic
def customer_address_update(*, address: CustomerAddress, by=None, **changes) -> CustomerAddress:
    """Change what is given of an address (checked as ``customer_address_add`` checks a new one),
    with one ``ChangeRecord`` per field that changed; the default flag moves only through
    ``customer_address_set_default`` and the address stays with its customer."""
    address = CustomerAddress.objects.select_for_update().get(pk=address.pk)
    fields = [name for name in changes if name in ADDRESS_EDITABLE]
    before = change_snapshot(address, fields)
    for name in fields:
        max_length, required = ADDRESS_EDITABLE[name]
        setattr(address, name, text_clean(changes[name], name=name, max_length=max_length, required=required))
    if fields:
        address.save(update_fields=fields)
        change_record(obj=address, before=before, by=by)
    return address
