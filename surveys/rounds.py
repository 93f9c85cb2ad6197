"""Every state change of a satisfaction survey round up to the end of collection (DOMAIN.md R-SUR-1,
R-SUR-5, R-SUR-7, R-TIME-1), and of the company's questionnaire templates.

A round (SurveyRound) is created for one community and one period (June or December, R-SUR-1), sent
(发放: the delivery list, one Questionnaire per occupied unit, and three ledger deadlines counted in
working days from the day of sending), collected on paper (the keyboard grid) and online (the unit's
link, printed as a QR code on its form), and closed — by hand, or by beat once its 15 working days
are over. The statistics and the publication (status reported, published) are
surveys.round_report's.

One function per action, in one transaction, the round row locked: it checks who acts and the
rule, writes the rows, the round's timeline (SurveyEvent) and the ledger (propsvc.Deadline), and
notifies; anything refused raises surveys.services.SurveyError and writes nothing.
"""

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from archives.models import Unit
from propsvc.concurrency import ensure_fresh
from propsvc.models import Community, Department
from propsvc.roles import Perm, Role
from propsvc.services import audit_write, deadline_meet, deadline_open, notification_send
from propsvc.workdays import CalendarMissing, working_deadline
from surveys.models import (
    COLLECTION_WORKING_DAYS,
    ITEM_KEY_MAX,
    ITEM_LABEL_MAX,
    KIND_COLLECTION,
    KIND_PUBLICATION,
    KIND_STATISTICS,
    PUBLICATION_WORKING_DAYS,
    STATISTICS_WORKING_DAYS,
    SUGGESTION_MAX,
    Answer,
    Questionnaire,
    QuestionnaireTemplate,
    SurveyEvent,
    SurveyRound,
    Topic,
    item_label,
)
from surveys.services import SurveyError, _holders

Status = SurveyRound.Status
Channel = Questionnaire.Channel

# The reminders before each ledger deadline: the day before the collection closes, three days
# before the statistics table and the publication are due.
COLLECTION_WARN_BEFORE = timedelta(days=1)
REPORT_WARN_BEFORE = timedelta(days=3)
TOKEN_BYTES = 24  # secrets.token_urlsafe(24) is 32 characters: Questionnaire.token's max_length
TEMPLATE_ITEMS_MAX = 30

# What a free suggestion may be about besides the round's items (R-SUR-7: the owners' main needs).
SUGGESTION_TOPICS = (Topic.DIFFICULTIES, Topic.OTHER)

# The paper grid's codes (one per cell): what the owner ticked for the item (R-SUR-5: several
# ticks or none is an abstention; "0" stands for several, written as two ticks).
CODE_ANSWERS = {
    "1": [Answer.SATISFIED.value],
    "2": [Answer.BASIC.value],
    "3": [Answer.DISSATISFIED.value],
    "0": [Answer.SATISFIED.value, Answer.DISSATISFIED.value],
}
CODE_LEGEND = (
    ("1", Answer.SATISFIED.label),
    ("2", Answer.BASIC.label),
    ("3", Answer.DISSATISFIED.label),
    ("0", gettext_lazy("Several ticked (abstention)")),
    ("", gettext_lazy("Empty: left blank (abstention)")),
)

# The round's timeline as the detail page names it (the statistics and publication events are
# written by surveys.round_report; unknown kinds show as they are).
EVENT_LABELS = {
    "round.created": gettext_lazy("Round created"),
    "round.sent": pgettext_lazy("survey event", "Questionnaires sent"),
    "round.returns_entered": gettext_lazy("Paper returns entered"),
    "round.closed": gettext_lazy("Collection closed"),
    "round.reported": gettext_lazy("Statistics finished"),
    "round.published": gettext_lazy("Measures published"),
    "round.quality_copy": gettext_lazy("Copy sent to the quality department"),
}


