"""The statistics of a satisfaction survey round — the 问卷结果统计表 (DOMAIN R-SUR-2 … R-SUR-7): the reads
for its page, printout and Excel file, and the three services that finish the statistics, publish the
measures and record the copy sent to the quality department.

Reads. `round_statistics(round_=…)` is what the page, the printout and the Excel file show — one object
for all three, so their numbers are equal by construction. While the round is collecting or closed it is
computed live, and marked provisional, with surveys.formulas.round_figures from the returned
questionnaires: two queries whatever their number (the delivery list's count; the returned rows with
their answers, suggestion and unit). Once the statistics are finished it is read from the snapshot kept
in `round.figures` and never from the questionnaires again, so a questionnaire edited later changes
nothing (R-SUR-7: the table is finished, and a copy of it went to the quality department).

The snapshot is plain JSON (`round_snapshot`): counts as integers, rates as the strings the page prints
("63.6", or null for a rate with nothing to divide by, shown as "—"), the Pareto rows, and the
suggestions grouped by topic with the unit of each. Item labels are kept as the round wrote them (empty
for an R-VIS-5 topic), so the page translates them in the reader's language. Live and frozen figures go
through the same snapshot, so a provisional table and the finished one look the same.

Services (STYLE.md 2): one function per step, the round row locked, the rule checked, the row, its
timeline event (SurveyEvent) and the ledger deadline met in one transaction; anything refused raises
surveys.services.SurveyError and writes nothing.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from propsvc.roles import Perm
from propsvc.selectors import deadline_list_for_case
from propsvc.services import deadline_meet, notification_send
from surveys import formulas
from surveys.models import (
    KIND_PUBLICATION,
    KIND_STATISTICS,
    Notice,
    Questionnaire,
    SurveyEvent,
    SurveyRound,
    Topic,
    item_label,
)
from surveys.services import SurveyError, _quality_department

Status = SurveyRound.Status
SNAPSHOT_VERSION = 1
ANALYSIS_MAX = 5000
MEASURES_MAX = 5000
QUALITY_NOTE_MAX = 200  # SurveyRound.quality_copy_note
# The rounds whose figures are the finished table (the snapshot), not a live count.
FINISHED = (Status.REPORTED, Status.PUBLISHED)


# -- the figures of a round (R-SUR-2 … R-SUR-6) -------------------------------------------------------------


def _text(value: Decimal | None) -> str | None:
    """A displayed percentage as the snapshot keeps it: "63.6", or None for no rate."""
    return None if value is None else str(value)


def _unit_text(building, entrance, room) -> str:
    return f"{building}栋{entrance}单元{room}室"


def _tally_json(tally: formulas.Tally) -> dict:
    return {
        "satisfied": tally.satisfied,
        "basic": tally.basic,
        "dissatisfied": tally.dissatisfied,
        "blank": tally.blank,
        "multiple": tally.multiple,
        "rate": _text(tally.rate),
    }


def _topic_order(round_: SurveyRound) -> dict[str, int]:
    """R-SUR-7, R-VIS-5: suggestions are grouped under the round's items first, in their order, then
    the topics owners are not asked to rate (special difficulties and needs, other); a suggestion
    with no topic comes last."""
    order = {key: n for n, key in enumerate(round_.item_keys)}
    for value in Topic.values:
        order.setdefault(value, len(order))
    return order


def _group_suggestions(round_: SurveyRound, rows) -> list[dict]:
    """R-SUR-7: the returned questionnaires' suggestions by topic, the biggest group first (ties in
    topic order), each with its unit, in delivery-list order."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for topic, text, unit in rows:
        groups[topic].append({"unit": unit, "text": text})
    order = _topic_order(round_)
    last = len(order) + 1

    def rank(topic: str) -> tuple:
        return (-len(groups[topic]), order.get(topic, last - 1) if topic else last, topic)

    return [{"topic": topic, "entries": groups[topic]} for topic in sorted(groups, key=rank)]


