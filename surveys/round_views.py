"""Satisfaction survey round pages (R-SUR-1): the list, a new round, the round with its coverage and
next steps, the paper returns grid, the printed questionnaires, the owner's online answer by its
link (public), and the company's questionnaire templates."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from propsvc.concurrency import version_of
from propsvc.roles import Perm
from surveys import round_forms as forms
from surveys import round_selectors as selectors
from surveys import rounds as services
from surveys.models import SUGGESTION_MAX, SurveyRound
from surveys.services import SurveyError
from surveys.views import PAGE_SIZE, _communities_with

Status = SurveyRound.Status


def _round(request, pk: int, perm: str = Perm.VIEW_SURVEYS) -> SurveyRound:
    """The round through the user's scope (another community's is a 404), then the permission in its
    community (403)."""
    survey_round = selectors.survey_round_get_for_user(user=request.user, pk=pk)
    if not request.user.has_perm(perm, survey_round):
        raise PermissionDenied
    return survey_round


# -- the list and a new round -----------------------------------------------------------------------------


@login_required
@permission_required(Perm.VIEW_SURVEYS, raise_exception=True)
@require_GET
def round_list(request: HttpRequest) -> HttpResponse:
    allowed = _communities_with(request, Perm.VIEW_SURVEYS)
    form = forms.RoundFilterForm(request.GET or None, communities=allowed)
    data = form.cleaned_data if form.is_valid() else {}
    chosen = data.get("community")
    filters = selectors.RoundFilter(
        communities=[chosen.pk] if chosen else [c.pk for c in allowed],
        year=data.get("year"),
        status=data.get("status", ""),
    )
    rounds = selectors.survey_round_list(user=request.user, filters=filters)
    page = Paginator(rounds, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "surveys/rounds/list.html#results" if request.htmx else "surveys/rounds/list.html"
    may_create = bool(_communities_with(request, Perm.RUN_SURVEY))
    return render(request, template, {"form": form, "page": page, "may_create": may_create})


@login_required
@permission_required(Perm.RUN_SURVEY, raise_exception=True)
@require_http_methods(["GET", "POST"])
def round_new(request: HttpRequest) -> HttpResponse:
    """R-SUR-1: a new round of June or December for a community the user runs surveys in."""
    communities = _communities_with(request, Perm.RUN_SURVEY)
    if not communities:
        raise PermissionDenied
    templates = selectors.questionnaire_template_choices()
    form = forms.RoundForm(request.POST or None, communities=communities, templates=templates)
    if request.method == "POST" and form.is_valid():
        try:
            survey_round = services.survey_round_create(by=request.user, **form.service_fields())
        except SurveyError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The round was created: check the delivery list, then send it."))
            return redirect(survey_round)
    return render(request, "surveys/rounds/new.html", {"form": form}, status=400 if form.is_bound else 200)


# -- the round and its next steps ----------------------------------------------------------------------------


@dataclass
class Action:
    """One step on the round page: its form, the service it calls and the status it is offered in."""

    name: str
    form: type
    service: Callable
    success: str
    title: str
    button: str
    status: str


ACTIONS = {
    a.name: a
    for a in [
        Action(
            "round-send", forms.SendForm, services.survey_round_send,
            gettext_lazy("The questionnaires were sent: the delivery list is ready to print."),
            gettext_lazy("Send the questionnaires (发放)"), gettext_lazy("Send"), Status.DRAFT,
        ),
        Action(
            "round-close", forms.CloseForm, services.survey_round_close,
            gettext_lazy("The collection was closed."),
            gettext_lazy("Close the collection (回收结束)"), gettext_lazy("Close the collection"),
            Status.COLLECTING,
        ),
    ]
}  # fmt: skip


def _detail(request, survey_round: SurveyRound, *, status: int = 200, bound=None) -> HttpResponse:
    may_run = services.may_run(request.user, survey_round)
    actions = []
    for action in ACTIONS.values():
        if may_run and survey_round.status == action.status:
            form = (
                bound
                if bound is not None and bound.prefix == action.name
                else action.form(prefix=action.name)
            )
            actions.append({"action": action, "form": form})
    ctx = {
        "round": survey_round,
        **selectors.round_parts(survey_round=survey_round),
        "actions": actions,
        "open_action": bound.prefix if bound is not None else "",
        "may_run": may_run,
        "may_enter": may_run and survey_round.status in (Status.COLLECTING, Status.CLOSED),
        "Status": Status,
    }
    return render(request, "surveys/rounds/detail.html", ctx, status=status)


@login_required
@permission_required(Perm.VIEW_SURVEYS, raise_exception=True)
@require_GET
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _round(request, pk))


def _act(request, pk: int, action: Action) -> HttpResponse:
    """The shared shape of a round step: validate, call one service, PRG or re-render."""
    survey_round = _round(request, pk, Perm.RUN_SURVEY)
    form = action.form(request.POST, prefix=action.name)
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "confirm"}
        try:
            action.service(round_id=survey_round.pk, by=request.user, **data)
        except SurveyError as exc:
            if survey_round.status != action.status:
                messages.error(request, str(exc))  # the step is no longer on the page: say it at the top
            form.add_error(None, str(exc))
        else:
            messages.success(request, str(action.success))
            return redirect(survey_round)
    return _detail(request, survey_round, status=400, bound=form)


def action_view(action: Action):
    @login_required
    @permission_required(Perm.RUN_SURVEY, raise_exception=True)
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        return _act(request, pk, action)

    view.__name__ = action.name.replace("-", "_")
    return view


round_send = action_view(ACTIONS["round-send"])
round_close = action_view(ACTIONS["round-close"])


# -- the paper returns grid (R-SUR-1, R-SUR-5) ---------------------------------------------------------


def _entrance(entrances, key: str):
    return next((e for e in entrances if e.key == key), entrances[0] if entrances else None)


@login_required
@permission_required(Perm.RUN_SURVEY, raise_exception=True)
@require_http_methods(["GET", "POST"])
def round_grid(request: HttpRequest, pk: int) -> HttpResponse:
    """One page per entrance: a row per unit, a cell per item (codes 1/2/3/0), the suggestion."""
    survey_round = _round(request, pk, Perm.RUN_SURVEY)
    entrances = selectors.round_entrances(survey_round=survey_round)
    entrance = _entrance(entrances, request.POST.get("entrance") or request.GET.get("entrance", ""))
    if entrance is None:
        messages.error(request, _("The questionnaires of this round have not been sent yet."))
        return redirect(survey_round)
    problems, posted = [], None
    if request.method == "POST":
        posted = forms.paper_rows(
            request.POST, questionnaire_ids=forms.page_ids(request.POST), item_keys=survey_round.item_keys
        )
        try:
            result = services.questionnaire_returns_enter(
                round_id=survey_round.pk, by=request.user, rows=posted
            )
        except services.ReturnsRefused as exc:
            problems = exc.problems
        except SurveyError as exc:
            messages.error(request, str(exc))
            return redirect(f"{reverse('surveys:round-grid', args=[pk])}?entrance={entrance.key}")
        else:
            messages.success(
                request,
                _("%(entrance)s saved: %(entered)d entered, %(changed)d corrected, %(cleared)d cleared.")
                % {"entrance": entrance.label, **vars(result)},
            )
            return redirect(f"{reverse('surveys:round-grid', args=[pk])}?entrance={entrance.key}")
    rows = selectors.grid_rows(
        survey_round=survey_round, building_id=entrance.building_id, entrance=entrance.entrance
    )
    ctx = {
        "round": survey_round, "entrances": entrances, "entrance": entrance,
        "rows": _cells(_overlay(rows, posted), survey_round, problems), "problems": problems,
        "legend": services.CODE_LEGEND, "topics": services.suggestion_topic_choices(survey_round),
        "items": list(zip(survey_round.item_keys, survey_round.item_labels, strict=True)),
        "editable": survey_round.status in (Status.COLLECTING, Status.CLOSED),
        "suggestion_max": SUGGESTION_MAX,
    }  # fmt: skip
    return render(request, "surveys/rounds/grid.html", ctx, status=400 if problems else 200)


def _cells(rows, survey_round, problems):
    """Each row's cells for the template: (input name, value, refused?) per item, in item order."""
    bad = {(p.questionnaire_id, p.item_key) for p in problems}
    for row in rows:
        qid = row.questionnaire.pk
        row.cells = [
            (forms.cell_name(qid, key), row.codes.get(key, ""), (qid, key) in bad)
            for key in survey_round.item_keys
        ]
        row.bad_suggestion = (qid, "suggestion") in bad
        row.bad_topic = (qid, "suggestion_topic") in bad
    return rows


