from django import forms
from django.db.models import Q, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from archives import catalogue as catalogue_reads
from archives.models import Unit
from propsvc.concurrency import add_version_field, version_of
from propsvc.exports import XLSX
from propsvc.models import Community
from propsvc.validators import normalize_mobile, validate_cn_mobile


class UnitSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Find a unit"),
        required=False,
        max_length=50,
        widget=forms.TextInput(
            attrs={
                "placeholder": _("Room (1101, 3-1101, 3栋1101), owner name or last 4 digits of the phone"),
                "autocomplete": "off",
                "autofocus": True,
                "type": "search",
            }
        ),
    )


class UnitUseForm(forms.Form):
    use = forms.ChoiceField(label=_("Use of the unit"), choices=Unit.Use.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


class OwnershipTransferForm(forms.Form):
    """A change of owner: up to two new owners (co-owners), the date and the reason."""

    name = forms.CharField(label=_("New owner's name"), max_length=50)
    mobile = forms.CharField(label=_("Mobile phone"), max_length=20, validators=[validate_cn_mobile])
    wechat = forms.CharField(label=_("WeChat ID"), max_length=50, required=False)
    co_owner_name = forms.CharField(label=_("Co-owner's name"), max_length=50, required=False)
    co_owner_mobile = forms.CharField(
        label=_("Co-owner's mobile phone"), max_length=20, required=False, validators=[validate_cn_mobile]
    )
    start_date = forms.DateField(
        label=_("Date of the change"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=200,
        help_text=_("E.g. sale, inheritance, gift; the old owner's record is kept."),
    )

    def clean_name(self):
        return self.cleaned_data["name"].strip()

    def clean_mobile(self):
        return normalize_mobile(self.cleaned_data["mobile"])

    def clean_co_owner_mobile(self):
        value = self.cleaned_data.get("co_owner_mobile", "")
        return normalize_mobile(value) if value else ""

    def clean_start_date(self):
        value = self.cleaned_data["start_date"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The change date cannot be in the future."))
        return value

    def clean(self):
        data = super().clean()
        if bool(data.get("co_owner_name")) != bool(data.get("co_owner_mobile")):
            self.add_error(
                "co_owner_mobile" if data.get("co_owner_name") else "co_owner_name",
                _("Enter both the co-owner's name and mobile phone, or neither."),
            )
        return data

    def owners(self) -> list[dict]:
        data = self.cleaned_data
        owners = [{"name": data["name"], "mobile": data["mobile"], "wechat": data.get("wechat", "")}]
        if data.get("co_owner_name"):
            owners.append({"name": data["co_owner_name"].strip(), "mobile": data["co_owner_mobile"]})
        return owners


# -- The confidential archive (R-ARC-4) --------------------------------------------------------------


def _window_choices():
    from django.conf import settings

    default = settings.PROPSVC_ARCHIVE_WINDOW_MINUTES
    options = sorted({30, 60, default, 240, settings.PROPSVC_ARCHIVE_WINDOW_MAX_MINUTES})
    return [
        (m, _("%(n)d minutes") % {"n": m} if m < 60 else _("%(h)s hours") % {"h": f"{m / 60:g}"})
        for m in options
    ]


class LookupRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the look-up"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What you need from the archive and why, e.g. “业主委托办理车位登记，核对车辆信息”."),
    )
    minutes = forms.TypedChoiceField(label=_("Access window"), coerce=int, choices=_window_choices)

    def __init__(self, *args, **kwargs):
        from django.conf import settings

        super().__init__(*args, **kwargs)
        self.fields["minutes"].initial = settings.PROPSVC_ARCHIVE_WINDOW_MINUTES


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("Remarks"), max_length=300, required=False)


class RejectForm(forms.Form):
    note = forms.CharField(label=_("Why it is rejected"), max_length=300)


class _OwnerForm(forms.Form):
    """A change to one owner's information: which owner, and why (R-ARC-3)."""

    owner_id = forms.TypedChoiceField(label=_("Owner"), coerce=int)

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_id"].choices = [(o.pk, o.name) for o in owners]
        if len(owners) == 1:
            self.fields["owner_id"].widget = forms.HiddenInput()
            self.initial.setdefault("owner_id", owners[0].pk)
        self.order_fields(
            ["owner_id", *[f for f in self.fields if f not in ("owner_id", "reason")], "reason"]
        )


REASON = forms.CharField(label=_("Reason for the change"), max_length=200)