def answers_code(ticks) -> str:
    """The grid's code of an item's stored answers: "" blank, "0" several, else 1/2/3."""
    ticks = list(ticks or ())
    if not ticks:
        return ""
    if len(ticks) > 1:
        return "0"
    for code, answers in CODE_ANSWERS.items():
        if answers == ticks:
            return code
    return "0"


# -- who may act ----------------------------------------------------------------------------------------


def may_run(user, obj) -> bool:
    """obj: a Community or a SurveyRound — the permission is asked in its community."""
    return user.has_perm(Perm.RUN_SURVEY, obj)


def may_view(user, obj) -> bool:
    return user.has_perm(Perm.VIEW_SURVEYS, obj)


def may_manage_templates(user) -> bool:
    return user.has_perm(Perm.MANAGE_QUESTIONNAIRE)


def _ensure(allowed: bool, message: str) -> None:
    if not allowed:
        raise SurveyError(message)


def _not_yours(community) -> str:
    return _("You may not run satisfaction surveys in %(community)s.") % {"community": community.name}


# -- helpers ------------------------------------------------------------------------------------------


def _event(*, survey_round: SurveyRound, kind: str, by, from_status="", to_status="", note="", **data):
    SurveyEvent.objects.create(
        community_id=survey_round.community_id,
        round=survey_round,
        kind=kind,
        actor=by,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data,
    )


def round_title(survey_round: SurveyRound, community: Community) -> str:
    return _("Satisfaction survey %(year)d-%(month)02d · %(community)s") % {
        "year": survey_round.year,
        "month": survey_round.period,
        "community": community.name,
    }


def _lock_round(round_id: int) -> SurveyRound:
    qs = SurveyRound.objects.select_for_update(of=("self",)).select_related("community")
    return qs.get(pk=round_id)


def _cannot_become(survey_round: SurveyRound, new: str) -> SurveyError:
    return SurveyError(
        _("This round is “%(status)s”; it cannot become “%(new)s”.")
        % {"status": survey_round.get_status_display(), "new": Status(new).label}
    )


def _move(survey_round: SurveyRound, new: str, *, kind: str, by, note: str = "", **data) -> None:
    if not survey_round.can_become(new):
        raise _cannot_become(survey_round, new)
    old = survey_round.status
    survey_round.status = new
    _event(survey_round=survey_round, kind=kind, by=by, from_status=old, to_status=new, note=note, **data)


def day_start(day: date) -> datetime:
    """00:00 of a day in Asia/Shanghai: the moment a period counted from that day starts from."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def round_deadlines(sent_on: date) -> tuple[datetime, datetime, datetime]:
    """R-SUR-1, R-SUR-7, R-TIME-1: collection closes at 24:00 of the 15th working day after the day
    of sending; the statistics table and the publication are due at 24:00 of the 30th. The day of
    sending is not counted. Raises CalendarMissing when a year's schedule is missing."""
    start = day_start(sent_on)
    return (
        working_deadline(start, COLLECTION_WORKING_DAYS),
        working_deadline(start, STATISTICS_WORKING_DAYS),
        working_deadline(start, PUBLICATION_WORKING_DAYS),
    )


def is_collecting(survey_round: SurveyRound, *, now: datetime | None = None) -> bool:
    """Whether owners may still answer online: the round is collecting and its window is open."""
    now = now or timezone.now()
    return (
        survey_round.status == Status.COLLECTING
        and survey_round.collect_until is not None
        and now < survey_round.collect_until
    )


# -- a round: create, send, close (R-SUR-1) -------------------------------------------------------------