def round_snapshot(round_: SurveyRound) -> dict:
    """The figures of a round as they stand now, computed from its questionnaires (R-SUR-2 … R-SUR-7),
    as the JSON the statistics keep once finished. Two queries, whatever the number of questionnaires.

    Sent is the delivery list (one questionnaire per occupied unit, R-SUR-1); returned, those with a
    return time. An answer to an item the round does not ask about is not counted.
    """
    keys = round_.item_keys
    known = set(keys)
    sent = Questionnaire.objects.filter(round=round_).count()
    rows = (
        Questionnaire.objects.filter(round=round_, returned_at__isnull=False)
        .order_by("pk")
        .values_list(
            "answers",
            "suggestion",
            "suggestion_topic",
            "unit__building__number",
            "unit__entrance",
            "unit__room",
        )
    )
    answers, suggestions = [], []
    for given, suggestion, topic, building, entrance, room in rows:
        answers.append({key: ticks for key, ticks in (given or {}).items() if key in known})
        if suggestion and suggestion.strip():
            suggestions.append((topic or "", suggestion.strip(), _unit_text(building, entrance, room)))
    figures = formulas.round_figures(items=keys, questionnaires=answers, sent=sent)
    labels = {item["key"]: item.get("label", "") for item in round_.items}
    return {
        "version": SNAPSHOT_VERSION,
        "computed_at": timezone.now().isoformat(),
        "sent": figures.sent,
        "returned": figures.returned,
        "return_rate": _text(figures.return_rate),
        "penalty": _text(figures.penalty),
        "adjusted_rate": _text(figures.adjusted_rate),
        # R-SUR-2: exact, so a 59.96% return rate (shown as 60.0) is still below.
        "below_minimum": bool(figures.penalty_exact),
        "minimum_return_rate": formulas.MIN_RETURN_RATE,
        "penalty_per_point": formulas.PENALTY_PER_POINT,
        "items": [
            {"key": key, "label": labels.get(key, ""), **_tally_json(figures.items[key])} for key in keys
        ],
        "overall": _tally_json(figures.overall),
        "pareto": [
            {
                "key": row.item,
                "label": labels.get(row.item, ""),
                "dissatisfied": row.dissatisfied,
                "cumulative": _text(row.cumulative),
                "main": row.main,
            }
            for row in figures.pareto
        ],
        "suggestions": _group_suggestions(round_, suggestions),
    }


# -- what the page shows -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemLine:
    """One line of the table: an item, or (key "") the overall line. Rates are text ("—": none)."""

    key: str
    label: str
    satisfied: int
    basic: int
    dissatisfied: int
    blank: int
    multiple: int
    rate: str

    @property
    def abstained(self) -> int:
        """R-SUR-5: left blank, or two or more ticks."""
        return self.blank + self.multiple

    @property
    def answered(self) -> int:
        return self.satisfied + self.basic + self.dissatisfied


@dataclass(frozen=True)
class ParetoLine:
    key: str
    label: str
    dissatisfied: int
    cumulative: str
    main: bool


@dataclass(frozen=True)
class SuggestionGroup:
    topic: str
    label: str
    entries: list[dict]

    @property
    def count(self) -> int:
        return len(self.entries)


@dataclass(frozen=True)
class RoundStatistics:
    """The 问卷结果统计表 of a round, as every page and the Excel file show it."""

    round: SurveyRound
    provisional: bool
    sent: int
    returned: int
    return_rate: str
    penalty: str
    adjusted_rate: str
    below_minimum: bool
    minimum_return_rate: int
    penalty_per_point: int
    items: list[ItemLine]
    overall: ItemLine
    pareto: list[ParetoLine]
    suggestions: list[SuggestionGroup] = field(default_factory=list)

    @property
    def main_items(self) -> list[ParetoLine]:
        """R-SUR-6: the main improvement items."""
        return [row for row in self.pareto if row.main]

    @property
    def suggestion_count(self) -> int:
        return sum(group.count for group in self.suggestions)

    @property
    def has_penalty(self) -> bool:
        return self.below_minimum and self.penalty != formulas.NO_VALUE


