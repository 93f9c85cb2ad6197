"""Complaint forms: validation only; complaints.services does the saving (STYLE.md 11)."""

from datetime import date, timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from archives.models import Unit
from complaints.models import CATEGORY_DEPARTMENT, Category, Complaint, Rating, Severity, Validity
from complaints.selectors import QUEUES
from complaints.services import within_call_hours
from propsvc.models import Community, Department, Membership
from propsvc.validators import normalize_mobile, validate_cn_mobile, validate_filter_year
from reception.forms import (
    DATETIME_FORMAT,
    CommunityChoiceField,
    DepartmentChoiceField,
    _datetime_widget,
    _future,
)
from reception.models import Channel

CALL_HOURS_ERROR = _("No calls or home visits after 22:00 or before 08:00; choose a time in between.")


def _textarea(rows=2):
    return forms.Textarea(attrs={"rows": rows})


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


def _staff_of(community_ids, *, department=None):
    memberships = Membership.objects.filter(community_id__in=community_ids, user__is_active=True)
    if department is not None:
        memberships = memberships.filter(department=department)
    return get_user_model().objects.filter(pk__in=memberships.values("user_id")).order_by("username")


class ClassifyFields(forms.Form):
    """Category, severity and responsible department: shared by both ways in."""

    category = forms.ChoiceField(label=_("Category"), choices=[("", "—"), *Category.choices])
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Severity.choices, initial=Severity.GENERAL, widget=forms.RadioSelect
    )
    department = DepartmentChoiceField(
        label=_("Responsible department"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=_("By category"),
        help_text=_(
            "Left on “By category”, the usual department is chosen; a complaint about the company "
            "itself always goes to the quality department."
        ),
    )
    apology_given = forms.BooleanField(
        label=_("Apology given"),
        required=False,
        help_text=_("Apologise to the owner on receipt; required for a visit or a call."),
    )
    response_note = forms.CharField(
        label=_("What the owner was told"),
        required=False,
        widget=_textarea(),
        help_text=_("On a visit or a call this is the first response; leave empty for the usual words."),
    )

    def _set_departments(self, community_ids):
        self.fields["department"].queryset = Department.objects.filter(
            community_id__in=community_ids
        ).order_by("kind")

    def _clean_department(self, data, community):
        category, department = data.get("category"), data.get("department")
        if category == Category.COMPANY or not category:
            return
        if department is None:
            kind = CATEGORY_DEPARTMENT.get(category)
            department = (
                Department.objects.filter(community=community, kind=kind).first() if community else None
            )
            if department is None:
                self.add_error("department", _("Choose the responsible department."))
            data["department"] = department
        elif community is not None and department.community_id != community.pk:
            self.add_error(
                "department",
                _("The responsible department must belong to %(community)s.") % {"community": community.name},
            )


class FromRecordForm(ClassifyFields):
    """Follow a desk record of kind complaint up as a complaint."""

    def __init__(self, *args, record, **kwargs):
        super().__init__(*args, **kwargs)
        self.record = record
        self._set_departments([record.community_id])
        if record.first_response_at:
            self.fields["response_note"].widget = forms.HiddenInput()

    def clean(self):
        data = super().clean()
        self._clean_department(data, self.record.community)
        return data


class ComplaintForm(ClassifyFields):
    """A complaint registered directly (a supervisor on patrol, a letter to the company …)."""

    community = CommunityChoiceField(label=_("Community"), queryset=Community.objects.none(), required=False)
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=Unit.objects.none(), required=False, widget=forms.HiddenInput
    )
    contact_name = forms.CharField(label=_("Complainant"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20, required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.VISIT)
    subject = forms.CharField(label=_("Complaint"), max_length=200)
    details = forms.CharField(label=_("Details"), required=False, widget=_textarea())
    request = forms.CharField(label=_("What the owner asks"), required=False, widget=_textarea())
    received_at = forms.DateTimeField(label=_("Received at"), widget=_datetime_widget())

    field_order = [
        "community",
        "unit",
        "contact_name",
        "contact_phone",
        "channel",
        "subject",
        "details",
        "request",
        "received_at",
        "category",
        "severity",
        "department",
        "apology_given",
        "response_note",
    ]

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        ids = [c.pk for c in communities]
        self.fields["community"].queryset = Community.objects.filter(pk__in=ids).order_by("name")
        self.fields["unit"].queryset = Unit.objects.filter(community_id__in=ids).select_related("building")
        self._set_departments(ids)
        if len(ids) == 1:
            self.fields["community"].widget = forms.HiddenInput()
        if not self.is_bound:
            self.initial.setdefault("received_at", timezone.localtime().strftime(DATETIME_FORMAT))
            if len(ids) == 1:
                self.initial.setdefault("community", ids[0])

    def clean_contact_phone(self):
        value = normalize_mobile(self.cleaned_data["contact_phone"])
        if value and not value.isdigit():
            raise forms.ValidationError(_("Enter a phone number with digits only."), code="invalid_phone")
        if value and value.startswith("1"):
            validate_cn_mobile(value)
        return value

    def clean_received_at(self):
        value = self.cleaned_data["received_at"]
        if value > timezone.now() + timedelta(minutes=5):
            raise forms.ValidationError(_("The time received cannot be in the future."), code="future")
        return value

    def clean(self):
        data = super().clean()
        community, unit = data.get("community"), data.get("unit")
        if community is None and "community" not in self.errors:
            choices = list(self.fields["community"].queryset)
            community = unit.community if unit else (choices[0] if len(choices) == 1 else None)
            if community is None:
                self.add_error("community", _("Choose the community."))
            data["community"] = community
        if community and unit and unit.community_id != community.pk:
            self.add_error("unit", _("The unit is not in %(community)s.") % {"community": community.name})
        if "unit" in data and not unit and not data.get("contact_name", "").strip():
            self.add_error(None, _("Choose a unit or enter the complainant's name and phone."))
        self._clean_department(data, community)
        return data


class RespondForm(forms.Form):
    apology_given = forms.BooleanField(label=_("Apology given"), required=False)
    note = forms.CharField(label=_("What the owner was told"), widget=_textarea())


class TriageForm(forms.Form):
    """R-CMP-3: valid or invalid; an invalid one needs the explanation and its basis."""

    valid = forms.TypedChoiceField(
        label=_("Validity"),
        choices=[("valid", Validity.VALID.label), ("invalid", Validity.INVALID.label)],
        coerce=lambda v: v == "valid",
        widget=forms.RadioSelect,
        initial="valid",
    )
    plan = forms.CharField(label=_("Handling plan"), required=False, widget=_textarea())
    explanation = forms.CharField(
        label=_("Explanation given to the owner"), required=False, widget=_textarea()
    )
    basis = forms.CharField(
        label=_("Rule or law it rests on"),
        required=False,
        max_length=300,
        help_text=_(
            "For example: the property service contract, article 12; the community's management rules."
        ),
    )

    def clean(self):
        data = super().clean()
        if data.get("valid") is False:
            if not data.get("explanation", "").strip():
                self.add_error(
                    "explanation",
                    _("Write down the explanation given to the owner for an invalid complaint."),
                )
            if not data.get("basis", "").strip():
                self.add_error("basis", _("Name the rule or law the explanation rests on."))
        return data


class WorkOrderForm(forms.Form):
    """R-CMP-5: the measure, the responsible person and a deadline."""

    analysis = forms.CharField(
        label=_("Leader's analysis"),
        required=False,
        widget=_textarea(),
        help_text=_("Required from the leader in charge for a serious or major complaint."),
    )
    department = DepartmentChoiceField(label=_("Receiving department"), queryset=Department.objects.none())
    task = forms.CharField(label=_("Measure"), widget=_textarea())
    responsible_person = StaffChoiceField(
        label=_("Responsible person"), queryset=get_user_model().objects.none(), required=False
    )
    due_at = forms.DateTimeField(label=_("Deadline"), widget=_datetime_widget())

    def __init__(self, *args, complaint, **kwargs):
        super().__init__(*args, **kwargs)
        self.complaint = complaint
        self.fields["department"].queryset = Department.objects.filter(
            community_id=complaint.community_id
        ).order_by("kind")
        staff = Membership.objects.filter(community_id=complaint.community_id, department__isnull=False)
        self.fields["responsible_person"].queryset = (
            get_user_model().objects.filter(pk__in=staff.values("user_id")).order_by("username")
        )
        if not self.is_bound and complaint.department.community_id == complaint.community_id:
            self.initial.setdefault("department", complaint.department_id)

    def clean_due_at(self):
        return _future(
            self.cleaned_data.get("due_at"),
            _("The work order's deadline cannot be earlier than now; choose it again."),
        )


class ConfirmForm(forms.Form):
    """A step that needs nothing but the button."""


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, widget=_textarea())


class RequiredNoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), widget=_textarea())


class PauseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the pause"),
        max_length=200,
        help_text=_("For example: the owner is away until Friday; a part is on order."),
    )


class UnsolvableForm(forms.Form):
    reason = forms.CharField(label=_("Explanation given to the owner"), widget=_textarea())
    next_reply_at = forms.DateTimeField(label=_("Next reply"), widget=_datetime_widget())

    def clean_next_reply_at(self):
        return _future(
            self.cleaned_data.get("next_reply_at"),
            _("The next reply must be later than now; choose it again."),
        )


class ReplyAgainForm(forms.Form):
    note = forms.CharField(label=_("What the owner was told"), widget=_textarea())
    next_reply_at = forms.DateTimeField(label=_("Next reply"), widget=_datetime_widget())

    def clean_next_reply_at(self):
        return _future(
            self.cleaned_data.get("next_reply_at"),
            _("The next reply must be later than now; choose it again."),
        )


class ResultForm(forms.Form):
    result = forms.CharField(label=_("Result"), widget=_textarea(3))


class SendBackForm(forms.Form):
    note = forms.CharField(label=_("What is missing"), widget=_textarea())
    due_at = forms.DateTimeField(label=_("New deadline"), widget=_datetime_widget())

    def clean_due_at(self):
        return _future(
            self.cleaned_data.get("due_at"), _("The new deadline must be later than now; choose it again.")
        )