@transaction.atomic
def survey_round_create(
    *, by, community_id: int, year: int, period: int, template_id: int | None = None
) -> SurveyRound:
    """R-SUR-1: prepare a community's questionnaire round of June or December of a year.

    The items are copied from the template (the default one when none is chosen): changing the
    template later never changes this round. One round per community and period; a second is
    refused naming the first.
    """
    community = Community.objects.select_for_update().get(pk=community_id)
    _ensure(may_run(by, community), _not_yours(community))
    if period not in SurveyRound.Period.values:
        raise SurveyError(_("Questionnaires go out in June and December: choose one of them."))
    if not 2000 <= year <= 2100:
        raise SurveyError(_("Enter the year of the round."))
    templates = QuestionnaireTemplate.objects.filter(is_active=True)
    template = (
        templates.filter(pk=template_id).first() if template_id else templates.filter(is_default=True).first()
    )
    if template is None:
        raise SurveyError(_("Choose a questionnaire template in use."))
    if not template.items:
        raise SurveyError(_("The questionnaire template has no items."))
    existing = SurveyRound.objects.filter(community=community, year=year, period=period).first()
    if existing is not None:
        raise SurveyError(
            _("%(community)s already has the round of %(year)d-%(month)02d (%(number)s): there is one round "
              "per community in June and in December.")
            % {"community": community.name, "year": year, "month": period, "number": existing.number}
        )  # fmt: skip
    survey_round = SurveyRound.objects.create(
        community=community,
        year=year,
        period=period,
        template=template,
        items=[{"key": item["key"], "label": item.get("label", "")} for item in template.items],
        created_by=by,
    )
    _event(
        survey_round=survey_round, kind="round.created", by=by, to_status=survey_round.status,
        template=template.pk, items=len(survey_round.items),
    )  # fmt: skip
    return survey_round


def delivery_units(community_id: int):
    """R-SUR-1: the delivery list — every occupied unit (自住 or 出租) of the community."""
    return Unit.objects.filter(community_id=community_id, use__in=Unit.LIVED_IN)


def _new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


@transaction.atomic
def survey_round_send(*, round_id: int, by, sent_on: date) -> SurveyRound:
    """R-SUR-1, R-SUR-7, R-TIME-1: send the questionnaires (发放).

    The day of sending lies in the round's own month and year and not in the future. The delivery
    list is built from the register as it stands: one questionnaire, with its own secret online
    link (token), per occupied unit; a community with no occupied unit cannot be surveyed. The
    collection closes at 24:00 of the 15th working day after that day; the statistics table and
    the publication of the measures are due at 24:00 of the 30th — three ledger rows on the
    community's first customer service supervisor (or its 客服部), escalated to the CS center
    manager. When the working-day calendar lacks a year those dates reach, nothing is sent: the
    system administrator must enter that year's holiday schedule first.
    """
    survey_round = _lock_round(round_id)
    community = survey_round.community
    _ensure(may_run(by, survey_round), _not_yours(community))
    if not survey_round.can_become(Status.COLLECTING):
        raise SurveyError(_("The questionnaires of this round have already been sent."))
    if sent_on > timezone.localdate():
        raise SurveyError(_("The day of sending cannot be in the future."))
    if (sent_on.year, sent_on.month) != (survey_round.year, survey_round.period):
        raise SurveyError(
            _("The questionnaires of the round %(year)d-%(month)02d go out in that month: choose a day "
              "between %(year)d-%(month)02d-01 and the end of the month.")
            % {"year": survey_round.year, "month": survey_round.period}
        )  # fmt: skip
    try:
        collect_until, statistics_due, publication_due = round_deadlines(sent_on)
    except CalendarMissing as exc:
        raise SurveyError(
            _("The questionnaires cannot be sent yet: the collection window and the deadlines reach "
              "%(year)d, whose working-day calendar has not been entered. The system administrator "
              "must enter the official holiday schedule for %(year)d first.") % {"year": exc.year}
        ) from exc  # fmt: skip
    units = list(delivery_units(community.pk).order_by("pk").values_list("pk", flat=True))
    if not units:
        raise SurveyError(
            _("%(community)s has no occupied unit in the register: there is nobody to send questionnaires "
              "to.") % {"community": community.name}
        )  # fmt: skip
    Questionnaire.objects.bulk_create(
        [
            Questionnaire(community=community, round=survey_round, unit_id=unit_id, token=_new_token())
            for unit_id in units
        ],
        batch_size=1000,
    )
    survey_round.sent_on, survey_round.sent_by = sent_on, by
    survey_round.collect_until = collect_until
    survey_round.statistics_due, survey_round.publication_due = statistics_due, publication_due
    _move(
        survey_round, Status.COLLECTING, kind="round.sent", by=by, sent=len(units),
        sent_on=f"{sent_on:%Y-%m-%d}",
    )  # fmt: skip
    survey_round.save()
    _open_deadlines(survey_round, community)
    return survey_round


