"""The field-change trail: a service that edits a row's data (a price, a cost, a bin) says which
fields it may change, and every value that really changed leaves one ``ChangeRecord``.

Usage, inside the service's transaction and after the row lock::

    before = change_snapshot(sku, ("price", "cost"))
    ...set the attributes, save...
    change_record(obj=sku, before=before, by=by)
"""

import json
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from retail.models import ChangeRecord


def _value(obj, name: str):
    return obj._meta.get_field(name).value_from_object(obj)


def _text(field: models.Field, value) -> str:
    if value is None:
        return ""
    if isinstance(field, models.DecimalField):
        # "60" from a form and "60.00" from the database are one price: store it as the column does.
        return str(Decimal(value).quantize(Decimal(1).scaleb(-field.decimal_places)))
    if isinstance(field, models.JSONField):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, cls=DjangoJSONEncoder)
    return str(value)


def change_snapshot(obj, fields) -> dict:
    """The current values of ``fields`` on ``obj`` (read before the service changes them)."""
    return {name: _value(obj, name) for name in fields}


def change_record(*, obj, before: dict, by=None) -> list[ChangeRecord]:
    """One row per field of ``before`` whose value on ``obj`` differs now; nothing when none does."""
    content_type = ContentType.objects.get_for_model(obj)
    rows = []
    for name, old in before.items():
        new = _value(obj, name)
        if old == new:
            continue
        field = obj._meta.get_field(name)
        rows.append(
            ChangeRecord(
                content_type=content_type,
                object_id=str(obj.pk),
                field=name,
                old=_text(field, old),
                new=_text(field, new),
                by=by if getattr(by, "is_authenticated", False) else None,
            )
        )
    return ChangeRecord.objects.bulk_create(rows)
