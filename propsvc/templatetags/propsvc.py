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
