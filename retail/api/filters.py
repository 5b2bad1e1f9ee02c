"""Filters shared by the list endpoints; a malformed value is 400 naming the parameter."""

from datetime import datetime, time, timedelta

import django_filters
from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field


class DateOrDateTimeField(forms.Field):
    """``2026-11-01`` (a whole local day) or an ISO 8601 date-time; returns ``(value, is_date)``."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        value = value.strip()
        try:
            moment = parse_datetime(value)
            if moment is not None:
                return (moment if timezone.is_aware(moment) else timezone.make_aware(moment)), False
            day = parse_date(value)
        except ValueError:
            day = None
        if day is None:
            raise forms.ValidationError("Enter a date (YYYY-MM-DD) or an ISO 8601 date-time.", code="invalid")
        return day, True

    def validate(self, value):
        super().validate(value)
        # The bounds are shifted by a day or a time zone: the extreme years would overflow.
        if value is not None and not 2 <= value[0].year <= 9998:
            raise forms.ValidationError("Years 2 to 9998 only.", code="out_of_range")


@extend_schema_field(OpenApiTypes.STR)
class BoundFilter(django_filters.Filter):
    """``after``: on or after the moment (a date: its first instant); ``before``: up to the moment
    (a date: the whole day included)."""

    field_class = DateOrDateTimeField

    def __init__(self, *args, bound: str, **kwargs):
        self.bound = bound
        kwargs.setdefault(
            "help_text",
            f"{'From' if bound == 'after' else 'Up to'} a date (YYYY-MM-DD, "
            "whole day) or an ISO 8601 date-time",
        )
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        moment, is_date = value
        if is_date:
            start = timezone.make_aware(datetime.combine(moment, time.min))
            if self.bound == "after":
                return qs.filter(**{f"{self.field_name}__gte": start})
            return qs.filter(**{f"{self.field_name}__lt": start + timedelta(days=1)})
        lookup = "gte" if self.bound == "after" else "lte"
        return qs.filter(**{f"{self.field_name}__{lookup}": moment})


class StrictBooleanField(forms.Field):
    TRUE, FALSE = {"true", "1", "yes"}, {"false", "0", "no"}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        value = value.strip().lower()
        if value in self.TRUE:
            return True
        if value in self.FALSE:
            return False
        raise forms.ValidationError("Enter true or false.", code="invalid")


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(django_filters.Filter):
    """``true``/``false``; anything else is 400 rather than silently ignored."""

    field_class = StrictBooleanField

    def filter(self, qs, value):
        if value is None:
            return qs
        return super().filter(qs, value)


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """A row id: a positive integer in the schema and in the form (``1.5`` or ``-1`` is 400)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        super().__init__(*args, **kwargs)