def _open_deadlines(survey_round: SurveyRound, community: Community) -> None:
    supervisors = _holders(Role.CS_SUPERVISOR, community.pk)
    department = None
    if not supervisors:
        department = Department.objects.filter(
            community=community, kind=Department.Kind.CUSTOMER_SERVICE
        ).first()
    title = round_title(survey_round, community)
    rows = (
        (KIND_COLLECTION, _("%(title)s: collect the questionnaires"), survey_round.collect_until,
         COLLECTION_WARN_BEFORE),
        (KIND_STATISTICS, _("%(title)s: finish the survey statistics table"), survey_round.statistics_due,
         REPORT_WARN_BEFORE),
        (KIND_PUBLICATION, _("%(title)s: publish the measures on the bulletin board"),
         survey_round.publication_due, REPORT_WARN_BEFORE),
    )  # fmt: skip
    for kind, text, due_at, warn_before in rows:
        deadline_open(
            case=survey_round,
            community=community,
            kind=kind,
            title=text % {"title": title},
            link=survey_round.get_absolute_url(),
            due_at=due_at,
            responsible_user=supervisors[0] if supervisors else None,
            responsible_department=department,
            escalate_role=Role.CS_MANAGER,
            warn_before=warn_before,
        )


def _close(survey_round: SurveyRound, *, by, at: datetime) -> SurveyRound:
    _move(survey_round, Status.CLOSED, kind="round.closed", by=by, automatic=by is None)
    survey_round.closed_at = at
    survey_round.save(update_fields=["status", "closed_at", "updated_at"])
    deadline_meet(case=survey_round, kind=KIND_COLLECTION, by=by, at=at)
    counts = Questionnaire.objects.filter(round=survey_round).aggregate(
        sent=Count("pk"), returned=Count("pk", filter=Q(returned_at__isnull=False))
    )
    community = survey_round.community
    notification_send(
        recipients=_holders(Role.CS_SUPERVISOR, community.pk) or _holders(Role.CS_MANAGER, community.pk),
        text=_("%(title)s: collection closed, %(returned)d of %(sent)d questionnaires returned. The survey "
               "statistics table is due by %(due)s.") % {
            "title": round_title(survey_round, community), "returned": counts["returned"],
            "sent": counts["sent"], "due": due_text(survey_round.statistics_due),
        },
        link=survey_round.get_absolute_url(),
    )  # fmt: skip
    return survey_round


def due_text(moment: datetime | None) -> str:
    """A deadline at 24:00 as people write it: the last day ("2026-12-31 24:00")."""
    if moment is None:
        return "—"
    local = timezone.localtime(moment)
    if local.time() == time.min:
        return f"{local.date() - timedelta(days=1):%Y-%m-%d} 24:00"
    return f"{local:%Y-%m-%d %H:%M}"


@transaction.atomic
def survey_round_close(*, round_id: int, by) -> SurveyRound:
    """R-SUR-1: close the collection by hand (回收结束), e.g. once every questionnaire is back; the
    collection deadline is met now. Paper forms collected in the window may still be entered
    afterwards; the online links stop working at once."""
    survey_round = _lock_round(round_id)
    _ensure(may_run(by, survey_round), _not_yours(survey_round.community))
    if survey_round.status != Status.COLLECTING:
        raise SurveyError(_("This round is not collecting questionnaires; there is nothing to close."))
    return _close(survey_round, by=by, at=timezone.now())


