"""Reads of satisfaction survey rounds, their delivery lists and returns (R-SUR-1), always through
`visible_to(user)` — except the owner's online link, which is found by its secret token alone."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from archives.models import Unit
from propsvc.selectors import deadline_list_for_case
from surveys import formulas
from surveys.models import Questionnaire, QuestionnaireTemplate, SurveyRound
from surveys.rounds import EVENT_LABELS, answers_code, due_text

Channel = Questionnaire.Channel


@dataclass(frozen=True)
class RoundFilter:
    communities: list[int] | None = None  # None: every visible community
    year: int | None = None
    status: str = ""


def _with_counts(qs):
    return qs.annotate(
        n_sent=Count("questionnaires"),
        n_returned=Count("questionnaires", filter=Q(questionnaires__returned_at__isnull=False)),
    )


def survey_round_list(*, user, filters: RoundFilter) -> QuerySet[SurveyRound]:
    """The list, joined and counted for the page: one query for the page whatever its length."""
    qs = SurveyRound.objects.visible_to(user).in_communities(filters.communities).select_related("community")
    if filters.year:
        qs = qs.filter(year=filters.year)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return _with_counts(qs).order_by("-year", "-period", "community__name", "pk")


def survey_round_get_for_user(*, user, pk: int) -> SurveyRound:
    qs = SurveyRound.objects.visible_to(user).select_related("community", "template", "created_by", "sent_by")
    return get_object_or_404(qs, pk=pk)


# -- counts and coverage (R-SUR-1, R-SUR-2) ----------------------------------------------------------------


@dataclass(frozen=True)
class RoundCounts:
    sent: int
    paper: int
    online: int

    @property
    def returned(self) -> int:
        return self.paper + self.online

    @property
    def not_returned(self) -> int:
        return self.sent - self.returned

    @property
    def return_rate(self) -> str:
        """R-SUR-2: the share returned, for display ("63.6", or "—" before sending)."""
        return formulas.as_text(formulas.rounded(formulas.return_rate_exact(self.sent, self.returned)))

    @property
    def below_minimum(self) -> bool:
        """R-SUR-2: fewer than 60% back."""
        rate = formulas.return_rate_exact(self.sent, self.returned)
        return rate is not None and rate < formulas.MIN_RETURN_RATE


def round_counts(*, survey_round: SurveyRound) -> RoundCounts:
    row = Questionnaire.objects.filter(round=survey_round).aggregate(
        sent=Count("pk"),
        paper=Count("pk", filter=Q(channel=Channel.PAPER)),
        online=Count("pk", filter=Q(channel=Channel.ONLINE)),
    )
    return RoundCounts(**row)


@dataclass(frozen=True)
class EntranceLine:
    """One building entrance (单元) of the community: its units, occupied units, and the round's
    questionnaires there (before sending: the ones the delivery list will have)."""

    building_id: int
    building: str
    entrance: int
    units: int
    occupied: int
    questionnaires: int
    returned: int = 0

    @property
    def key(self) -> str:
        return f"{self.building_id}-{self.entrance}"

    @property
    def label(self) -> str:
        return f"{self.building}栋{self.entrance}单元"

    @property
    def is_uncovered(self) -> bool:
        """R-SUR-1: every stairwell is covered — an entrance with no questionnaire is not."""
        return self.questionnaires == 0


def round_coverage(*, survey_round: SurveyRound) -> list[EntranceLine]:
    """R-SUR-1: every entrance of the community with its units, occupied units and questionnaires,
    in the natural order of buildings. Two grouped queries whatever the size of the community: the
    units, and (once sent) the round's questionnaires with their returns."""
    units = (
        Unit.objects.filter(community_id=survey_round.community_id)
        .values("building_id", "building__number", "building__sort_key", "entrance")
        .annotate(units=Count("pk"), occupied=Count("pk", filter=Q(use__in=Unit.LIVED_IN)))
        .order_by("building__sort_key", "entrance")
    )
    sent: dict = defaultdict(lambda: (0, 0))
    if survey_round.status != SurveyRound.Status.DRAFT:
        rows = (
            Questionnaire.objects.filter(round=survey_round)
            .values("unit__building_id", "unit__entrance")
            .annotate(n=Count("pk"), returned=Count("pk", filter=Q(returned_at__isnull=False)))
            .order_by()
        )
        sent = defaultdict(lambda: (0, 0))
        for row in rows:
            sent[(row["unit__building_id"], row["unit__entrance"])] = (row["n"], row["returned"])
    lines = []
    for row in units:
        key = (row["building_id"], row["entrance"])
        if survey_round.status == SurveyRound.Status.DRAFT:
            n, returned = row["occupied"], 0
        else:
            n, returned = sent[key]
        lines.append(
            EntranceLine(
                building_id=row["building_id"], building=row["building__number"], entrance=row["entrance"],
                units=row["units"], occupied=row["occupied"], questionnaires=n, returned=returned,
            )
        )  # fmt: skip
    return lines


