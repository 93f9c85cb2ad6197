"""Violation forms: validation only; violations.services does the saving (STYLE.md 11)."""

from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from archives.models import Unit
from propsvc.models import Community
from propsvc.validators import validate_filter_year
from violations.models import (
    SUBTYPES,
    Category,
    FollowUp,
    Measure,
    Notice,
    Reaction,
    Severity,
    SubType,
    Violation,
)

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
FUTURE_ERROR = _("The time cannot be in the future.")


def _datetime_widget():
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT)


def _date_widget():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _textarea(rows=2):
    return forms.Textarea(attrs={"rows": rows})


def _now_local() -> str:
    return timezone.localtime().strftime(DATETIME_FORMAT)


def _not_future(value):
    if value is not None and value > timezone.now() + timedelta(minutes=5):
        raise forms.ValidationError(FUTURE_ERROR, code="future")
    return value


class CommunityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos at once; each is checked by content in the service (services.photo_check)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def _subtype_choices():
    """Grouped by category for the <select>: the browser shows them under their category."""
    labels = dict(SubType.choices)
    return [("", "—")] + [
        (Category(category).label, [(s, labels[s]) for s in subtypes])
        for category, subtypes in SUBTYPES.items()
    ]


class FactsFields(forms.Form):
    """R-VIO-3: the two facts that decide the severity."""

    caused_loss = forms.BooleanField(label=_("It caused loss to owners"), required=False)
    loss_note = forms.CharField(label=_("The loss"), max_length=300, required=False)
    threatens_safety = forms.BooleanField(label=_("It threatens public safety"), required=False)
    safety_note = forms.CharField(label=_("The threat"), max_length=300, required=False)

    def clean(self):
        data = super().clean()
        if data.get("caused_loss") and not (data.get("loss_note") or "").strip():
            self.add_error("loss_note", _("Describe the loss caused to owners."))
        if data.get("threatens_safety") and not (data.get("safety_note") or "").strip():
            self.add_error("safety_note", _("Describe the threat to public safety."))
        return data


class ViolationForm(FactsFields):
    """The 业户违章事件记录表 (R-VIO-5): where, what, when, the two facts, photos."""

    community = CommunityChoiceField(label=_("Community"), queryset=Community.objects.none(), required=False)
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=Unit.objects.none(), required=False, widget=forms.HiddenInput
    )
    location = forms.CharField(
        label=_("Public place"),
        max_length=200,
        required=False,
        help_text=_("When no unit is concerned, e.g. “3栋东侧消防通道”, “地下车库B区”."),
    )
    category = forms.ChoiceField(label=_("Violation category"), choices=[("", "—"), *Category.choices])
    subtype = forms.ChoiceField(label=_("Violation type"), choices=_subtype_choices)
    description = forms.CharField(label=_("What was seen"), widget=_textarea(3))
    observed_at = forms.DateTimeField(label=_("Seen at"), widget=_datetime_widget())
    photos = PhotosField(
        label=_("Photos"), help_text=_("JPEG, PNG or WebP images; several can be chosen at once.")
    )

    field_order = [
        "community", "unit", "location", "category", "subtype", "observed_at", "description",
        "caused_loss", "loss_note", "threatens_safety", "safety_note", "photos",
    ]  # fmt: skip

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        ids = [c.pk for c in communities]
        self.fields["community"].queryset = Community.objects.filter(pk__in=ids).order_by("name")
        self.fields["unit"].queryset = Unit.objects.filter(community_id__in=ids).select_related("building")
        if len(ids) == 1:
            self.fields["community"].widget = forms.HiddenInput()
        else:
            self.fields["community"].widget.attrs["class"] = "form-select form-select-sm"
        if not self.is_bound:
            self.initial.setdefault("observed_at", _now_local())
            if len(ids) == 1:
                self.initial.setdefault("community", ids[0])

    def clean_observed_at(self):
        return _not_future(self.cleaned_data.get("observed_at"))

    def clean(self):
        data = super().clean()
        unit, community = data.get("unit"), data.get("community")
        if community is None and unit is not None:
            data["community"] = community = unit.community
        if community is None:
            choices = list(self.fields["community"].queryset)
            if len(choices) == 1:
                data["community"] = community = choices[0]
            else:
                self.add_error("community", _("Choose the community."))
        if unit is not None and community is not None and unit.community_id != community.pk:
            self.add_error("unit", _("The unit does not belong to the chosen community."))
        if unit is None and not (data.get("location") or "").strip():
            self.add_error("location", _("Choose the unit, or write the public place where it was seen."))
        category, subtype = data.get("category"), data.get("subtype")
        if category and subtype and subtype not in SUBTYPES.get(category, ()):
            self.add_error("subtype", _("Choose a violation type that belongs to the category."))
        return data


class PhotosForm(forms.Form):
    photos = PhotosField(label=_("Photos"), required=True)


class ReassessForm(FactsFields):
    note = forms.CharField(label=_("Why the facts changed"), widget=_textarea())

    def __init__(self, *args, violation=None, **kwargs):
        super().__init__(*args, **kwargs)
        if violation is not None and not self.is_bound:
            for name in ("caused_loss", "loss_note", "threatens_safety", "safety_note"):
                self.initial[name] = getattr(violation, name)