@transaction.atomic
def survey_round_close_due(*, round_id: int, now: datetime | None = None) -> bool:
    """R-SUR-1: close one round whose 15 working days are over (beat); the collection deadline is
    met at the moment the window closed. Idempotent: a round already closed, or whose window is
    still open, is left as it is (False)."""
    now = now or timezone.now()
    survey_round = _lock_round(round_id)
    if survey_round.status != Status.COLLECTING or survey_round.collect_until > now:
        return False
    _close(survey_round, by=None, at=survey_round.collect_until)
    return True


def survey_rounds_close_due(*, now: datetime | None = None) -> list[int]:
    """Beat: every round still collecting after its window, each in its own transaction (one failure
    does not hold back the others). Returns the ids closed now."""
    now = now or timezone.now()
    due = SurveyRound.objects.filter(status=Status.COLLECTING, collect_until__lte=now)
    closed = []
    with translation.override(settings.LANGUAGE_CODE):
        for round_id in due.order_by("collect_until", "pk").values_list("pk", flat=True):
            if survey_round_close_due(round_id=round_id, now=now):
                closed.append(round_id)
    return closed


# -- the paper returns (R-SUR-1, R-SUR-5) --------------------------------------------------------------


@dataclass(frozen=True)
class PaperRow:
    """One row of the grid as typed: the questionnaire, a code per item ("" blank), the suggestion
    and what it is about. `clear` empties the row (the form was not returned after all)."""

    questionnaire_id: int
    codes: dict = field(default_factory=dict)
    suggestion: str = ""
    suggestion_topic: str = ""
    clear: bool = False

    @property
    def is_filled(self) -> bool:
        return not self.clear and (
            any((c or "").strip() for c in self.codes.values()) or bool(self.suggestion.strip())
        )


@dataclass(frozen=True)
class CellProblem:
    questionnaire_id: int
    item_key: str  # "" for the suggestion cells
    message: str


class ReturnsRefused(SurveyError):
    """The grid has wrong cells: `problems` names each (unit, item); nothing was saved."""

    def __init__(self, problems: list[CellProblem]):
        self.problems = problems
        super().__init__(" ".join(p.message for p in problems))


@dataclass(frozen=True)
class ReturnsResult:
    entered: int = 0  # returned now
    changed: int = 0  # returned before on paper, corrected now
    cleared: int = 0  # returned before on paper, not returned after all
    skipped_online: int = 0  # answered online: never overwritten by paper


def suggestion_topic_choices(survey_round: SurveyRound) -> list[tuple[str, str]]:
    """What a suggestion may be about: the round's items, special difficulties and needs, other."""
    labels = dict(Topic.choices)
    return [(item["key"], item_label(item)) for item in survey_round.items] + [
        (topic.value, str(labels[topic])) for topic in SUGGESTION_TOPICS
    ]


def _row_problems(row: PaperRow, questionnaire: Questionnaire, survey_round: SurveyRound, topics) -> list:
    problems = []
    where = questionnaire.unit.label
    for item in survey_round.items:
        code = (row.codes.get(item["key"]) or "").strip()
        if code and code not in CODE_ANSWERS:
            problems.append(
                CellProblem(
                    questionnaire.pk, item["key"],
                    _("%(unit)s, “%(item)s”: “%(code)s” is not a code; type 1, 2, 3 or 0, or leave it empty.")
                    % {"unit": where, "item": item_label(item), "code": code[:10]},
                )
            )  # fmt: skip
    if len(row.suggestion.strip()) > SUGGESTION_MAX:
        problems.append(
            CellProblem(
                questionnaire.pk, "suggestion",
                _("%(unit)s: the suggestion is longer than %(max)d characters.")
                % {"unit": where, "max": SUGGESTION_MAX},
            )
        )  # fmt: skip
    if row.suggestion_topic and row.suggestion_topic not in topics:
        problems.append(
            CellProblem(
                questionnaire.pk, "suggestion_topic",
                _("%(unit)s: choose what the suggestion is about from the list.") % {"unit": where},
            )
        )  # fmt: skip
    if row.suggestion_topic and not row.suggestion.strip() and row.is_filled:
        problems.append(
            CellProblem(
                questionnaire.pk, "suggestion",
                _("%(unit)s: a topic is chosen but the suggestion is empty.") % {"unit": where},
            )
        )  # fmt: skip
    return problems


