"""Optimistic concurrency for the forms that edit an existing record (issue 11 item 8).

An edit form carries, in a hidden field, the version of the record it was rendered with: its
`updated_at` (TimeStampedModel, so no migration), or for a form covering several records the
versions of all of them. The service that saves it locks the row(s), computes the version again
and refuses with StaleEdit when someone saved in between — nothing is written, the user is told
to reload. An empty token (a caller that is not a rendered form: a script, an old page) is not
checked.

    class NoticeForm(VersionedFormMixin, forms.Form): ...
    form = NoticeForm(request.POST or None, version=version_of(notice))
    notice_update(..., version=form.cleaned_data["version"])  # → ensure_fresh(notice, version)
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from propsvc.errors import DomainError

STALE_MSGID = "This record was changed by someone else in the meantime. Reload the page and try again."
STALE_MESSAGE = _("This record was changed by someone else in the meantime. Reload the page and try again.")


class StaleEdit(DomainError):
    """The form was rendered from an older version of the record."""


def version_of(*objects, field: str = "updated_at") -> str:
    """The version token of one record, or of several (in the order given); None stands for a record
    that does not exist yet."""
    parts = []
    for obj in objects:
        if obj is None:
            parts.append("-")
            continue
        value = getattr(obj, field, None)
        parts.append(f"{obj.pk}@{value.isoformat() if value is not None else ''}")
    return ";".join(parts)


def version_part(version: str | None, pk) -> str:
    """The part of a several-record token about the record `pk` ("" for an empty token; a token that
    does not mention it never matches)."""
    if not version:
        return ""
    return next((part for part in version.split(";") if part.startswith(f"{pk}@")), "?")


def ensure_fresh(*objects, version: str | None, field: str = "updated_at", error=None) -> None:
    """Refuse (raise `error`, a DomainError subclass, default StaleEdit) when `version` is not the
    records' current version. Call it after locking the rows, inside the saving transaction."""
    if not version:
        return
    if version != version_of(*objects, field=field):
        raise (error or StaleEdit)(str(STALE_MESSAGE))


def add_version_field(form: forms.BaseForm, version: str) -> None:
    """Give `form` the hidden `version` field, rendered with `version`."""
    form.fields["version"] = forms.CharField(widget=forms.HiddenInput, required=False, max_length=400)
    form.fields["version"].initial = version


class VersionedFormMixin:
    """Adds the hidden `version` field; pass `version=version_of(obj)` when rendering."""

    def __init__(self, *args, version: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        add_version_field(self, version)