class PersuadeForm(forms.Form):
    at = forms.DateTimeField(label=_("When"), widget=_datetime_widget())
    reaction = forms.ChoiceField(
        label=_("The owner's reaction"), choices=Reaction.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label=_("What was said"), required=False, widget=_textarea())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["at"] = _now_local()

    def clean_at(self):
        return _not_future(self.cleaned_data.get("at"))


class RectificationForm(forms.Form):
    requirement = forms.CharField(label=_("What must be put right"), widget=_textarea())
    due_date = forms.DateField(
        label=_("Rectification deadline"),
        widget=_date_widget(),
        help_text=_("The owner has until 24:00 of this day; you are reminded the day before."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["due_date"] = (timezone.localdate() + timedelta(days=3)).isoformat()

    def clean_due_date(self):
        value = self.cleaned_data["due_date"]
        if value < timezone.localdate():
            raise forms.ValidationError(
                _("The rectification deadline cannot be earlier than today; choose it again."), code="past"
            )
        return value


class ReinspectForm(forms.Form):
    rectified = forms.TypedChoiceField(
        label=_("Re-inspection result"),
        choices=[("yes", _("Rectified")), ("no", _("Not rectified"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("What the re-inspection found"), widget=_textarea())


class PenaltyForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Penalty"),
        choices=[(k, label) for k, label in Measure.Kind.choices if k in Measure.PENALTIES],
        widget=forms.RadioSelect,
    )
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), required=False, min_value=0, max_digits=10, decimal_places=2,
        help_text=_("Required for compensation; for legal action, the sum claimed."),
    )  # fmt: skip
    basis = forms.CharField(
        label=_("Basis"), widget=_textarea(), help_text=_("The rule, the management agreement or the law.")
    )
    note = forms.CharField(label=_("Note"), required=False, widget=_textarea())

    def clean(self):
        data = super().clean()
        if data.get("kind") == Measure.Kind.COMPENSATION and not data.get("amount"):
            self.add_error("amount", _("Enter the amount of the compensation."))
        return data


class SignForm(forms.Form):
    note = forms.CharField(label=_("Remarks"), required=False, widget=_textarea())


class RefuseForm(forms.Form):
    note = forms.CharField(label=_("Why it is not approved"), widget=_textarea())


class PublishForm(forms.Form):
    published_on = forms.DateField(label=_("Published on"), widget=_date_widget())
    where = forms.CharField(
        label=_("Where"), max_length=200, initial=_("Notice board at the community entrance")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["published_on"] = timezone.localdate().isoformat()


class LawyerLetterForm(forms.Form):
    sent_on = forms.DateField(label=_("Lawyer's letter sent on"), widget=_date_widget())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["sent_on"] = timezone.localdate().isoformat()


class LawsuitForm(forms.Form):
    filed_on = forms.DateField(label=_("Lawsuit filed on"), widget=_date_widget())
    court = forms.CharField(label=_("Court and case number"), max_length=200)


class FollowUpForm(forms.Form):
    method = forms.ChoiceField(label=_("How"), choices=FollowUp.Method.choices, widget=forms.RadioSelect)
    at = forms.DateTimeField(label=_("When"), widget=_datetime_widget())
    attitude = forms.CharField(label=_("The owner's attitude"), widget=_textarea())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["at"] = _now_local()

    def clean_at(self):
        return _not_future(self.cleaned_data.get("at"))


class CloseForm(forms.Form):
    note = forms.CharField(label=_("How it ended"), widget=_textarea())


class NoticeForm(forms.Form):
    kind = forms.ChoiceField(choices=Notice.Kind.choices, widget=forms.HiddenInput)


class ViolationFilterForm(forms.Form):
    """The list's filters (GET)."""

    q = forms.CharField(label=_("Search"), required=False, max_length=50)
    month = forms.DateField(
        label=_("Month seen"),
        required=False,
        validators=[validate_filter_year],
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    community = forms.ModelChoiceField(
        label=_("Community"), queryset=Community.objects.none(), required=False, empty_label=_("All")
    )
    category = forms.ChoiceField(
        label=_("Violation category"), choices=[("", _("All")), *Category.choices], required=False
    )
    severity = forms.ChoiceField(
        label=_("Severity"), choices=[("", _("All")), *Severity.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *Violation.Status.choices], required=False
    )
    overdue = forms.BooleanField(label=_("Rectification overdue"), required=False)

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = Community.objects.filter(pk__in=[c.pk for c in communities])
        self.fields["community"].label_from_instance = lambda c: c.name
        if len(communities) < 2:
            self.fields["community"].widget = forms.HiddenInput()

    def clean_month(self):
        value = self.cleaned_data.get("month")
        return date(value.year, value.month, 1) if value else None


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    community = forms.ModelChoiceField(
        label=_("Community"), queryset=Community.objects.none(), required=False, empty_label=_("All")
    )

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = Community.objects.filter(pk__in=[c.pk for c in communities])
        self.fields["community"].label_from_instance = lambda c: c.name


class ChargesFilterForm(forms.Form):
    month = forms.DateField(
        label=_("Month"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )

    def clean_month(self):
        value = self.cleaned_data.get("month")
        return date(value.year, value.month, 1) if value else None