def _paper_answers(row: PaperRow, survey_round: SurveyRound) -> dict:
    answers = {}
    for key in survey_round.item_keys:
        code = (row.codes.get(key) or "").strip()
        answers[key] = list(CODE_ANSWERS[code]) if code else []
    return answers


@transaction.atomic
def questionnaire_returns_enter(*, round_id: int, by, rows: list[PaperRow]) -> ReturnsResult:
    """R-SUR-1, R-SUR-5: enter the paper questionnaires of one page of the grid (an entrance).

    Each row is one unit's form: a code per item (1 satisfied, 2 basically satisfied, 3
    dissatisfied, 0 several ticked — stored as two ticks — empty left blank), a suggestion and what
    it is about. A row with anything filled in is returned on paper (entered by, returned at: the
    first entry); an empty or cleared row is not returned. Every cell is checked first: one wrong
    cell and nothing is saved, each problem named by unit and item. A form answered online is never
    overwritten by paper. Allowed while collecting and after the collection closed (forms collected
    in the window may be typed in later), refused once the statistics are finished.
    """
    survey_round = _lock_round(round_id)
    _ensure(may_run(by, survey_round), _not_yours(survey_round.community))
    if survey_round.status not in (Status.COLLECTING, Status.CLOSED):
        if survey_round.status == Status.DRAFT:
            raise SurveyError(_("The questionnaires of this round have not been sent yet."))
        raise SurveyError(
            _("The statistics of this round are finished: its questionnaires can no longer be changed.")
        )
    ids = [row.questionnaire_id for row in rows]
    questionnaires = {
        q.pk: q
        for q in Questionnaire.objects.select_for_update(of=("self",))
        .filter(round=survey_round, pk__in=ids)
        .select_related("unit__building")
    }
    if len(questionnaires) != len(set(ids)):
        raise SurveyError(_("Some rows do not belong to this round's delivery list; reload the page."))
    topics = {key for key, _label in suggestion_topic_choices(survey_round)}
    problems = []
    for row in rows:
        questionnaire = questionnaires[row.questionnaire_id]
        if questionnaire.channel != Channel.ONLINE and row.is_filled:
            problems += _row_problems(row, questionnaire, survey_round, topics)
    if problems:
        raise ReturnsRefused(problems)
    now = timezone.now()
    counts = {"entered": 0, "changed": 0, "cleared": 0, "skipped_online": 0}
    changed_rows = []
    for row in rows:
        questionnaire = questionnaires[row.questionnaire_id]
        if questionnaire.channel == Channel.ONLINE:
            counts["skipped_online"] += 1
            continue
        if row.is_filled:
            new = {
                "answers": _paper_answers(row, survey_round),
                "suggestion": row.suggestion.strip(),
                "suggestion_topic": row.suggestion_topic if row.suggestion.strip() else "",
            }
            old = {k: getattr(questionnaire, k) for k in new}
            if questionnaire.is_returned and old == new:
                continue
            counts["changed" if questionnaire.is_returned else "entered"] += 1
            for name, value in new.items():
                setattr(questionnaire, name, value)
            questionnaire.returned_at = questionnaire.returned_at or now
            questionnaire.channel = Channel.PAPER
            questionnaire.entered_by = by
        elif questionnaire.is_returned:
            counts["cleared"] += 1
            questionnaire.answers, questionnaire.suggestion, questionnaire.suggestion_topic = {}, "", ""
            questionnaire.returned_at, questionnaire.channel, questionnaire.entered_by = None, "", None
        else:
            continue
        changed_rows.append(questionnaire)
    if changed_rows:
        Questionnaire.objects.bulk_update(
            changed_rows,
            ["answers", "suggestion", "suggestion_topic", "returned_at", "channel", "entered_by"],
        )
    if counts["entered"] or counts["changed"] or counts["cleared"]:
        _event(survey_round=survey_round, kind="round.returns_entered", by=by, **counts)
    return ReturnsResult(**counts)


