"""Notice forms (R-COM-2): validation only; surveys.notices does the saving (STYLE.md 11).

The times are checked by the same rules as the services (notices.notice_problems), so the form puts
each problem on its field; the 24-hour rule is the publication's, with the hours left in its reason.
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from propsvc.concurrency import add_version_field, version_of
from propsvc.models import Community
from surveys import notices
from surveys.forms import DATETIME_FORMAT, CommunityChoiceField, _datetime_widget, _first_of, _month_field
from surveys.models import Notice

Kind = Notice.Kind


def _date_widget():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class NoticeForm(forms.Form):
    """A draft notice: where, what kind, the text, the times of a cut or the accounts period, who signs."""

    community = CommunityChoiceField(label=_("Community"), queryset=Community.objects.none())
    kind = forms.ChoiceField(
        label=_("Kind of notice"),
        choices=[(k.value, k.label) for k in notices.WRITABLE_KINDS],
        help_text=_("The results of a satisfaction survey are published from the survey round."),
    )
    title = forms.CharField(label=_("Title"), max_length=100)
    body = forms.CharField(
        label=_("Text"), widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What owners need to know: the reason, the area affected, what to prepare, whom to "
                    "call."),
    )  # fmt: skip
    starts_at = forms.DateTimeField(
        label=_("Cut starts at"), required=False, widget=_datetime_widget(),
        help_text=_("A planned cut: at least 24 hours after the notice is published. An unplanned cut: "
                    "when it began."),
    )  # fmt: skip
    ends_at = forms.DateTimeField(
        label=_("Supply back at"), required=False, widget=_datetime_widget(),
        help_text=_("Required for a planned cut."),
    )  # fmt: skip
    period_from = forms.DateField(label=_("Accounts from"), required=False, widget=_date_widget())
    period_to = forms.DateField(label=_("Accounts to"), required=False, widget=_date_widget())
    signed_by = forms.CharField(
        label=_("Issued by"), max_length=100, required=False,
        help_text=_("Leave empty for the community's customer service center."),
    )  # fmt: skip

    def __init__(self, *args, communities, notice: Notice | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        ids = [c.pk for c in communities]
        self.fields["community"].queryset = Community.objects.filter(pk__in=ids).order_by("name")
        for name in ("starts_at", "ends_at"):
            self.fields[name].input_formats = [DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        if notice is not None:
            del self.fields["community"]  # a draft stays in its community
            add_version_field(self, version_of(notice))  # a stale edit is refused (notice_update)
            if not self.is_bound:
                self.initial.update(
                    {
                        name: getattr(notice, name)
                        for name in ("kind", "title", "body", "period_from", "period_to", "signed_by")
                    }
                )
                for name in ("starts_at", "ends_at"):
                    value = getattr(notice, name)
                    self.initial[name] = timezone.localtime(value).strftime(DATETIME_FORMAT) if value else ""
            return
        if len(ids) == 1:
            self.fields["community"].widget = forms.HiddenInput()
            if not self.is_bound:
                self.initial.setdefault("community", ids[0])
                self.initial.setdefault("signed_by", notices.default_signed_by(communities[0]))

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if not kind:
            return data
        problems = notices.notice_problems(
            kind=kind, starts_at=data.get("starts_at"), ends_at=data.get("ends_at"),
            period_from=data.get("period_from"), period_to=data.get("period_to"), now=timezone.now(),
        )  # fmt: skip
        for field, message in problems:
            if field not in self.errors:  # a field unreadable as typed keeps its own error
                self.add_error(field, message)
        return data

    def service_fields(self) -> dict:
        """The cleaned data as notices.notice_create / notice_update take it."""
        return dict(self.cleaned_data)


class NoticeFilterForm(forms.Form):
    """The list's filters (GET)."""

    month = _month_field(_("Month"))
    community = CommunityChoiceField(
        label=_("Community"), queryset=Community.objects.none(), required=False, empty_label=_("All")
    )
    kind = forms.ChoiceField(
        label=_("Kind of notice"), choices=[("", _("All")), *Kind.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *Notice.Status.choices], required=False
    )

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = Community.objects.filter(pk__in=[c.pk for c in communities])
        if len(communities) < 2:
            self.fields["community"].widget = forms.HiddenInput()

    def clean_month(self):
        return _first_of(self.cleaned_data.get("month"))


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for withdrawing"), max_length=200, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("It stays in the history with the notice, e.g. “停水时间改期，另行通知”."),
    )  # fmt: skip
