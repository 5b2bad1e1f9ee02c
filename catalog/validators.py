from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from retail import error_codes as codes


def barcode_check_digit_ok(code: str) -> bool:
    """EAN-13, EAN-8 and UPC-A share one rule: weights 3,1 from the right, excluding the check digit."""
    if not code.isdigit() or len(code) not in (8, 12, 13):
        return False
    digits = [int(c) for c in code]
    body, check = digits[:-1], digits[-1]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def validate_barcode(value: str) -> None:
    if value and not barcode_check_digit_ok(value):
        raise ValidationError(
            _("条码须为 EAN-13、EAN-8 或 UPC-A 数字且校验位正确。"), code=codes.INVALID_BARCODE
        )