def _label(key: str, label: str) -> str:
    return item_label({"key": key, "label": label})


def _topic_label(round_: SurveyRound, topic: str) -> str:
    if not topic:
        return _("No topic given")
    for item in round_.items:
        if item["key"] == topic:
            return item_label(item)
    return str(dict(Topic.choices).get(topic, topic))


def _line(key: str, label: str, row: dict) -> ItemLine:
    return ItemLine(
        key=key,
        label=label,
        satisfied=row["satisfied"],
        basic=row["basic"],
        dissatisfied=row["dissatisfied"],
        blank=row["blank"],
        multiple=row["multiple"],
        rate=row["rate"] or formulas.NO_VALUE,
    )


def statistics_from_snapshot(round_: SurveyRound, figures: dict, *, provisional: bool) -> RoundStatistics:
    no_value = formulas.NO_VALUE
    return RoundStatistics(
        round=round_,
        provisional=provisional,
        sent=figures["sent"],
        returned=figures["returned"],
        return_rate=figures["return_rate"] or no_value,
        penalty=figures["penalty"] or no_value,
        adjusted_rate=figures["adjusted_rate"] or no_value,
        below_minimum=figures["below_minimum"],
        minimum_return_rate=figures.get("minimum_return_rate", formulas.MIN_RETURN_RATE),
        penalty_per_point=figures.get("penalty_per_point", formulas.PENALTY_PER_POINT),
        items=[_line(row["key"], _label(row["key"], row["label"]), row) for row in figures["items"]],
        overall=_line("", _("Overall"), figures["overall"]),
        pareto=[
            ParetoLine(
                key=row["key"],
                label=_label(row["key"], row["label"]),
                dissatisfied=row["dissatisfied"],
                cumulative=row["cumulative"] or no_value,
                main=row["main"],
            )
            for row in figures["pareto"]
        ],
        suggestions=[
            SuggestionGroup(
                topic=group["topic"], label=_topic_label(round_, group["topic"]), entries=group["entries"]
            )
            for group in figures.get("suggestions", [])
        ],
    )


def round_statistics(*, round_: SurveyRound) -> RoundStatistics:
    """The round's statistics: the finished snapshot once reported (no query), otherwise live and
    provisional (two queries)."""
    if round_.status in FINISHED and round_.figures:
        return statistics_from_snapshot(round_, round_.figures, provisional=False)
    return statistics_from_snapshot(round_, round_snapshot(round_), provisional=True)


def round_get_for_user(*, user, pk: int) -> SurveyRound:
    """One round for its statistics pages, joined for them; 404 outside the user's communities."""
    qs = SurveyRound.objects.visible_to(user).select_related(
        "community", "reported_by", "published_by", "quality_copy_by", "notice"
    )
    return get_object_or_404(qs, pk=pk)


def round_notice(round_: SurveyRound) -> Notice | None:
    """The publication notice of the round (Notice.survey_round), if published."""
    return getattr(round_, "notice", None)  # a missing reverse one-to-one raises an AttributeError


# -- the deadlines on the page (R-SUR-7) ---------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineLine:
    kind: str
    label: str
    due_at: datetime | None
    met_at: datetime | None

    @property
    def is_met(self) -> bool:
        return self.met_at is not None

    @property
    def met_late(self) -> bool:
        return self.met_at is not None and self.due_at is not None and self.met_at > self.due_at

    @property
    def is_overdue(self) -> bool:
        return self.met_at is None and self.due_at is not None and self.due_at < timezone.now()

    @property
    def due_text(self) -> str:
        """R-TIME-1: a due time at midnight is "by 24:00" of the day before, as the staff count it."""
        if self.due_at is None:
            return formulas.NO_VALUE
        local = timezone.localtime(self.due_at)
        if local.time() == time.min:
            day = date.fromordinal(local.date().toordinal() - 1)
            return _("by 24:00 on %(day)s") % {"day": day.isoformat()}
        return _("by %(moment)s") % {"moment": local.strftime("%Y-%m-%d %H:%M")}