# -- the online answer (R-SUR-1) -------------------------------------------------------------------------


class AnswerRefused(SurveyError):
    """The online link does not take an answer: `reason` is "answered" or "closed"."""

    def __init__(self, reason: str, message: str):
        self.reason = reason
        super().__init__(message)


def online_refusal(questionnaire: Questionnaire, *, now: datetime | None = None) -> AnswerRefused | None:
    """Why the unit's link takes no answer now, or None: returned already (one answer per unit, on
    paper or online), or the round no longer collecting / its window over."""
    if questionnaire.is_returned:
        return AnswerRefused("answered", _("This questionnaire has already been answered. Thank you."))
    if not is_collecting(questionnaire.round, now=now):
        return AnswerRefused(
            "closed", _("This satisfaction survey is closed: answers are no longer accepted. Thank you.")
        )
    return None


@transaction.atomic
def questionnaire_answer_online(
    *, token: str, answers: dict, suggestion: str = "", suggestion_topic: str = ""
) -> Questionnaire:
    """R-SUR-1, R-SUR-5: the household answers its questionnaire online, by the link (QR code) on
    its paper form — no login; the secret token is the unit's.

    One answer per unit: the round and then the questionnaire row are locked (the same order as
    the grid), so of two submissions at once only the first counts, and a form already entered
    on paper is never overwritten. Refused once the round is no longer collecting or its window
    is over. Each item takes one of the three answers or none (a blank, R-SUR-5).
    """
    found = Questionnaire.objects.filter(token=token).values_list("pk", "round_id").first()
    if found is None:
        raise SurveyError(_("This questionnaire link is not valid."))
    survey_round = SurveyRound.objects.select_for_update().get(pk=found[1])
    questionnaire = (
        Questionnaire.objects.select_for_update(of=("self",))
        .select_related("round", "unit__building")
        .get(pk=found[0])
    )
    refusal = online_refusal(questionnaire)
    if refusal is not None:
        raise refusal
    stored = {}
    for key in survey_round.item_keys:
        value = answers.get(key) or ""
        if value and value not in Answer.values:
            raise SurveyError(_("Choose one answer per item."))
        stored[key] = [value] if value else []
    suggestion = (suggestion or "").strip()
    if len(suggestion) > SUGGESTION_MAX:
        raise SurveyError(_("A suggestion may have at most %(max)d characters.") % {"max": SUGGESTION_MAX})
    topics = {key for key, _label in suggestion_topic_choices(survey_round)}
    if suggestion_topic and suggestion_topic not in topics:
        raise SurveyError(_("Choose what the suggestion is about from the list."))
    questionnaire.answers = stored
    questionnaire.suggestion = suggestion
    questionnaire.suggestion_topic = suggestion_topic if suggestion else ""
    questionnaire.returned_at = timezone.now()
    questionnaire.channel = Channel.ONLINE
    questionnaire.save(update_fields=["answers", "suggestion", "suggestion_topic", "returned_at", "channel"])
    # No timeline event per answer (hundreds per round, and anonymous): the counts are the record.
    return questionnaire


# -- the questionnaire templates (company level) ----------------------------------------------------------


