"""Input cleaners every service uses, so one rule has one wording: text, choices, amounts, whole
numbers, phone and email, and the actor to record.

Each cleaner returns the clean value or raises ``retail.errors.ValidationError`` whose ``details``
name the field (the API shows them as given). The messages are the ones the services have always
given; a caller whose wording is its own passes it in rather than copying the rule."""

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from retail import error_codes as codes
from retail.errors import ValidationError

CENT = Decimal("0.01")
# Money columns are DecimalField(max_digits=12, decimal_places=2): ten digits before the point.
MAX_AMOUNT = Decimal("10000000000")


def actor_of(by):
    """The user to record as actor; ``None`` (the system) and anonymous users record nobody."""
    return by if getattr(by, "pk", None) else None


def text_clean(value, *, name: str, max_length: int, required: bool = False) -> str:
    """Text as given (trimmed); NUL characters, invalid Unicode and over-long text are refused."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(_("%(name)s 须为文本。") % {"name": name}, details={name: ["must be a string"]})
    value = value.strip()
    if "\x00" in value or any(unicodedata.category(ch) == "Cs" for ch in value):
        raise ValidationError(
            _("%(name)s 含有非法字符。") % {"name": name}, details={name: ["invalid characters"]}
        )
    if required and not value:
        raise ValidationError(_("%(name)s 不能为空。") % {"name": name}, details={name: ["required"]})
    if len(value) > max_length:
        raise ValidationError(
            _("%(name)s 过长（最多 %(max_length)s 字）。") % {"name": name, "max_length": max_length},
            details={name: [f"max {max_length}"]},
        )
    return value


def choice_clean(value, *, name: str, choices, default=None) -> str:
    """One of ``choices.values`` (a Django ``TextChoices``); blank gives ``default`` when there is one."""
    if value in (None, "") and default is not None:
        return default
    if value not in choices.values:
        raise ValidationError(
            _("%(name)s 取值无效。") % {"name": name}, details={name: [f"one of {', '.join(choices.values)}"]}
        )
    return value


def amount_clean(
    value,
    *,
    name: str = "amount",
    allow_zero: bool = False,
    maximum: Decimal | None = MAX_AMOUNT,
    invalid_message: str | None = None,
    range_message: str | None = None,
    range_detail: str | None = None,
) -> Decimal:
    """A money amount rounded half-up to the cent: above zero (or at least zero with ``allow_zero``)
    and below ``maximum`` (``None``: no ceiling, the caller checks a tighter cap itself).

    Floats, strings and Decimals are read through ``str`` so ``0.1`` stays ``0.10``; ``NaN`` and
    infinities are refused. The two messages default to the payment wording."""
    try:
        amount = Decimal(str(value)).quantize(CENT, ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError(
            invalid_message or _("金额格式错误。"), details={name: ["decimal with 2 places"]}
        )
    if (
        not amount.is_finite()  # first: NaN cannot be compared
        or (amount < 0 if allow_zero else amount <= 0)
        or (maximum is not None and amount >= maximum)
    ):
        raise ValidationError(
            range_message or _("金额须为正数。"), details={name: [range_detail or "positive, below 10^10"]}
        )
    return amount


def quantity_clean(
    value, *, name: str = "quantity", maximum: int, message: str | None = None, detail: str | None = None
) -> int:
    """A whole number of units from 1 to ``maximum`` (booleans are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= maximum:
        raise ValidationError(
            message or _("数量须为 1 到 %(max)s 的整数。") % {"max": maximum},
            code=codes.INVALID_QUANTITY,
            details={name: [detail or f"integer 1..{maximum}"]},
        )
    return value


def limit_clean(value, *, name: str) -> int | None:
    """A positive whole number, or ``None`` for blank (no limit)."""
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(
            _("%(name)s 须为正整数或留空。") % {"name": name}, details={name: ["positive integer or null"]}
        )
    return value


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


def lines_clean(
    lines,
    *,
    max_lines: int,
    max_quantity: int,
    empty_message: str,
    too_many_message: str,
    bad_line_message: str,
    quantity_message: str,
    digits_as_numbers: bool = False,
) -> list[tuple[str, int]]:
    """SKU lines ``[{"sku", "quantity"}, ...]`` as ``(sku, quantity)`` pairs: a non-empty list of at
    most ``max_lines`` objects, each SKU once, each quantity a whole number from 1 to
    ``max_quantity``. The messages are the caller's (an order line and an after-sales line read
    differently); ``quantity_message`` may use ``%(line)s`` (1-based) and ``%(max)s``. With
    ``digits_as_numbers`` a quantity typed as ``"3"`` (a form) counts as 3."""
    if not isinstance(lines, list) or not lines:
        raise ValidationError(empty_message, code=codes.NO_LINES, details={"lines": ["at least one line"]})
    if len(lines) > max_lines:
        raise ValidationError(too_many_message, details={"lines": [f"max {max_lines}"]})
    cleaned, seen = [], set()
    for i, line in enumerate(lines):
        if not isinstance(line, dict):
            raise ValidationError(bad_line_message, details={f"lines[{i}]": ["must be an object"]})
        sku = text_clean(line.get("sku"), name=f"lines[{i}].sku", max_length=64, required=True)
        quantity = line.get("quantity")
        if digits_as_numbers and isinstance(quantity, str) and quantity.strip().isdigit():
            quantity = int(quantity.strip())
        quantity = quantity_clean(
            quantity,
            name=f"lines[{i}].quantity",
            maximum=max_quantity,
            message=quantity_message % {"line": i + 1, "max": max_quantity},
        )
        if sku in seen:
            raise ValidationError(
                _("SKU %(code)s 重复出现，请合并为一行。") % {"code": sku},
                code=codes.DUPLICATE_SKU,
                details={f"lines[{i}].sku": [sku]},
            )
        seen.add(sku)
        cleaned.append((sku, quantity))
    return cleaned
