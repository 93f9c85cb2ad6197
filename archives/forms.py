from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from archives.models import Unit
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