def _overlay(rows, posted):
    """After a refused save, the page shows what was typed, not what is stored."""
    if not posted:
        return rows
    typed = {p.questionnaire_id: p for p in posted}
    for row in rows:
        p = typed.get(row.questionnaire.pk)
        if p is not None and not row.is_online:
            row.codes, row.suggestion, row.suggestion_topic = p.codes, p.suggestion, p.suggestion_topic
    return rows


# -- the printed questionnaires ---------------------------------------------------------------------------


@login_required
@permission_required(Perm.RUN_SURVEY, raise_exception=True)
@require_GET
def round_forms(request: HttpRequest, pk: int) -> HttpResponse:
    """A4, one page per unit of an entrance (or of the whole round, ?entrance=all), each with the
    unit's online link and its QR code. Only for those who run the round: the link answers for
    the unit."""
    survey_round = _round(request, pk, Perm.RUN_SURVEY)
    entrances = selectors.round_entrances(survey_round=survey_round)
    key = request.GET.get("entrance", "")
    entrance = None if key == "all" else _entrance(entrances, key)
    if entrance is None and key != "all":
        messages.error(request, _("The questionnaires of this round have not been sent yet."))
        return redirect(survey_round)
    questionnaires = selectors.questionnaire_list_for_entrance(
        survey_round=survey_round,
        building_id=entrance.building_id if entrance else None,
        entrance=entrance.entrance if entrance else None,
    )
    pages = [
        (q, request.build_absolute_uri(reverse("questionnaire-online", args=[q.token])))
        for q in questionnaires
    ]
    ctx = {
        "round": survey_round, "entrances": entrances, "entrance": entrance, "pages": pages,
        "collect_until_text": services.due_text(survey_round.collect_until),
    }  # fmt: skip
    return render(request, "surveys/rounds/forms.html", ctx)