class RejectForm(forms.Form):
    objection = forms.CharField(label=_("What the owner disagrees with"), widget=_textarea())
    new_plan = forms.CharField(label=_("New plan"), widget=_textarea())
    due_at = forms.DateTimeField(label=_("Deadline of the new plan"), widget=_datetime_widget())

    def clean_due_at(self):
        return _future(
            self.cleaned_data.get("due_at"),
            _("The new plan's deadline must be later than now; choose it again."),
        )


def _call_time(value):
    if value is not None and not within_call_hours(value):
        raise forms.ValidationError(CALL_HOURS_ERROR, code="call_hours")
    return value


class CallbackForm(forms.Form):
    """R-CB-3: the 业户回访记录表; R-CB-4 when the owner is not satisfied."""

    called_at = forms.DateTimeField(label=_("Called at"), widget=_datetime_widget())
    quality_rating = forms.ChoiceField(
        label=_("Quality rating"), choices=Rating.choices, widget=forms.RadioSelect
    )
    effect_rating = forms.ChoiceField(
        label=_("Service effect rating"), choices=Rating.choices, widget=forms.RadioSelect
    )
    satisfaction = forms.ChoiceField(
        label=_("Satisfaction rating"), choices=Rating.choices, widget=forms.RadioSelect
    )
    shortcomings = forms.CharField(label=_("Shortcomings"), required=False, widget=_textarea())
    suggestions = forms.CharField(label=_("Owner's suggestions"), required=False, widget=_textarea())
    assignee = StaffChoiceField(
        label=_("Who will fix it"),
        queryset=get_user_model().objects.none(),
        required=False,
        help_text=_("Only when the owner is dissatisfied."),
    )
    fix_note = forms.CharField(label=_("What will be done, or why not"), required=False, widget=_textarea())
    next_callback_at = forms.DateTimeField(
        label=_("Next call-back"), required=False, widget=_datetime_widget()
    )

    def __init__(self, *args, complaint, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = _staff_of([complaint.community_id])
        if not self.is_bound:
            self.initial.setdefault("called_at", timezone.localtime().strftime(DATETIME_FORMAT))

    def clean_called_at(self):
        value = self.cleaned_data["called_at"]
        if value > timezone.now() + timedelta(minutes=5):
            raise forms.ValidationError(_("The call time cannot be in the future."), code="future")
        return _call_time(value)

    def clean_next_callback_at(self):
        value = _future(
            self.cleaned_data.get("next_callback_at"),
            _("The next call-back must be later than now; choose it again."),
        )
        return _call_time(value)

    def clean(self):
        data = super().clean()
        if data.get("satisfaction") == Rating.DISSATISFIED:
            if not data.get("assignee"):
                self.add_error("assignee", _("The owner is not satisfied: choose who will fix it."))
            if not data.get("fix_note", "").strip():
                self.add_error(
                    "fix_note", _("The owner is not satisfied: write down what will be done, or why not.")
                )
            if not data.get("next_callback_at") and "next_callback_at" not in self.errors:
                self.add_error(
                    "next_callback_at", _("The owner is not satisfied: fix the next call-back time.")
                )
        return data


class UnreachableForm(forms.Form):
    attempted_at = forms.DateTimeField(label=_("Tried at"), widget=_datetime_widget())
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("attempted_at", timezone.localtime().strftime(DATETIME_FORMAT))

    def clean_attempted_at(self):
        value = self.cleaned_data["attempted_at"]
        if value > timezone.now() + timedelta(minutes=5):
            raise forms.ValidationError(_("The call time cannot be in the future."), code="future")
        return _call_time(value)


class RescheduleForm(forms.Form):
    planned_at = forms.DateTimeField(label=_("New call-back time"), widget=_datetime_widget())

    def clean_planned_at(self):
        value = _future(
            self.cleaned_data.get("planned_at"),
            _("The call-back time must be later than now; choose it again."),
        )
        return _call_time(value)


class ComplaintFilterForm(forms.Form):
    """The list's filters (GET)."""

    view = forms.ChoiceField(choices=[("", _("All complaints")), *QUEUES.items()], required=False,
                             widget=forms.HiddenInput)  # fmt: skip
    q = forms.CharField(label=_("Search"), required=False, max_length=50)
    month = forms.DateField(
        label=_("Month received"),
        required=False,
        validators=[validate_filter_year],
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *Complaint.Status.choices], required=False
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("All")), *Category.choices], required=False
    )
    severity = forms.ChoiceField(
        label=_("Severity"), choices=[("", _("All")), *Severity.choices], required=False
    )
    validity = forms.ChoiceField(
        label=_("Validity"), choices=[("", _("All")), *Validity.choices], required=False
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", _("All")), *Channel.choices], required=False
    )
    department = forms.ChoiceField(
        label=_("Responsible department"), choices=[("", _("All")), *Department.Kind.choices], required=False
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    # Drill-downs from the statistics: the communities the figure counted (within what the user
    # sees), and the figures that are not plain filters.
    community = forms.ModelMultipleChoiceField(
        queryset=Community.objects.all(), required=False, widget=forms.MultipleHiddenInput
    )
    reopened = forms.BooleanField(required=False, widget=forms.HiddenInput)
    paused = forms.BooleanField(required=False, widget=forms.HiddenInput)
    open_at = forms.DateField(
        required=False, input_formats=["%Y-%m"], widget=forms.HiddenInput, validators=[validate_filter_year]
    )
    overdue_at = forms.DateField(
        required=False, input_formats=["%Y-%m"], widget=forms.HiddenInput, validators=[validate_filter_year]
    )

    def clean_month(self):
        value = self.cleaned_data.get("month")
        return date(value.year, value.month, 1) if value else None


class ReportForm(forms.Form):
    """The statistics pages' filters: a month and the communities (empty: all the user may see)."""

    month = forms.DateField(
        label=_("Month"),
        required=False,
        validators=[validate_filter_year],  # the statistics reach back a year from it
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    communities = forms.ModelMultipleChoiceField(
        label=_("Communities"),
        queryset=Community.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text=_("None ticked: every community you may see."),
    )

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["communities"].queryset = Community.objects.filter(pk__in=[c.pk for c in communities])
        self.fields["communities"].label_from_instance = lambda c: c.name
