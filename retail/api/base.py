"""What every API view shares: role checks, refusal of NUL characters in the URL, the error shape."""

import copy
import threading
from functools import cached_property

from django.utils import translation
from rest_framework import serializers, viewsets
from rest_framework.views import APIView

from retail.errors import ValidationError

from .permissions import ActionPermission


def _reject_nul(request, kwargs) -> None:
    """A NUL in a path or query value can never match and would break the database driver."""
    for name, values in request.query_params.lists():
        if "\x00" in name or any("\x00" in v for v in values):
            raise ValidationError(
                "NUL characters are not allowed.", details={name.replace("\x00", ""): ["NUL"]}
            )
    for name, value in kwargs.items():
        if isinstance(value, str) and "\x00" in value:
            raise ValidationError("NUL characters are not allowed.", details={name: ["NUL"]})


class ApiMixin:
    permission_classes = [ActionPermission]
    required_perms: dict[str, tuple[str, ...]] = {}

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        _reject_nul(request, kwargs)


class FieldsBuiltOnceMixin:
    """For a ``ModelSerializer`` on a hot path: its fields are worked out from the model once per
    class, then copied for each instance (as DRF copies declared fields), instead of introspected
    again for every serializer made; about 0.7 ms of an order's answer. Only for serializers whose
    fields do not depend on the request or the instance."""

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_fields_built")
        if built is None:
            built = super().get_fields()
            cls._fields_built = built
        return copy.deepcopy(built)


_bound_fields = threading.local()


class InputFieldsReusedMixin:
    """For a plain input ``Serializer`` on a hot path (a placement's body): its bound field tree is
    made once per class and thread and shared by every instance, instead of DRF's deep copy of the
    declared fields for each one (about 0.35 of the 0.5 ms a placement's body took to check).

    Safe because checking input keeps no state on the fields (the errors and the validated data
    belong to the root instance), and a tree is kept per thread and per language: some of DRF's
    messages (a number's bounds) are worded once, when first shown, and keep that language. The
    fields are bound to an empty instance of the class, so only for serializers whose fields do not
    read ``context``, the parent or the instance."""

    @cached_property
    def fields(self):
        made = _bound_fields.__dict__.setdefault("trees", {})
        key = (type(self), translation.get_language())
        fields = made.get(key)
        if fields is None:
            fields = made[key] = serializers.Serializer.fields.func(type(self)())
        return fields


class ApiView(ApiMixin, APIView):
    pass


class GenericViewSet(ApiMixin, viewsets.GenericViewSet):
    pass


def no_nul(value):
    """Validator for JSON values (lists, objects): no string anywhere in them holds NUL or a lone surrogate."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str) and ("\x00" in item or any(0xD800 <= ord(c) <= 0xDFFF for c in item)):
            raise serializers.ValidationError("NUL characters and invalid Unicode are not allowed.")
    return value


class EmptySerializer(serializers.Serializer):
    """A transition that takes no body (unknown fields are ignored)."""
