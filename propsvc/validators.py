"""Validators and display helpers every app shares."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CN_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def normalize_mobile(value: str) -> str:
    """Strip spaces, dashes and a +86 / 0086 prefix: "+86 138-0013-8000" -> "13800138000"."""
    digits = re.sub(r"[\s\-()]", "", value or "")
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    return digits


def validate_cn_mobile(value: str) -> None:
    if not CN_MOBILE.match(normalize_mobile(value)):
        raise ValidationError(
            _("Enter an 11-digit mainland China mobile number starting with 13–19, e.g. 13812345678."),
            code="invalid_mobile",
        )


def validate_filter_year(value) -> None:
    """A date or month typed into a list's filter: years 1 and 9999 are valid dates, but the day or the
    month after them (the end of the range a filter asks for) is not, and overflows."""
    if value is not None and not 2000 <= value.year <= 2100:
        raise ValidationError(_("Enter a date between the years 2000 and 2100."), code="out_of_range")


def mask_phone(value: str) -> str:
    """138****5678: the first three and last four digits only."""
    digits = normalize_mobile(value)
    if len(digits) < 8:
        return "****"
    return f"{digits[:3]}****{digits[-4:]}"