def round_deadlines(*, round_: SurveyRound) -> list[DeadlineLine]:
    """R-SUR-7: the statistics and the publication deadlines, each from the ledger (due, met and
    when), or — for a round whose ledger rows are missing — from the round's own dates. One query."""
    rows = {
        row.kind: row
        for row in deadline_list_for_case(case=round_).filter(kind__in=[KIND_STATISTICS, KIND_PUBLICATION])
    }
    lines = []
    for kind, label, due_at, done_at in (
        (KIND_STATISTICS, _("Survey statistics table finished"), round_.statistics_due, round_.reported_at),
        (KIND_PUBLICATION, _("Measures published on the bulletin board"), round_.publication_due,
         round_.published_at),
    ):  # fmt: skip
        row = rows.get(kind)
        if row is not None:
            due_at, done_at = row.due_at, row.met_at
        lines.append(DeadlineLine(kind=kind, label=label, due_at=due_at, met_at=done_at))
    return lines


# -- texts written for the owners ---------------------------------------------------------------------------


def _percent(value: str) -> str:
    return value if value == formulas.NO_VALUE else f"{value}%"


def round_title(round_: SurveyRound) -> str:
    return _("%(community)s owner satisfaction survey results, %(month)d/%(year)d") % {
        "community": round_.community.name,
        "year": round_.year,
        "month": round_.period,
    }


def service_center_name(community) -> str:
    return _("%(community)s customer service center") % {"community": community.name}


def measures_suggestion(stats: RoundStatistics) -> str:
    """R-SUR-6: the measures form starts from the main improvement items, one line each."""
    if not stats.main_items:
        return ""
    lines = [_("Measures for the main improvement items:")]
    for n, row in enumerate(stats.main_items, start=1):
        lines.append(
            _("%(n)d. %(item)s (%(count)d dissatisfied): ")
            % {"n": n, "item": row.label, "count": row.dissatisfied}
        )
    return "\n".join(lines)


def notice_body(stats: RoundStatistics, measures: str) -> str:
    """The publication notice's text (R-SUR-7): the results in short, then the measures."""
    round_ = stats.round
    parts = [
        _("In %(month)d/%(year)d the customer service center sent %(sent)d satisfaction questionnaires to "
          "the households of %(community)s; %(returned)d came back (return rate %(rate)s).")
        % {
            "month": round_.period, "year": round_.year, "sent": stats.sent, "returned": stats.returned,
            "community": round_.community.name, "rate": _percent(stats.return_rate),
        },
        _("Overall satisfaction rate: %(rate)s.") % {"rate": _percent(stats.overall.rate)},
    ]  # fmt: skip
    if stats.has_penalty and stats.adjusted_rate != formulas.NO_VALUE:
        parts.append(
            _("The return rate is below %(minimum)d%%, so the satisfaction rate is lowered by %(points)s "
              "points, to %(rate)s.")
            % {"minimum": stats.minimum_return_rate, "points": stats.penalty,
               "rate": _percent(stats.adjusted_rate)}
        )  # fmt: skip
    separator = "、"
    parts.append(
        _("Satisfaction by item: %(items)s.")
        % {"items": separator.join(f"{line.label} {_percent(line.rate)}" for line in stats.items)}
    )
    if stats.main_items:
        parts.append(
            _("Main improvement items: %(items)s.")
            % {"items": separator.join(row.label for row in stats.main_items)}
        )
    return "\n".join(parts) + "\n\n" + _("Improvement measures:") + "\n" + measures


# -- the services (R-SUR-7) ---------------------------------------------------------------------------------


def _lock(round_id: int) -> SurveyRound:
    qs = SurveyRound.objects.select_for_update(of=("self",)).select_related("community")
    return qs.get(pk=round_id)


