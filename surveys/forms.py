"""Visit forms: validation only; surveys.services does the saving and keeps the rules (STYLE.md 11).

The rules with a reason to give (visiting hours, once a month, call-backs, which months are still
open) are the service's: its message is shown on the form as it is.
"""

from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from archives.models import Unit
from propsvc.concurrency import VersionedFormMixin
from propsvc.models import Community
from propsvc.validators import validate_filter_year
from surveys.models import BOX_CONTACT_MAX, BOX_TEXT_MAX, Mode, Signature, Suggestion, Topic

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _datetime_widget():
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT)


def _month_field(label):
    return forms.DateField(
        label=label,
        required=False,
        validators=[validate_filter_year],
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )


def _first_of(value):
    return date(value.year, value.month, 1) if value else None


class CommunityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class VisitForm(forms.Form):
    """The 业户访问记录 (R-VIS-2): the household, how and when, what was asked, what the owner said."""

    community = CommunityChoiceField(label=_("Community"), queryset=Community.objects.none(), required=False)
    unit = forms.ModelChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.none(),
        widget=forms.HiddenInput,
        error_messages={"required": _("Choose the household visited.")},
    )
    mode = forms.ChoiceField(
        label=_("Visit mode"),
        choices=Mode.choices,
        # desk.js focuses the first mode once a unit is picked
        widget=forms.RadioSelect(attrs={"class": "form-check-input", "data-after-unit": ""}),
    )
    visited_at = forms.DateTimeField(label=_("Visited at"), widget=_datetime_widget())
    appointment_made_at = forms.DateTimeField(
        label=_("Appointment made at"), required=False, widget=_datetime_widget(),
        help_text=_("A home visit is by appointment: when the time was agreed."),
    )  # fmt: skip
    appointment_with = forms.CharField(
        label=_("Appointment made with"), max_length=100, required=False,
        help_text=_("Who agreed the time, and how, e.g. “业主王先生本人，电话预约”."),
    )  # fmt: skip
    topics = forms.MultipleChoiceField(
        label=_("Topics"),
        choices=Topic.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        error_messages={"required": _("Choose at least one topic the owner was asked about.")},
    )
    opinions = forms.CharField(
        label=_("The owner's opinions and needs"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("They go into the month's summary as suggestions for the service center head."),
    )  # fmt: skip
    signature = forms.ChoiceField(
        label=_("Signature"),
        choices=Signature.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text=_("The household is asked to sign the record and may refuse; not asked by phone."),
    )
    is_callback = forms.BooleanField(
        label=_("This is a call-back on a complaint (回访)"), required=False,
        help_text=_("Call-backs are recorded on the complaint; they are not visits and do not count."),
    )  # fmt: skip

    field_order = [
        "community", "unit", "mode", "visited_at", "appointment_made_at", "appointment_with", "topics",
        "opinions", "signature", "is_callback",
    ]  # fmt: skip

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        ids = [c.pk for c in communities]
        self.fields["community"].queryset = Community.objects.filter(pk__in=ids).order_by("name")
        self.fields["unit"].queryset = Unit.objects.filter(community_id__in=ids).select_related(
            "building", "community"
        )
        if len(ids) == 1:
            self.fields["community"].widget = forms.HiddenInput()
        else:
            self.fields["community"].widget.attrs["class"] = "form-select form-select-sm"
        if not self.is_bound:
            self.initial.setdefault("visited_at", timezone.localtime().strftime(DATETIME_FORMAT))
            if len(ids) == 1:
                self.initial.setdefault("community", ids[0])

    def clean_visited_at(self):
        value = self.cleaned_data.get("visited_at")
        if value is not None and value > timezone.now() + timedelta(minutes=5):
            raise forms.ValidationError(_("The visit time cannot be in the future."), code="future")
        return value

    def clean(self):
        data = super().clean()
        unit, community = data.get("unit"), data.get("community")
        if unit is not None and community is not None and unit.community_id != community.pk:
            self.add_error("unit", _("The unit does not belong to the chosen community."))
        mode = data.get("mode")
        if mode == Mode.HOME:
            if not data.get("appointment_made_at"):
                self.add_error("appointment_made_at", _("A home visit is by appointment: when was it made?"))
            if not (data.get("appointment_with") or "").strip():
                self.add_error("appointment_with", _("A home visit is by appointment: with whom?"))
        if mode and mode != Mode.PHONE and not data.get("signature"):
            self.add_error(
                "signature", _("Record whether the household signed the record or refused to sign.")
            )
        return data

    def service_fields(self) -> dict:
        """The cleaned data as surveys.services.visit_record takes it."""
        data = dict(self.cleaned_data)
        data.pop("community", None)
        return data


class VisitFilterForm(forms.Form):
    """The list's filters (GET)."""

    month = _month_field(_("Month"))
    community = CommunityChoiceField(
        label=_("Community"), queryset=Community.objects.none(), required=False, empty_label=_("All")
    )
    mode = forms.ChoiceField(label=_("Visit mode"), choices=[("", _("All")), *Mode.choices], required=False)
    staff = StaffChoiceField(label=_("Visited by"), queryset=None, required=False, empty_label=_("All"))

    def __init__(self, *args, communities, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = Community.objects.filter(pk__in=[c.pk for c in communities])
        self.fields["staff"].queryset = staff
        if len(communities) < 2:
            self.fields["community"].widget = forms.HiddenInput()

    def clean_month(self):
        return _first_of(self.cleaned_data.get("month"))


class MonthForm(forms.Form):
    month = _month_field(_("Month"))

    def clean_month(self):
        return _first_of(self.cleaned_data.get("month"))


class PrepareForm(VersionedFormMixin, forms.Form):
    """The supervisor's summary; its version is the time it was last prepared (a rewrite by someone
    else in between is refused, issue 11 item 8)."""

    overview = forms.CharField(
        label=_("The supervisor's summary"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What owners raised most, what was done on the spot, what needs the center head."),
    )


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(Suggestion.Decision.ADOPTED, Suggestion.Decision.ADOPTED.label),
                 (Suggestion.Decision.PASSED, Suggestion.Decision.PASSED.label)],
        widget=forms.RadioSelect,
    )  # fmt: skip
    note = forms.CharField(label=_("Remarks"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


# -- the suggestion box (R-COM-1) -------------------------------------------------------------------------


class BoxForm(forms.Form):
    """The public form: a note, and only if the person wants an answer, a contact and the consent.

    `website` is a honeypot: hidden from people, filled in by bots; the view drops such a post
    without saying so."""

    text = forms.CharField(
        label=_("Your suggestion"),
        max_length=BOX_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": BOX_TEXT_MAX}),
    )
    contact = forms.CharField(
        label=_("Phone or unit (only if you would like an answer)"),
        max_length=BOX_CONTACT_MAX,
        required=False,
    )
    contact_consent = forms.BooleanField(
        label=_("I agree to be contacted about this suggestion"), required=False
    )
    website = forms.CharField(required=False, label=_("Leave this field empty"))

    def clean(self):
        data = super().clean()
        if data.get("contact", "").strip() and not data.get("contact_consent"):
            self.add_error(
                "contact_consent",
                _("Tick the box if you would like to be contacted, or leave the contact empty."),
            )
        return data

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website"))


class SuggestionFilterForm(forms.Form):
    STATUS = [
        ("", _("All")),
        ("unanswered", _("Unanswered")),
        ("answered", _("Answered")),
    ]
    status = forms.ChoiceField(label=_("Status"), choices=STATUS, required=False)


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer given"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class NoAnswerForm(forms.Form):
    reason = forms.CharField(
        label=_("Why no answer is possible"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