def template_items_from_lines(lines, *, existing=()) -> list[dict]:
    """The items of a template from its lines, one label per line, in order.

    A line that reads as an item of the template already (its own label, or the translated
    R-VIS-5 topic) keeps that item as it is, key and all — so a template re-saved unchanged keeps
    its keys, and a topic keeps being translated. A new line gets a new key.
    """
    by_label = {item_label(item): item for item in existing}
    topics = {str(label): value for value, label in Topic.choices}
    used = {item["key"] for item in existing}
    items, seen = [], set()
    for raw in lines:
        label = " ".join(raw.split())
        if not label:
            continue
        if len(label) > ITEM_LABEL_MAX:
            raise SurveyError(
                _("“%(label)s…” is longer than %(max)d characters.")
                % {"label": label[:20], "max": ITEM_LABEL_MAX}
            )
        if label in seen:
            raise SurveyError(_("“%(label)s” is listed twice.") % {"label": label})
        seen.add(label)
        if label in by_label:
            item = by_label[label]
            items.append({"key": item["key"], "label": item.get("label", "")})
        elif label in topics and topics[label] not in {i["key"] for i in items}:
            items.append({"key": topics[label], "label": ""})
        else:
            key = f"c{secrets.token_hex(4)}"
            while key in used:
                key = f"c{secrets.token_hex(4)}"
            items.append({"key": key[:ITEM_KEY_MAX], "label": label})
        used.add(items[-1]["key"])
    if not items:
        raise SurveyError(_("Write at least one item, one per line."))
    if len(items) > TEMPLATE_ITEMS_MAX:
        raise SurveyError(_("A questionnaire has at most %(max)d items.") % {"max": TEMPLATE_ITEMS_MAX})
    return items


def _template_write(
    template: QuestionnaireTemplate, *, by, name: str, lines, is_default: bool, is_active: bool
):
    _ensure(may_manage_templates(by), _("Only the quality department edits the questionnaire templates."))
    name = (name or "").strip()
    if not name:
        raise SurveyError(_("Give the questionnaire a name."))
    if QuestionnaireTemplate.objects.filter(name=name).exclude(pk=template.pk).exists():
        raise SurveyError(_("There is already a questionnaire named “%(name)s”.") % {"name": name})
    if is_default and not is_active:
        raise SurveyError(_("The questionnaire used for new rounds must be in use."))
    if template.is_default and not is_default:
        raise SurveyError(
            _("This is the questionnaire used for new rounds: make another one the default instead.")
        )
    if not template.pk and not QuestionnaireTemplate.objects.filter(is_default=True).exists():
        is_default, is_active = True, True  # the first one is the default
    template.items = template_items_from_lines(lines, existing=template.items if template.pk else ())
    template.name, template.is_active = name, is_active
    if is_default and not template.is_default:
        # One default (the partial unique index): the others stop being it first.
        QuestionnaireTemplate.objects.filter(is_default=True).exclude(pk=template.pk).update(is_default=False)
    template.is_default = is_default
    template.save()
    audit_write(
        kind="surveys.template_saved", actor=by, template=template.pk, items=len(template.items),
        is_default=template.is_default, is_active=template.is_active,
    )  # fmt: skip
    return template


@transaction.atomic
def questionnaire_template_create(
    *, by, name: str, lines, is_default: bool = False, is_active: bool = True
) -> QuestionnaireTemplate:
    """A new questionnaire of the company (quality department): a name and its items, one per line.
    Marked as the default, it is preselected for new rounds (and the former default no longer is)."""
    QuestionnaireTemplate.objects.select_for_update().filter(is_default=True).first()
    return _template_write(
        QuestionnaireTemplate(), by=by, name=name, lines=lines, is_default=is_default, is_active=is_active
    )


@transaction.atomic
def questionnaire_template_update(
    *, by, template_id: int, name: str, lines, is_default: bool, is_active: bool, version: str = ""
) -> QuestionnaireTemplate:
    """Edit a questionnaire: name, items, default, in use. Rounds already created keep the items they
    copied (R-SUR-1 rounds are compared with what the owners were actually asked). The default
    questionnaire cannot be taken out of use or stop being the default: another is made the
    default instead."""
    QuestionnaireTemplate.objects.select_for_update().filter(is_default=True).first()
    template = QuestionnaireTemplate.objects.select_for_update().get(pk=template_id)
    ensure_fresh(template, version=version, error=SurveyError)  # the edit form's token (stale: refused)
    return _template_write(
        template, by=by, name=name, lines=lines, is_default=is_default, is_active=is_active
    )
