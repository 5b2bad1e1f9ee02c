"""Identifiers that appear in URLs (SKU codes, warehouse codes): one character set, checked at
creation, so every code that can be created can also be addressed (`/api/catalog/skus/{code}/`).

A code with `/` would be accepted by the database but never match a URL segment again; `%`, `?`,
`#` and spaces break or change the URL too. Letters, digits, `-`, `_` and `.` survive every URL and
file name unescaped. Floor module: Django only."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from retail.errors import ValidationError

IDENTIFIER_PATTERN = r"^[A-Za-z0-9._-]+\Z"
IDENTIFIER_CHARACTERS = "letters, digits, '-', '_', '.'"

validate_identifier = RegexValidator(
    regex=IDENTIFIER_PATTERN,  # the class is ASCII by itself; `\Z`, unlike `$`, refuses a final newline
    message=_("编码只能包含字母、数字、“-”、“_”和“.”。"),
    code="invalid_identifier",
)


def identifier_clean(value, *, field: str = "code") -> str:
    """The stripped identifier, or the business ``ValidationError`` ``invalid_identifier`` naming
    ``field`` (the API's error shape); for services, whose callers are not all forms or serializers."""
    value = value.strip() if isinstance(value, str) else value
    try:
        if not isinstance(value, str):
            raise DjangoValidationError(validate_identifier.message, code=validate_identifier.code)
        validate_identifier(value)
    except DjangoValidationError as exc:
        raise ValidationError(
            str(exc.messages[0]), code="invalid_identifier", details={field: [IDENTIFIER_CHARACTERS]}
        )
    return value
