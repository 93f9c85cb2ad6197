"""Survey round forms: validation only; surveys.rounds does the saving and keeps the rules (STYLE.md 11).

The rules with a reason to give (one round per period, the month of sending, the calendar, which
cells of the paper grid are wrong) are the service's: its message is shown as it is.
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from propsvc.concurrency import VersionedFormMixin
from propsvc.models import Community
from surveys.forms import CommunityChoiceField
from surveys.models import SUGGESTION_MAX, Answer, QuestionnaireTemplate, SurveyRound
from surveys.rounds import PaperRow, suggestion_topic_choices

YEAR_FIELD = {"min_value": 2000, "max_value": 2100}


class RoundFilterForm(forms.Form):
    """The list's filters (GET)."""

    community = CommunityChoiceField(
        label=_("Community"), queryset=Community.objects.none(), required=False, empty_label=_("All")
    )
    year = forms.IntegerField(label=_("Year"), required=False, **YEAR_FIELD)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *SurveyRound.Status.choices], required=False
    )

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = Community.objects.filter(pk__in=[c.pk for c in communities])
        if len(communities) < 2:
            self.fields["community"].widget = forms.HiddenInput()


class TemplateChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class RoundForm(forms.Form):
    """A new round (R-SUR-1): the community, June or December of a year, the questionnaire."""

    community = CommunityChoiceField(label=_("Community"), queryset=Community.objects.none())
    year = forms.IntegerField(label=_("Year"), **YEAR_FIELD)
    period = forms.TypedChoiceField(
        label=_("Survey month"), choices=SurveyRound.Period.choices, coerce=int, widget=forms.RadioSelect,
        help_text=_("Questionnaires go out twice a year, in June and in December."),
    )  # fmt: skip
    template = TemplateChoiceField(
        label=_("Questionnaire template"), queryset=QuestionnaireTemplate.objects.none(),
        help_text=_("Its items are copied into the round: later changes to the template do not change it."),
    )  # fmt: skip

    def __init__(self, *args, communities, templates, **kwargs):
        super().__init__(*args, **kwargs)
        ids = [c.pk for c in communities]
        self.fields["community"].queryset = Community.objects.filter(pk__in=ids).order_by("name")
        self.fields["template"].queryset = templates
        if not self.is_bound:
            today = timezone.localdate()
            self.initial.setdefault("year", today.year)
            self.initial.setdefault("period", 6 if today.month <= 6 else 12)
            if len(ids) == 1:
                self.initial.setdefault("community", ids[0])
            default = templates.filter(is_default=True).values_list("pk", flat=True).first()
            if default is not None:
                self.initial.setdefault("template", default)

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "community_id": data["community"].pk,
            "year": data["year"],
            "period": data["period"],
            "template_id": data["template"].pk,
        }


class SendForm(forms.Form):
    """发放: the day the questionnaires went out (default today)."""

    sent_on = forms.DateField(
        label=_("Sent on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("A day of the round's month. The 15 working days of collection count from the next day."),
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("sent_on", timezone.localdate())

    def clean_sent_on(self):
        value = self.cleaned_data["sent_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The day of sending cannot be in the future."), code="future")
        return value


class CloseForm(forms.Form):
    """回收结束: a confirmation, nothing to fill in."""

    confirm = forms.BooleanField(
        label=_("Close the collection now: the online links stop working (paper forms collected in the "
                "window can still be entered)."),
        error_messages={"required": _("Tick the box to confirm.")},
    )  # fmt: skip


# -- the paper grid (R-SUR-1, R-SUR-5) ---------------------------------------------------------------------


def cell_name(questionnaire_id: int, key: str) -> str:
    return f"q{questionnaire_id}-{key}"


def paper_rows(data, *, questionnaire_ids: list[int], item_keys: list[str]) -> list[PaperRow]:
    """The grid's POST as rows: the cells of each questionnaire on the page, as typed (the service
    checks every one). The "clear" button of a row posts its id: that row is emptied."""
    clear = {value for value in data.getlist("clear") if value.isdigit()}
    rows = []
    for qid in questionnaire_ids:
        rows.append(
            PaperRow(
                questionnaire_id=qid,
                codes={key: data.get(cell_name(qid, key), "")[:10] for key in item_keys},
                suggestion=data.get(cell_name(qid, "suggestion"), "")[: SUGGESTION_MAX + 1],
                suggestion_topic=data.get(cell_name(qid, "topic"), "")[:40],
                clear=str(qid) in clear,
            )
        )
    return rows


def page_ids(data) -> list[int]:
    """The questionnaires the grid page posted (hidden "q" fields), each once."""
    seen: list[int] = []
    for value in data.getlist("q"):
        if value.isdigit() and int(value) < 2**63 and int(value) not in seen:  # beyond a bigint: no id
            seen.append(int(value))
    return seen


# -- the online answer (R-SUR-1) ------------------------------------------------------------------------


class OnlineAnswerForm(forms.Form):
    """The household's answer: one of three per item (or none), a suggestion and what it is about."""

    def __init__(self, *args, survey_round: SurveyRound, **kwargs):
        super().__init__(*args, **kwargs)
        self.item_fields = []
        for item, label in zip(survey_round.items, survey_round.item_labels, strict=True):
            name = f"item-{item['key']}"
            self.fields[name] = forms.ChoiceField(
                label=label, choices=Answer.choices, required=False, widget=forms.RadioSelect
            )
            self.item_fields.append(name)
        self.fields["suggestion"] = forms.CharField(
            label=_("Your suggestions (optional)"), required=False, max_length=SUGGESTION_MAX,
            widget=forms.Textarea(attrs={"rows": 4, "maxlength": SUGGESTION_MAX}),
        )  # fmt: skip
        self.fields["suggestion_topic"] = forms.ChoiceField(
            label=pgettext_lazy("questionnaire", "Your suggestion is about"),
            choices=[("", "—"), *suggestion_topic_choices(survey_round)],
            required=False,
        )
        self.survey_round = survey_round

    def items(self):
        return [self[name] for name in self.item_fields]

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "answers": {item["key"]: data.get(f"item-{item['key']}", "") for item in self.survey_round.items},
            "suggestion": data.get("suggestion", ""),
            "suggestion_topic": data.get("suggestion_topic", ""),
        }


# -- the questionnaire templates -------------------------------------------------------------------------


class TemplateForm(VersionedFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    items = forms.CharField(
        label=_("Items"), widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("One item per line, in the order of the questionnaire, e.g. “秩序维护（安全）”."),
    )  # fmt: skip
    is_default = forms.BooleanField(label=_("Used for new rounds (the default)"), required=False)
    is_active = forms.BooleanField(
        label=_("In use"), required=False, initial=True,
        help_text=_("A questionnaire out of use cannot be chosen for a new round; rounds already "
                    "created keep their items."),
    )  # fmt: skip

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "lines": data["items"].splitlines(),
            "is_default": data["is_default"],
            "is_active": data["is_active"],
        }