class ContactForm(_OwnerForm):
    mobile = forms.CharField(label=_("Mobile phone"), max_length=20, validators=[validate_cn_mobile])
    other_phone = forms.CharField(label=_("Other phone"), max_length=20, required=False)
    wechat = forms.CharField(label=_("WeChat ID"), max_length=50, required=False)
    reason = REASON

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, owners=owners, **kwargs)
        # the owners' versions as rendered: a contact changed by someone else since is refused
        add_version_field(self, version_of(*owners))


class ConsentForm(_OwnerForm):
    group = forms.ChoiceField(label=_("Information"), choices=())
    purpose = forms.CharField(label=_("Purpose of collection"), max_length=200)
    given_on = forms.DateField(label=_("Consent given on"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        from archives.models import ConsentGroup

        super().__init__(*args, **kwargs)
        self.fields["group"].choices = ConsentGroup.choices
        if not self.is_bound:
            self.initial.setdefault("given_on", timezone.localdate().isoformat())

    def clean_given_on(self):
        value = self.cleaned_data["given_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The consent date cannot be in the future."))
        return value


class WithdrawForm(_OwnerForm):
    group = forms.ChoiceField(label=_("Information"), choices=())
    reason = REASON

    def __init__(self, *args, **kwargs):
        from archives.models import OPTIONAL_GROUPS

        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [(g.value, g.label) for g in OPTIONAL_GROUPS]


class FamilyForm(_OwnerForm):
    name = forms.CharField(label=_("Name"), max_length=50)
    relation = forms.CharField(label=_("Relation to the owner"), max_length=20)
    mobile = forms.CharField(
        label=_("Mobile phone"), max_length=20, required=False, validators=[validate_cn_mobile]
    )
    reason = REASON


class EmergencyForm(_OwnerForm):
    name = forms.CharField(label=_("Name"), max_length=50)
    relation = forms.CharField(label=_("Relation to the owner"), max_length=20)
    mobile = forms.CharField(label=_("Mobile phone"), max_length=20, validators=[validate_cn_mobile])
    reason = REASON


class VehicleForm(_OwnerForm):
    plate = forms.CharField(label=_("Number plate"), max_length=12)
    description = forms.CharField(label=_("Make and colour"), max_length=50, required=False)
    parking_space = forms.CharField(label=_("Parking space"), max_length=20, required=False)
    reason = REASON

    def clean_plate(self):
        return self.cleaned_data["plate"].strip().upper().replace(" ", "")


class RemoveForm(forms.Form):
    group = forms.CharField(widget=forms.HiddenInput)
    row_id = forms.IntegerField(widget=forms.HiddenInput)
    reason = REASON


class DocumentForm(forms.Form):
    part = forms.ChoiceField(label=_("Part of the archive"), choices=())
    title = forms.CharField(label=_("Title"), max_length=100)
    upload = forms.FileField(label=_("File"), help_text=_("PDF, image (JPEG, PNG, WebP) or Office document."))

    def __init__(self, *args, **kwargs):
        from archives.models import ArchivePart

        super().__init__(*args, **kwargs)
        self.fields["part"].choices = ArchivePart.choices


class AccessLogFilterForm(forms.Form):
    """The access log's filters (GET). The staff member is typed, not picked from a list: a company
    reader may see thousands of staff (docs/PERFORMANCE.md), so the field offers suggestions as the
    name is typed (archives:access-log-staff) and accepts a login name, or a full name that only one
    of the visible staff has."""

    unit = forms.CharField(label=_("Unit"), max_length=30, required=False)
    staff = forms.CharField(
        label=_("Staff member"),
        max_length=150,
        required=False,
        widget=forms.TextInput(
            attrs={
                "list": "access-log-staff",
                "autocomplete": "off",
                "placeholder": _("Name or login name"),
                "hx-trigger": "input changed delay:200ms",
                "hx-target": "#access-log-staff",
            }
        ),
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, staff_queryset, suggest_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.staff_queryset = staff_queryset
        if suggest_url:
            self.fields["staff"].widget.attrs["hx-get"] = suggest_url

    def clean_staff(self):
        typed = self.cleaned_data["staff"].strip()
        if not typed:
            return None
        user = self.staff_queryset.filter(username__iexact=typed).first()
        if user is None:
            named = list(_with_full_name(self.staff_queryset, typed)[:2])
            if len(named) == 1:
                user = named[0]
            elif named:
                raise forms.ValidationError(
                    _("More than one staff member is called %(name)s: choose one from the list.")
                    % {"name": typed}
                )
        if user is None:
            raise forms.ValidationError(_("No staff member %(name)s here.") % {"name": typed})
        return user


def _with_full_name(staff_queryset, typed: str):
    """Staff whose full name is what was typed: 张三 (last name first, no space) or the
    "first last" of get_full_name()."""
    return staff_queryset.alias(
        joined=Concat("last_name", "first_name"), spaced=Concat("first_name", Value(" "), "last_name")
    ).filter(Q(joined=typed) | Q(spaced=typed))


def staff_suggestions(staff_queryset, typed: str, *, limit: int = 20):
    """The visible staff whose login name starts with, or whose name contains, what was typed."""
    typed = typed.replace("\x00", "").strip()  # PostgreSQL refuses NUL in a query
    if not typed:
        return staff_queryset.none()
    match = Q(username__istartswith=typed) | Q(first_name__icontains=typed) | Q(last_name__icontains=typed)
    return staff_queryset.filter(match).order_by("username")[:limit]


class RosterImportForm(forms.Form):
    """The community (one where the user may import) and the file. The file itself is checked by
    the service, which reads it (archives.roster)."""

    community = forms.ModelChoiceField(
        label=_("Community"), queryset=Community.objects.none(), empty_label=None
    )
    file = forms.FileField(
        label=_("Roster file (.xlsx)"),
        help_text=_(
            "Fill in the template, then upload it here. Nothing is imported if any row has a problem."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx," + XLSX}),
    )

    def __init__(self, *args, communities: list[Community], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = Community.objects.filter(pk__in=[c.pk for c in communities])


class CatalogueFilterForm(forms.Form):
    """The catalogue's filters (GET).

    The community is the header's current one unless the page names another the user may see;
    the buildings offered are those of that community. An id the user may not see is not a
    choice, so the form is invalid and the page falls back to the header's community.

    It lives here rather than in archives/forms.py only because that module was being changed
    by someone else when the catalogue was built; move it there at the next pass.
    """

    community = forms.TypedChoiceField(label=_("Community"), coerce=int, required=False)
    building = forms.TypedChoiceField(label=_("Building"), coerce=int, required=False)
    entrance = forms.IntegerField(label=_("Entrance"), required=False, min_value=1, max_value=99)
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=50,
        widget=forms.TextInput(
            attrs={"placeholder": _("Room or owner name"), "type": "search", "autocomplete": "off"}
        ),
    )

    def __init__(self, *args, user, communities, current, **kwargs):
        super().__init__(*args, **kwargs)
        self._communities = {c.pk: c for c in communities}
        self._header = [current.pk] if current else None  # None: every visible community
        # The select shows what the table shows: the header's community, or "all" when the header
        # is on all communities.
        field = self.fields["community"]
        field.choices = [*([] if current else [("", _("All"))]), *((c.pk, c.name) for c in communities)]
        self.initial.setdefault("community", current.pk if current else "")
        if self.is_bound and current and not self.data.get("community"):
            self.data = self.data.copy()  # a bound select ignores `initial`
            self.data["community"] = str(current.pk)
        if len(communities) < 2:
            field.widget = forms.HiddenInput()
        raw = str(self.data.get("community", ""))
        chosen = int(raw) if raw.isdigit() and int(raw) in self._communities else None
        self.scope = [chosen] if chosen else self._header
        buildings = catalogue_reads.catalogue_building_choices(user=user, communities=self.scope)
        self.fields["building"].choices = [("", _("All")), *buildings]
        if self.data.get("building") and self.data["building"] not in {str(pk) for pk, _label in buildings}:
            # A building of another community (the community was just changed in the select, or
            # an id typed by hand): start again from every building of the chosen community.
            self.data = self.data.copy()
            self.data.pop("building")
        for name in ("community", "building"):
            if not self.fields[name].widget.is_hidden:
                self.fields[name].widget.attrs["class"] = "form-select"

    def filters(self) -> catalogue_reads.CatalogueFilter:
        if not self.is_bound or not self.is_valid():
            return catalogue_reads.CatalogueFilter(communities=self._header)
        data = self.cleaned_data
        return catalogue_reads.CatalogueFilter(
            communities=self.scope,
            building=data.get("building"),
            entrance=data.get("entrance"),
            q=data.get("q", ""),
        )

    def heading(self, filters: catalogue_reads.CatalogueFilter) -> list[str]:
        """What the printed and exported catalogue is of: the community (or the communities) and,
        when one is chosen, the building."""
        ids = filters.communities if filters.communities is not None else list(self._communities)
        parts = ["、".join(self._communities[pk].name for pk in ids if pk in self._communities)]
        if filters.building:
            parts.append(dict(self.fields["building"].choices).get(filters.building, ""))
        return [part for part in parts if part]
