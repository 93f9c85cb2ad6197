"""Reception forms: validation only; reception.services does the saving (STYLE.md 11)."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from archives.models import Unit
from propsvc.models import Community, Department
from propsvc.validators import normalize_mobile, validate_cn_mobile, validate_filter_year
from reception.models import Channel, ContactType, Kind, ReceptionRecord, ReplyMethod, WorkOrder

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
PAST_TIME_ERROR = _("The promised reply time cannot be earlier than now; choose it again.")


def _datetime_widget(**attrs):
    return forms.DateTimeInput(attrs={"type": "datetime-local", **attrs}, format=DATETIME_FORMAT)


def _future(value, message):
    if value is not None and value <= timezone.now():
        raise forms.ValidationError(message, code="past")
    return value


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_kind_display()


class CommunityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


OUTCOME_CHOICES = [("", _("Not yet: handle it later")), *ReceptionRecord.Outcome.choices]


class RecordForm(forms.Form):
    """The front-desk entry form: one screen, keyboard first (R-REC-1, R-REC-2, R-REC-7)."""

    community = CommunityChoiceField(label=_("Community"), queryset=Community.objects.none(), required=False)
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=Unit.objects.none(), required=False, widget=forms.HiddenInput
    )
    contact_type = forms.ChoiceField(
        label=_("Who came"), choices=ContactType.choices, initial=ContactType.OWNER, widget=forms.RadioSelect
    )
    contact_name = forms.CharField(label=_("Contact name"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20, required=False)
    consent_given = forms.BooleanField(
        label=_("They were told the purpose and agree to their details being recorded"), required=False
    )
    consent_purpose = forms.CharField(
        label=_("Purpose of collection"),
        max_length=200,
        required=False,
        initial=_("To reply to this matter"),
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.VISIT)
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", "—"), *Kind.choices])
    subject = forms.CharField(label=_("What was reported"), max_length=200)
    details = forms.CharField(label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    request = forms.CharField(
        label=_("What the owner asks"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    received_at = forms.DateTimeField(label=_("Received at"), widget=_datetime_widget())
    is_major = forms.BooleanField(label=_("Group incident or major matter"), required=False)

    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=OUTCOME_CHOICES,
        required=False,
        initial=ReceptionRecord.Outcome.HANDLED,
        widget=forms.RadioSelect,
    )
    outcome_note = forms.CharField(
        label=_("What the owner was told"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    promised_reply_at = forms.DateTimeField(
        label=_("Promised reply time"), required=False, widget=_datetime_widget()
    )
    reply_method = forms.ChoiceField(
        label=_("Reply method"), choices=[("", "—"), *ReplyMethod.choices], required=False
    )
    department = DepartmentChoiceField(
        label=_("Receiving department"), queryset=Department.objects.none(), required=False
    )
    task = forms.CharField(
        label=_("Task for the department"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    work_order_due_at = forms.DateTimeField(
        label=_("Work order deadline"), required=False, widget=_datetime_widget()
    )

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        ids = [c.pk for c in communities]
        self.fields["community"].queryset = Community.objects.filter(pk__in=ids).order_by("name")
        self.fields["unit"].queryset = Unit.objects.filter(community_id__in=ids).select_related("building")
        self.fields["department"].queryset = Department.objects.filter(community_id__in=ids).order_by("kind")
        if len(ids) == 1:
            self.fields["community"].widget = forms.HiddenInput()
        else:
            self.fields["community"].widget.attrs["class"] = "form-select form-select-sm"
        if not self.is_bound:
            self.initial.setdefault("received_at", timezone.localtime().strftime(DATETIME_FORMAT))
            if len(ids) == 1:
                self.initial.setdefault("community", ids[0])

    def clean_contact_name(self):
        return self.cleaned_data["contact_name"].strip()

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

    def clean_promised_reply_at(self):
        return _future(self.cleaned_data.get("promised_reply_at"), PAST_TIME_ERROR)

    def clean_work_order_due_at(self):
        return _future(
            self.cleaned_data.get("work_order_due_at"),
            _("The work order's deadline cannot be earlier than now; choose it again."),
        )

    def clean(self):
        data = super().clean()
        community, unit = data.get("community"), data.get("unit")
        if community is None and "community" not in self.errors:
            # One community, or the unit's: the receptionist need not pick it.
            choices = list(self.fields["community"].queryset)
            community = unit.community if unit else (choices[0] if len(choices) == 1 else None)
            if community is None:
                self.add_error("community", _("Choose the community."))
            data["community"] = community
        if community and unit and unit.community_id != community.pk:
            self.add_error("unit", _("The unit is not in %(community)s.") % {"community": community.name})
        contact_type, name = data.get("contact_type"), data.get("contact_name", "")
        if "unit" in data and not unit and not name:
            self.add_error(None, _("Choose a unit or enter the contact's name and phone."))
        if contact_type and contact_type != ContactType.OWNER:
            if not name:
                self.add_error("contact_name", _("Enter the name of the tenant or visitor."))
            if not data.get("consent_given"):
                self.add_error(
                    "consent_given", _("Ask for consent and tick the box before recording their details.")
                )
            elif not data.get("consent_purpose", "").strip():
                self.add_error("consent_purpose", _("State the purpose of collecting their details."))
        self._clean_outcome(data)
        return data

    def _clean_outcome(self, data):
        outcome = data.get("outcome")
        Outcome = ReceptionRecord.Outcome
        needs_note = {
            Outcome.HANDLED: _("Write down what the owner was told."),
            Outcome.PENDING: _("Write down why it cannot be handled on the spot, as the owner was told."),
            Outcome.OUT_OF_REMIT: _("Write down the explanation given and where the owner was pointed."),
        }
        if outcome in needs_note and not data.get("outcome_note", "").strip():
            self.add_error("outcome_note", needs_note[outcome])
        if outcome == Outcome.PENDING:
            if not data.get("promised_reply_at") and "promised_reply_at" not in self.errors:
                self.add_error("promised_reply_at", _("Enter the promised reply time."))
            if not data.get("reply_method"):
                self.add_error("reply_method", _("Choose how the reply will reach the owner."))
        if outcome == Outcome.TRANSFERRED:
            _clean_transfer(self, data, due_field="work_order_due_at")


def _clean_transfer(form, data, *, due_field):
    department, community = data.get("department"), data.get("community")
    if community is None and getattr(form, "record", None) is not None:
        community = form.record.community
    if department is None and "department" not in form.errors:
        form.add_error("department", _("Choose the receiving department."))
    elif department is not None and community is not None and department.community_id != community.pk:
        form.add_error(
            "department",
            _("The work order can only go to a department of %(community)s.") % {"community": community.name},
        )
    if not data.get(due_field) and due_field not in form.errors:
        form.add_error(due_field, _("Enter the work order's deadline."))


class RespondForm(forms.Form):
    """R-REC-3: the first response — how and what was said (who and when are recorded)."""

    method = forms.ChoiceField(label=_("How"), choices=ReplyMethod.choices, initial=ReplyMethod.PHONE)
    note = forms.CharField(label=_("What the owner was told"), widget=forms.Textarea(attrs={"rows": 2}))


class NoteForm(forms.Form):
    note = forms.CharField(label=_("What the owner was told"), widget=forms.Textarea(attrs={"rows": 2}))


class PendingForm(forms.Form):
    note = forms.CharField(
        label=_("Why it cannot be handled on the spot"), widget=forms.Textarea(attrs={"rows": 2})
    )
    promised_reply_at = forms.DateTimeField(label=_("Promised reply time"), widget=_datetime_widget())
    reply_method = forms.ChoiceField(label=_("Reply method"), choices=ReplyMethod.choices)

    def clean_promised_reply_at(self):
        return _future(self.cleaned_data["promised_reply_at"], PAST_TIME_ERROR)


class TransferForm(forms.Form):
    department = DepartmentChoiceField(label=_("Receiving department"), queryset=Department.objects.none())
    task = forms.CharField(label=_("Task for the department"), widget=forms.Textarea(attrs={"rows": 2}))
    due_at = forms.DateTimeField(label=_("Work order deadline"), widget=_datetime_widget())
    promised_reply_at = forms.DateTimeField(
        label=_("Promised reply time"),
        required=False,
        widget=_datetime_widget(),
        help_text=_("Leave empty to promise the reply by the work order's deadline."),
    )
    reply_method = forms.ChoiceField(
        label=_("Reply method"), choices=ReplyMethod.choices, initial=ReplyMethod.PHONE
    )

    def __init__(self, *args, record, **kwargs):
        super().__init__(*args, **kwargs)
        self.record = record
        # Every department the user might pick; a department of another community is refused
        # with a clear message rather than silently missing from the list.
        self.fields["department"].queryset = Department.objects.filter(community__isnull=False)
        self.fields["department"].widget.choices = [
            ("", "—"),
            *(
                (d.pk, d.get_kind_display())
                for d in Department.objects.filter(community_id=record.community_id).order_by("kind")
            ),
        ]

    def clean_due_at(self):
        return _future(
            self.cleaned_data["due_at"],
            _("The work order's deadline cannot be earlier than now; choose it again."),
        )

    def clean_promised_reply_at(self):
        return _future(self.cleaned_data.get("promised_reply_at"), PAST_TIME_ERROR)

    def clean(self):
        data = super().clean()
        _clean_transfer(self, data, due_field="due_at")
        return data


class ReplyOwnerForm(forms.Form):
    method = forms.ChoiceField(label=_("How the owner was told"), choices=ReplyMethod.choices)
    note = forms.CharField(label=_("What the owner was told"), widget=forms.Textarea(attrs={"rows": 2}))


class WorkOrderResultForm(forms.Form):
    result = forms.CharField(label=_("Result"), widget=forms.Textarea(attrs={"rows": 3}))


class RecordFilterForm(forms.Form):
    """The list's filters (GET)."""

    VIEWS = [
        ("", _("All records")),
        ("today", _("Today")),
        ("mine", _("My pending")),
        ("overdue", _("Overdue")),
    ]

    view = forms.ChoiceField(choices=VIEWS, required=False, widget=forms.HiddenInput)
    q = forms.CharField(label=_("Search"), required=False, max_length=50)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_filter_year],
    )  # fmt: skip
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_filter_year],  # the list asks for the day after it
    )  # fmt: skip
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", _("All")), *Channel.choices], required=False
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("All")), *Kind.choices], required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *ReceptionRecord.Status.choices], required=False
    )
    staff = forms.ModelChoiceField(
        label=_("Received by"), queryset=None, required=False, empty_label=_("All")
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args, staff_queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff_queryset
        self.fields["staff"].label_from_instance = lambda u: u.get_full_name() or u.username

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date cannot be before the start date."))
        return data


class WorkOrderFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Open")), *WorkOrder.Status.choices],
        required=False,
    )