def _ensure_may_run(round_: SurveyRound, by) -> None:
    if not by.has_perm(Perm.RUN_SURVEY, round_):
        raise SurveyError(
            _("Only the customer service supervisor or the CS center manager of %(community)s runs its "
              "satisfaction survey.") % {"community": round_.community.name}
        )  # fmt: skip


def _status_label(round_: SurveyRound) -> str:
    return str(round_.get_status_display())


def _day(moment: datetime | None) -> str:
    return timezone.localdate(moment).isoformat() if moment else formulas.NO_VALUE


def _required(value, message: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise SurveyError(message)
    if len(value) > limit:
        raise SurveyError(_("At most %(max)d characters, please.") % {"max": limit})
    return value


def _event(
    round_: SurveyRound, *, kind: str, by, from_status: str = "", to_status: str = "", note="", **data
):
    SurveyEvent.objects.create(
        community_id=round_.community_id, round=round_, kind=kind, actor=by,
        from_status=from_status, to_status=to_status, note=note, data=data,
    )  # fmt: skip


@transaction.atomic
def round_statistics_finish(*, round_id: int, by, analysis: str) -> SurveyRound:
    """R-SUR-2 … R-SUR-7: the customer service supervisor (or the CS center manager) finishes the
    问卷结果统计表 of a round whose collection is closed, with the analysis of the owners' main needs
    drawn from their suggestions (required).

    The figures are computed from the returned questionnaires and kept as a snapshot in round.figures,
    so the table never changes afterwards; the round becomes "statistics finished"; the ledger's
    statistics deadline (30 working days from sending) is met now, on time or late as the ledger
    records it; the timeline gets "round.reported". Refused in any other status.
    """
    round_ = _lock(round_id)
    _ensure_may_run(round_, by)
    if round_.status in FINISHED:
        raise SurveyError(
            _("The statistics of this round were already finished on %(day)s.")
            % {"day": _day(round_.reported_at)}
        )
    if round_.status != Status.CLOSED or not round_.can_become(Status.REPORTED):
        raise SurveyError(
            _("The statistics are finished once the collection is closed; this round is “%(status)s”.")
            % {"status": _status_label(round_)}
        )
    analysis = _required(
        analysis,
        _("Write the analysis of the owners' main needs, drawn from their suggestions."),
        ANALYSIS_MAX,
    )
    figures = round_snapshot(round_)
    now = timezone.now()
    old = round_.status
    round_.status = Status.REPORTED
    round_.figures, round_.analysis = figures, analysis
    round_.reported_at, round_.reported_by = now, by
    round_.save(update_fields=["status", "figures", "analysis", "reported_at", "reported_by", "updated_at"])
    deadline_meet(case=round_, kind=KIND_STATISTICS, by=by, at=now)
    _event(
        round_, kind="round.reported", by=by, from_status=old, to_status=round_.status, note=analysis,
        sent=figures["sent"], returned=figures["returned"], return_rate=figures["return_rate"],
        overall=figures["overall"]["rate"], adjusted=figures["adjusted_rate"],
    )  # fmt: skip
    return round_


@transaction.atomic
def round_publish(*, round_id: int, by, measures: str) -> SurveyRound:
    """R-SUR-7: the improvement measures are published on the bulletin board, within 30 working days of
    sending the questionnaires, once the statistics are finished.

    Writes the round's publication notice (Notice, kind "survey result", published now, signed by the
    community's customer service center) with the results in short and the measures, in the site's
    language — it is for the owners, whatever language the staff member reads. The round becomes
    "measures published"; the ledger's publication deadline is met; the timeline gets "round.published".
    """
    round_ = _lock(round_id)
    _ensure_may_run(round_, by)
    if round_.status == Status.PUBLISHED:
        raise SurveyError(
            _("The measures of this round were already published on %(day)s.")
            % {"day": _day(round_.published_at)}
        )
    if round_.status != Status.REPORTED or not round_.can_become(Status.PUBLISHED):
        raise SurveyError(
            _("The measures are published once the statistics are finished; this round is “%(status)s”.")
            % {"status": _status_label(round_)}
        )
    measures = _required(measures, _("Write the improvement measures to publish."), MEASURES_MAX)
    if Notice.objects.filter(survey_round=round_).exists():
        raise SurveyError(_("This round already has a publication notice."))
    now = timezone.now()
    with translation.override(settings.LANGUAGE_CODE):  # the item names too: the notice is for owners
        stats = statistics_from_snapshot(round_, round_.figures or round_snapshot(round_), provisional=False)
        title = round_title(round_)
        body = notice_body(stats, measures)
        signed_by = service_center_name(round_.community)
    notice = Notice.objects.create(
        community_id=round_.community_id, kind=Notice.Kind.SURVEY_RESULT, title=title[:100], body=body,
        status=Notice.Status.PUBLISHED, survey_round=round_, signed_by=signed_by[:100], created_by=by,
        published_at=now, published_by=by,
    )  # fmt: skip
    old = round_.status
    round_.status = Status.PUBLISHED
    round_.measures, round_.published_at, round_.published_by = measures, now, by
    round_.save(update_fields=["status", "measures", "published_at", "published_by", "updated_at"])
    deadline_meet(case=round_, kind=KIND_PUBLICATION, by=by, at=now)
    _event(
        round_, kind="round.published", by=by, from_status=old, to_status=round_.status, note=measures,
        notice=notice.pk,
    )  # fmt: skip
    return round_


@transaction.atomic
def round_quality_copy(*, round_id: int, by, sent_on: date, how: str) -> SurveyRound:
    """R-SUR-7: the original statistics stay with the center; a copy goes to the quality department.

    Recorded once, after the statistics are finished: the day it was sent (not in the future, not
    before the statistics were finished) and how (a short text: by hand, internal mail, …). The
    quality department's staff are told, with a link to the statistics; the timeline gets
    "round.quality_copy".
    """
    round_ = _lock(round_id)
    _ensure_may_run(round_, by)
    if round_.status not in FINISHED:
        raise SurveyError(
            _("The copy goes to the quality department once the statistics are finished; this round is "
              "“%(status)s”.") % {"status": _status_label(round_)}
        )  # fmt: skip
    if round_.quality_copy_on is not None:
        raise SurveyError(
            _("The copy sent to the quality department was already recorded (%(day)s).")
            % {"day": round_.quality_copy_on.isoformat()}
        )
    if sent_on is None:
        raise SurveyError(_("Give the day the copy was sent."))
    if sent_on > timezone.localdate():
        raise SurveyError(_("The day the copy was sent cannot be in the future."))
    finished_on = timezone.localdate(round_.reported_at) if round_.reported_at else None
    if finished_on is not None and sent_on < finished_on:
        raise SurveyError(
            _("The copy cannot have been sent before the statistics were finished (%(day)s).")
            % {"day": finished_on.isoformat()}
        )
    how = _required(how, _("Say how the copy was sent (by hand, internal mail, …)."), QUALITY_NOTE_MAX)
    round_.quality_copy_on, round_.quality_copy_by, round_.quality_copy_note = sent_on, by, how
    round_.save(update_fields=["quality_copy_on", "quality_copy_by", "quality_copy_note", "updated_at"])
    _event(round_, kind="round.quality_copy", by=by, note=how, sent_on=sent_on.isoformat())
    period = round_.get_period_display()
    notification_send(
        recipients=_quality_department(),
        text=_("%(community)s sent the quality department a copy of its survey statistics table of "
               "%(period)s %(year)d (%(day)s, %(how)s).")
        % {"community": round_.community.name, "period": period, "year": round_.year,
           "day": sent_on.isoformat(), "how": how},
        link=reverse("surveys:round-statistics", args=[round_.pk]),
    )  # fmt: skip
    return round_
