import datetime
import re

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from propsvc import lockout
from propsvc.calendar import schedule_problems
from propsvc.concurrency import VersionedFormMixin
from propsvc.http import client_address
from propsvc.models import CalendarDay
from propsvc.validators import validate_filter_year


class LockoutMixin:
    """Login lockout (propsvc.lockout) around AuthenticationForm.clean: a locked username or address
    is refused before the password is checked, so even the right password does not get in."""

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not username or not password:
            return super().clean()
        try:
            attempt = lockout.login_attempt_begin(username=username, address=client_address(self.request))
        except lockout.LoginLocked as exc:
            raise ValidationError(exc.message, code="locked") from None
        try:
            cleaned = super().clean()
        except ValidationError:
            until = lockout.login_attempt_failed(attempt=attempt)
            if until is not None:
                raise ValidationError(lockout.LoginLocked(until).message, code="locked") from None
            raise
        lockout.login_attempt_succeeded(attempt=attempt)
        return cleaned


class AdminLoginForm(LockoutMixin, AdminAuthenticationForm):
    """The admin's login page, under the same lockout (urls.py sets admin.site.login_form)."""


class LoginForm(LockoutMixin, AuthenticationForm):
    username = forms.CharField(
        label=_("Username"), widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"})
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


# -- the working-day calendar --------------------------------------------------------------------

_DATE = r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})"
# "2027-01-01 元旦", or a range of holidays "2027-10-01~2027-10-07 国庆节" (also 至, 到, ..).
_SCHEDULE_LINE = re.compile(rf"^{_DATE}(?:\s*(?:~|～|至|到|\.\.)\s*{_DATE})?\s*(.*)$")
_RANGE_MAX_DAYS = 31
_LINES_MAX = 400


