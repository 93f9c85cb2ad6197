"""Forms of a round's statistics (R-SUR-7): validation only; surveys.round_report does the saving and
keeps the rules (STYLE.md 11). The services say why a step is refused; the forms check the fields."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from surveys.round_report import ANALYSIS_MAX, MEASURES_MAX, QUALITY_NOTE_MAX

ANALYSIS_REQUIRED = _("Write the analysis of the owners' main needs, drawn from their suggestions.")
MEASURES_REQUIRED = _("Write the improvement measures to publish.")


class FinishForm(forms.Form):
    analysis = forms.CharField(
        label=_("Analysis of the owners' main needs"),
        max_length=ANALYSIS_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What the suggestions show the owners need most, and what the center will do about it."),
        error_messages={"required": ANALYSIS_REQUIRED},
    )


class PublishForm(forms.Form):
    measures = forms.CharField(
        label=_("Improvement measures"),
        max_length=MEASURES_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Published on the bulletin board with the results; begun from the main improvement items."
        ),
        error_messages={"required": MEASURES_REQUIRED},
    )


class QualityCopyForm(forms.Form):
    sent_on = forms.DateField(
        label=_("Copy sent on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Give the day the copy was sent.")},
    )
    how = forms.CharField(
        label=_("How it was sent"),
        max_length=QUALITY_NOTE_MAX,
        help_text=_("For example: by hand to the quality department, by internal mail."),
        error_messages={"required": _("Say how the copy was sent (by hand, internal mail, …).")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("sent_on", timezone.localdate())

    def clean_sent_on(self):
        value = self.cleaned_data.get("sent_on")
        if value is not None and value > timezone.localdate():
            raise forms.ValidationError(
                _("The day the copy was sent cannot be in the future."), code="future"
            )
        return value