def _total(coverage: list[EntranceLine]) -> EntranceLine:
    """The coverage table's total line."""
    return EntranceLine(
        building_id=0,
        building="",
        entrance=0,
        units=sum(line.units for line in coverage),
        occupied=sum(line.occupied for line in coverage),
        questionnaires=sum(line.questionnaires for line in coverage),
        returned=sum(line.returned for line in coverage),
    )


def round_parts(*, survey_round: SurveyRound) -> dict:
    """The detail page: counts, coverage per entrance, the timeline (labelled) and the ledger rows."""
    events = list(survey_round.events.select_related("actor"))
    for event in events:
        event.label = str(EVENT_LABELS.get(event.kind, event.kind))
    coverage = round_coverage(survey_round=survey_round)
    return {
        "counts": round_counts(survey_round=survey_round),
        "coverage": coverage,
        "uncovered": [line for line in coverage if line.is_uncovered],
        "coverage_total": _total(coverage),
        "events": events,
        "deadlines": list(deadline_list_for_case(case=survey_round)),
        "dates": [
            (label, due_text(moment))
            for label, moment in (
                (_("Collection closes"), survey_round.collect_until),
                (_("Statistics due"), survey_round.statistics_due),
                (_("Publication due"), survey_round.publication_due),
            )
        ],
    }


# -- the paper grid and the printed forms ---------------------------------------------------------------


def round_entrances(*, survey_round: SurveyRound) -> list[EntranceLine]:
    """The entrances that have questionnaires in the delivery list (the grid's and print's selector);
    none before sending."""
    if survey_round.status == SurveyRound.Status.DRAFT:
        return []
    return [line for line in round_coverage(survey_round=survey_round) if line.questionnaires]


@dataclass
class GridRow:
    questionnaire: Questionnaire
    codes: dict  # item key → the cell's text
    suggestion: str
    suggestion_topic: str

    @property
    def is_online(self) -> bool:
        return self.questionnaire.channel == Channel.ONLINE


def questionnaire_list_for_entrance(
    *, survey_round: SurveyRound, building_id: int | None = None, entrance: int | None = None
) -> QuerySet[Questionnaire]:
    """The delivery list of one entrance (or of the whole round), floor by floor, joined."""
    qs = Questionnaire.objects.filter(round=survey_round).select_related("unit__building")
    if building_id is not None:
        qs = qs.filter(unit__building_id=building_id, unit__entrance=entrance)
    return qs.order_by("unit__building__sort_key", "unit__entrance", "unit__floor", "unit__room", "pk")


def grid_rows(*, survey_round: SurveyRound, building_id: int, entrance: int) -> list[GridRow]:
    """One page of the grid: a row per questionnaire of the entrance, with its stored codes."""
    rows = []
    for q in questionnaire_list_for_entrance(
        survey_round=survey_round, building_id=building_id, entrance=entrance
    ):
        codes = (
            {key: answers_code(q.answers.get(key)) for key in survey_round.item_keys} if q.is_returned else {}
        )
        rows.append(GridRow(q, codes, q.suggestion, q.suggestion_topic))
    return rows


# -- the online link (public) ----------------------------------------------------------------------------


def questionnaire_get_by_token(*, token: str) -> Questionnaire:
    """The owner's questionnaire by its secret token (no login, so no scope), or 404."""
    qs = Questionnaire.objects.select_related("round", "community", "unit__building")
    return get_object_or_404(qs, token=token)


# -- the questionnaire templates ---------------------------------------------------------------------------


def questionnaire_template_list() -> QuerySet[QuestionnaireTemplate]:
    return QuestionnaireTemplate.objects.order_by("-is_default", "-is_active", "name")


def questionnaire_template_get(*, pk: int) -> QuestionnaireTemplate:
    return get_object_or_404(QuestionnaireTemplate, pk=pk)


def questionnaire_template_choices() -> QuerySet[QuestionnaireTemplate]:
    return QuestionnaireTemplate.objects.filter(is_active=True).order_by("-is_default", "name")
