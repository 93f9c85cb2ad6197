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


def mask_phone(value: str) -> str:
    """138****5678: the first three and last four digits only."""
    digits = normalize_mobile(value)
    if len(digits) < 8:
        return "****"
    return f"{digits[:3]}****{digits[-4:]}"
