from django import template

from propsvc.validators import mask_phone as _mask_phone

register = template.Library()


@register.filter
def mask_phone(value: str) -> str:
    return _mask_phone(value) if value else ""


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters changed (pagination keeps filters)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def hours(seconds) -> str:
    """Seconds as hours with one decimal: 5400 → "1.5"."""
    try:
        return f"{int(seconds) / 3600:.1f}"
    except (TypeError, ValueError):
        return ""


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template, or "" when it is missing."""
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""


@register.filter
def qr_svg(value: str, scale: int = 4):
    """A QR code of the text (an address) as inline SVG, for printed forms and notices. segno
    writes the markup itself from the encoded modules, so nothing of `value` reaches the page
    unescaped."""
    import segno
    from django.utils.safestring import mark_safe

    if not value:
        return ""
    code = segno.make(str(value), error="m")
    return mark_safe(code.svg_inline(scale=int(scale), border=2, omitsize=False))  # noqa: S308


@register.filter
def due(moment) -> str:
    """A due time as people write it: a deadline at midnight is 24:00 of the day before
    ("2026-06-23 24:00", R-TIME-1), any other moment as it is ("2026-06-23 17:30")."""
    import datetime

    from django.utils import timezone

    if not moment:
        return "—"
    local = timezone.localtime(moment)
    if local.time() == datetime.time.min:
        return f"{local.date() - datetime.timedelta(days=1):%Y-%m-%d} 24:00"
    return f"{local:%Y-%m-%d %H:%M}"