# -- the owner's online answer (public) --------------------------------------------------------------------


def _closed_page(request, questionnaire, refusal, *, method_refused: bool = False) -> HttpResponse:
    status = 410 if refusal.reason == "closed" else (409 if method_refused else 200)
    ctx = {"questionnaire": questionnaire, "refusal": refusal}
    return render(request, "surveys/rounds/online.html", ctx, status=status)


@never_cache
@ensure_csrf_cookie  # public page: it must set the CSRF cookie its form posts back
@require_http_methods(["GET", "POST"])
def questionnaire_online(request: HttpRequest, token: str) -> HttpResponse:
    """R-SUR-1: the household answers by the link (QR code) on its paper form — once, while the
    round is collecting. Nothing about other units is shown."""
    questionnaire = selectors.questionnaire_get_by_token(token=token)
    if request.method == "GET" and request.GET.get("thanks") and questionnaire.is_returned:
        return render(request, "surveys/rounds/online.html", {"questionnaire": questionnaire, "thanks": True})
    refusal = services.online_refusal(questionnaire)
    if refusal is not None:
        return _closed_page(request, questionnaire, refusal, method_refused=request.method == "POST")
    form = forms.OnlineAnswerForm(request.POST or None, survey_round=questionnaire.round)
    if request.method == "POST" and form.is_valid():
        try:
            services.questionnaire_answer_online(token=token, **form.service_fields())
        except services.AnswerRefused as exc:
            return _closed_page(request, questionnaire, exc, method_refused=True)
        except SurveyError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect(reverse("questionnaire-online", args=[token]) + "?thanks=1")
    ctx = {"questionnaire": questionnaire, "form": form}
    return render(request, "surveys/rounds/online.html", ctx, status=400 if form.is_bound else 200)


# -- the questionnaire templates (company level) ------------------------------------------------------------


@login_required
@permission_required(Perm.MANAGE_QUESTIONNAIRE, raise_exception=True)
@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    templates = selectors.questionnaire_template_list()
    return render(request, "surveys/rounds/templates.html", {"templates": templates})


def _template_form(request, template=None) -> HttpResponse:
    initial = {}
    if template is not None:
        initial = {
            "name": template.name, "items": "\n".join(template.item_labels),
            "is_default": template.is_default, "is_active": template.is_active,
        }  # fmt: skip
    version = version_of(template) if template is not None else ""
    form = forms.TemplateForm(request.POST or None, initial=initial, version=version)
    if request.method == "POST" and form.is_valid():
        try:
            if template is None:
                services.questionnaire_template_create(by=request.user, **form.service_fields())
            else:
                version = form.cleaned_data["version"]
                services.questionnaire_template_update(
                    by=request.user, template_id=template.pk, version=version, **form.service_fields()
                )
        except SurveyError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The questionnaire was saved."))
            return redirect("surveys:templates")
    ctx = {"form": form, "template": template}
    return render(request, "surveys/rounds/template_form.html", ctx, status=400 if form.is_bound else 200)


@login_required
@permission_required(Perm.MANAGE_QUESTIONNAIRE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def template_new(request: HttpRequest) -> HttpResponse:
    return _template_form(request)


@login_required
@permission_required(Perm.MANAGE_QUESTIONNAIRE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _template_form(request, selectors.questionnaire_template_get(pk=pk))