class CalendarYearForm(VersionedFormMixin, forms.Form):
    """The official schedule of one year, typed or pasted as lines (validation only; the service
    propsvc.calendar.calendar_year_enter writes it). Every problem is reported with its line."""

    holidays = forms.CharField(
        label=_("Public holidays"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(
            attrs={"rows": 14, "class": "font-monospace", "autofocus": True, "spellcheck": "false"}
        ),
        help_text=_(
            "One line per day off on a weekday: the date (YYYY-MM-DD) and the holiday's name, e.g. "
            "“2027-01-01 元旦”. A range is one line, e.g. “2027-10-01~2027-10-07 国庆节”: its Saturdays "
            "and Sundays are skipped, they are days off anyway."
        ),
    )
    workdays = forms.CharField(
        label=_("Adjusted workdays"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6, "class": "font-monospace", "spellcheck": "false"}),
        help_text=_(
            "One line per Saturday or Sunday that is worked: the date and its name, "
            "e.g. “2027-02-07 春节调休”."
        ),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=300,
        help_text=_("Where the schedule comes from, e.g. the number of the State Council's notice."),
    )

    def __init__(self, *args, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.year = year
        self._lines: dict[str, list[tuple[int, str]]] = {}
        self._unreadable: dict[str, list[tuple[int, str]]] = {}

    def clean_holidays(self):
        return self._parse("holidays", ranges=True)

    def clean_workdays(self):
        return self._parse("workdays", ranges=False)

    def _parse(self, field: str, *, ranges: bool) -> list[tuple[datetime.date, str]]:
        """The entries of the lines that can be read; the others' errors wait for clean(), so
        every problem of the schedule is reported at once, in line order."""
        lines = self.cleaned_data[field].splitlines()
        if len(lines) > _LINES_MAX:
            raise ValidationError(gettext("At most %(max)d lines.") % {"max": _LINES_MAX})
        entries, origins, errors = [], [], []
        for number, raw in enumerate(lines, start=1):
            line = raw.strip()
            if not line:
                continue
            try:
                days, name = _schedule_line(line, ranges=ranges)
            except ValidationError as exc:
                errors.append((number, _line_error(number, line, exc.messages[0])))
                continue
            for day in days:
                entries.append((day, name))
                origins.append((number, line))
        self._lines[field] = origins
        self._unreadable[field] = errors
        return entries

    def clean(self):
        cleaned = super().clean()
        if "holidays" not in cleaned or "workdays" not in cleaned:
            return cleaned  # too long: nothing more to say
        fields = {CalendarDay.Kind.HOLIDAY: "holidays", CalendarDay.Kind.WORKDAY: "workdays"}
        errors = {field: list(self._unreadable[field]) for field in fields.values()}
        problems = schedule_problems(
            year=self.year, holidays=cleaned["holidays"], workdays=cleaned["workdays"]
        )
        for problem in problems:
            field = fields[problem.kind]
            if problem.index is None:
                if not errors[field]:  # "no holidays" only when no line was left unread
                    errors[field].append((0, problem.message))
                continue
            number, line = self._lines[field][problem.index]
            if all(number != seen for seen, _message in errors[field]):  # a range's line is named once
                errors[field].append((number, _line_error(number, line, problem.message)))
        for field, found in errors.items():
            for _number, message in sorted(found, key=lambda error: error[0]):
                self.add_error(field, message)
        return cleaned


def _schedule_line(line: str, *, ranges: bool) -> tuple[list[datetime.date], str]:
    match = _SCHEDULE_LINE.match(line)
    if not match:
        raise ValidationError(gettext("write the date as YYYY-MM-DD, then the name."))
    groups = match.groups()
    first = _date(*groups[0:3])
    name = groups[6].strip()
    if groups[3] is None:
        return [first], name
    if not ranges:
        raise ValidationError(gettext("write each adjusted workday on its own line."))
    last = _date(*groups[3:6])
    if last < first:
        raise ValidationError(gettext("the range ends before it starts."))
    if (last - first).days >= _RANGE_MAX_DAYS:
        raise ValidationError(gettext("a range is at most %(max)d days.") % {"max": _RANGE_MAX_DAYS})
    span = [first + datetime.timedelta(days=i) for i in range((last - first).days + 1)]
    weekdays = [day for day in span if day.weekday() < 5]
    if not weekdays:
        raise ValidationError(gettext("the range has only Saturdays and Sundays, which are days off anyway."))
    return weekdays, name


def _date(year: str, month: str, day: str) -> datetime.date:
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        raise ValidationError(
            gettext("%(date)s is not a date.") % {"date": f"{year}-{month}-{day}"}
        ) from None


def _line_error(number: int, line: str, problem: str) -> str:
    return gettext("Line %(number)d “%(line)s”: %(problem)s") % {
        "number": number,
        "line": line[:60],
        "problem": problem,
    }


# -- the audit trail's filters (/audit/) -------------------------------------------------------------------

COMPANY_CHOICE = "company"
_ADDRESS_CHARS = re.compile(r"^[0-9A-Fa-f.:]+$")


class AuditFilterForm(forms.Form):
    """The audit trail's filters (GET). The staff member is typed (login name or full name) and matched
    among the accounts themselves: an unknown name simply finds no entry, so the filter tells nobody
    whether an account exists. The address is a whole address or its start (e.g. 192.168.1.)."""

    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_filter_year],
    )  # fmt: skip
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_filter_year],  # the trail asks for the day after it
    )  # fmt: skip
    kind = forms.ChoiceField(label=pgettext_lazy("audit", "Action"), required=False)
    staff = forms.CharField(
        label=_("Staff member"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Name or login name"), "autocomplete": "off"}),
    )
    community = forms.ChoiceField(label=_("Community"), required=False)
    address = forms.CharField(
        label=_("From address"),
        max_length=45,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "192.168.1."}),
    )

    def __init__(self, *args, kind_choices, communities, company: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kind_choices
        choices = [("", gettext("All communities"))]
        if company:
            choices.append((COMPANY_CHOICE, gettext("Company level (no community)")))
        choices += [(str(c.pk), c.name) for c in communities]
        self.fields["community"].choices = choices

    def clean_address(self):
        address = self.cleaned_data["address"].strip()
        if address and not _ADDRESS_CHARS.match(address):
            raise ValidationError(gettext("Type an IP address, or its beginning."))
        return address

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", gettext("The end date is before the start date."))
        return cleaned
