"""Every state change of owner visits and their monthly summary (DOMAIN.md R-VIS-1 … R-VIS-4).

One function per action: it checks who acts and the rule, writes the row and its timeline event
(VisitEvent) and the ledger deadline (propsvc.Deadline) in one transaction, and notifies; anything
refused raises SurveyError and writes nothing.

surveys imports the core and archives only, never the complaint flow (DESIGN.md): a call-back
(回访) is recorded on its complaint; here it is refused as a visit (visit_record(is_callback=True))
and, living in another table, can never be counted towards the quota.
"""

import hashlib
import hmac
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from archives.models import Ownership, Unit
from propsvc.concurrency import ensure_fresh
from propsvc.errors import DomainError
from propsvc.models import Community, Department, Membership
from propsvc.roles import Perm, Role
from propsvc.services import audit_write, deadline_meet, deadline_open, notification_send
from surveys.models import (
    BOX_CONTACT_MAX,
    BOX_TEXT_MAX,
    SUMMARY_DUE_DAY,
    TIMED_MODES,
    BoxSuggestion,
    Mode,
    Month,
    Signature,
    Suggestion,
    Topic,
    Visit,
    VisitEvent,
    VisitSummary,
    visit_quota,
)

KIND_SUMMARY = "surveys.visit_summary"
KIND_SUGGESTION_ANSWER = "surveys.suggestion_answer"
SUMMARY_WARN_BEFORE = timedelta(days=1, hours=15)  # the reminder: 09:00 on the 4th
VISIT_FROM, VISIT_UNTIL = time(8, 0), time(22, 0)  # R-VIS-3, R-CB-6: 08:00 ≤ t < 22:00
FUTURE_GRACE = timedelta(minutes=5)

Status = VisitSummary.Status
Decision = Suggestion.Decision


class SurveyError(DomainError):
    pass


# -- who may act ----------------------------------------------------------------------------------------


def may_record(user, obj) -> bool:
    """obj: a Community, Unit or Visit — the permission is asked in its community."""
    return user.has_perm(Perm.RECORD_VISIT, obj)


def may_prepare(summary: VisitSummary, user) -> bool:
    return user.has_perm(Perm.PREPARE_VISIT_SUMMARY, summary)


def may_review(summary: VisitSummary, user) -> bool:
    """R-VIS-4: the service center head (服务中心负责人, the CS center manager) decides."""
    return user.has_perm(Perm.REVIEW_VISIT_SUMMARY, summary)


def _ensure(allowed: bool, message: str) -> None:
    if not allowed:
        raise SurveyError(message)


# -- helpers ------------------------------------------------------------------------------------------


def within_visiting_hours(moment: datetime) -> bool:
    """R-VIS-3, R-CB-6: no home visit and no call after 22:00 or before 08:00 (Asia/Shanghai).
    A visit is not begun at 22:00 either: it would run into the night."""
    local = timezone.localtime(moment).time()
    return VISIT_FROM <= local < VISIT_UNTIL


def summary_due_at(month: Month) -> datetime:
    """R-VIS-4, R-TIME-1: the summary of a month is due by the 5th of the next, until 24:00."""
    fifth = month.next.first.replace(day=SUMMARY_DUE_DAY)
    return datetime.combine(fifth + timedelta(days=1), time.min, tzinfo=month.start.tzinfo)


def _event(*, kind: str, by, visit=None, summary=None, from_status="", to_status="", note="", **data):
    case = visit or summary
    VisitEvent.objects.create(
        community_id=case.community_id,
        visit=visit,
        summary=summary,
        kind=kind,
        actor=by,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data,
    )


def _holders(role: str, community_id: int) -> list:
    memberships = Membership.objects.filter(role=role, community_id=community_id, user__is_active=True)
    return [m.user for m in memberships.select_related("user").order_by("pk")]


def _quality_department() -> list:
    """The company complaint center: the quality department (品质部), company level (R-CMP-5)."""
    memberships = Membership.objects.filter(role=Role.QUALITY, community__isnull=True, user__is_active=True)
    return [m.user for m in memberships.select_related("user").order_by("pk")]


def _required(value, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise SurveyError(message)
    return value


def _person(user) -> str:
    return user.get_full_name() or user.get_username()


def _topics(topics) -> list[str]:
    """R-VIS-5: at least one topic, each known, each once, in the list's order."""
    chosen = set(topics or ())
    unknown = chosen - set(Topic.values)
    if unknown or not chosen:
        raise SurveyError(_("Choose at least one topic the owner was asked about."))
    return [t for t in Topic.values if t in chosen]


def _summary_title(summary: VisitSummary, community: Community) -> str:
    return _("Monthly visit summary %(month)s · %(community)s") % {
        "month": str(summary.period),
        "community": community.name,
    }


# -- the visit record ------------------------------------------------------------------------------------


@transaction.atomic
def visit_record(
    *,
    by,
    unit: Unit,
    mode: str,
    topics,
    visited_at: datetime,
    signature: str = "",
    opinions: str = "",
    appointment_made_at: datetime | None = None,
    appointment_with: str = "",
    is_callback: bool = False,
) -> Visit:
    """R-VIS-1 … R-VIS-3, R-VIS-5: record one visit to a household (业户访问记录).

    Refused, with the reason: a call-back (it is recorded on its complaint and never counts); a
    second visit to the same household (unit) in the same calendar month; a home visit without an
    appointment made beforehand (when, with whom); a home or phone visit before 08:00 or from 22:00
    (R-CB-6); a visit in the future, or of a month other than this one or the last (the last only
    until its summary is submitted). The household is asked to sign and may refuse (R-VIS-2); by
    phone nobody signs. The visit's opinions and needs join its month's summary when that is
    already open (a visit of the 31st recorded on the 1st).
    """
    _ensure(
        may_record(by, unit),
        _("You may not record owner visits in %(community)s.") % {"community": unit.community.name},
    )
    if is_callback:
        raise SurveyError(
            _("A call-back is not an owner visit: record it on its complaint (回访). It does not count "
              "towards the monthly visit quota.")
        )  # fmt: skip
    if mode not in Mode.values:
        raise SurveyError(_("Choose how the household was visited."))
    topics = _topics(topics)
    now = timezone.now()
    if visited_at > now + FUTURE_GRACE:
        raise SurveyError(_("The visit time cannot be in the future."))
    month = Month.of_moment(visited_at)
    current = Month.current()
    if month not in (current, current.previous):
        raise SurveyError(
            _("Only visits of this month or of last month can be recorded (last month's until its "
              "summary is submitted).")
        )  # fmt: skip
    if mode in TIMED_MODES and not within_visiting_hours(visited_at):
        at = timezone.localtime(visited_at).strftime("%H:%M")
        if mode == Mode.HOME:
            message = _("No home visit at %(time)s: home visits are made from 08:00 until 22:00, never at "
                        "night. Choose a time in between.")  # fmt: skip
        else:
            message = _("No call at %(time)s: owners are phoned from 08:00 until 22:00, never at night. "
                        "Choose a time in between.")  # fmt: skip
        raise SurveyError(message % {"time": at})
    appointment_with = (appointment_with or "").strip()
    if mode == Mode.HOME and (appointment_made_at is None or not appointment_with):
        raise SurveyError(
            _("A home visit is made by appointment: record when the appointment was made and with whom.")
        )
    if appointment_made_at is not None and appointment_made_at >= visited_at:
        raise SurveyError(_("The appointment must have been made before the visit."))
    if mode == Mode.PHONE:
        signature = ""  # nobody signs a record over the phone
    elif signature not in Signature.values:
        raise SurveyError(_("Record whether the household signed the visit record or refused to sign."))

    # Lock the household: two staff recording the same unit at once cannot both get through the
    # once-a-month check (the unique constraint is the last line).
    unit = (
        Unit.objects.select_for_update(of=("self",)).select_related("building", "community").get(pk=unit.pk)
    )
    summary = (
        VisitSummary.objects.select_for_update()
        .filter(community_id=unit.community_id, month=month.first)
        .first()
    )
    if summary is not None and not summary.is_open:
        raise SurveyError(
            _("The visit summary for %(month)s has been submitted; visits of that month can no longer be "
              "recorded.") % {"month": str(month)}
        )  # fmt: skip
    earlier = Visit.objects.filter(unit=unit, month=month.first).select_related("visited_by").first()
    if earlier is not None:
        raise SurveyError(
            _("%(unit)s was already visited in %(month)s (%(day)s, %(by)s, %(number)s). A household is "
              "visited once a month and a second visit does not count towards the quota: visit another "
              "household.")
            % {
                "unit": unit.label,
                "month": str(month),
                "day": timezone.localtime(earlier.visited_at).strftime("%m-%d"),
                "by": _person(earlier.visited_by),
                "number": earlier.number,
            }
        )  # fmt: skip
    ownership = Ownership.objects.current().filter(unit=unit).select_related("owner").order_by("pk").first()
    visit = Visit.objects.create(
        community_id=unit.community_id,
        unit=unit,
        owner=ownership.owner if ownership else None,
        month=month.first,
        mode=mode,
        topics=topics,
        opinions=(opinions or "").strip(),
        signature=signature,
        visited_at=visited_at,
        visited_by=by,
        appointment_made_at=appointment_made_at,
        appointment_with=appointment_with,
    )
    _event(visit=visit, kind="visit.recorded", by=by, mode=mode, month=str(month))
    if summary is not None and visit.opinions:
        Suggestion.objects.create(
            community_id=visit.community_id, summary=summary, visit=visit, text=visit.opinions
        )
        _event(summary=summary, kind="summary.suggestion_added", by=by, visit_id=visit.pk)
    return visit


# -- the monthly summary (R-VIS-4) -----------------------------------------------------------------------


@transaction.atomic
def visit_summary_open(*, community_id: int, month: Month) -> tuple[VisitSummary, bool]:
    """R-VIS-4: open a community's summary of a finished month, once (a rerun returns the one there).

    It is prefilled with the month's visits: each visit's opinions and needs is a suggestion for
    the center head. The register's households, occupied households and quota are kept as they
    stand now (the month's quota, R-VIS-1). The ledger row "surveys.visit_summary" is due by 24:00
    on the 5th of the next month: the community's customer service supervisor prepares it (the
    first one by membership; their colleagues are told too), and the CS center manager — who
    decides and submits it — hears when it is overdue.
    """
    if month.end > timezone.now():
        raise SurveyError(
            _("The summary of %(month)s can be opened once the month is over.") % {"month": str(month)}
        )
    community = Community.objects.select_for_update().get(pk=community_id)
    existing = VisitSummary.objects.filter(community=community, month=month.first).first()
    if existing is not None:
        return existing, False
    counts = Unit.objects.filter(community=community).aggregate(
        households=Count("pk"), occupied=Count("pk", filter=Q(use__in=Unit.LIVED_IN))
    )
    summary = VisitSummary.objects.create(
        community=community,
        month=month.first,
        households=counts["households"],
        occupied=counts["occupied"],
        quota=visit_quota(households=counts["households"], occupied=counts["occupied"]),
    )
    visits = Visit.objects.filter(community=community, month=month.first)
    suggestions = Suggestion.objects.bulk_create(
        Suggestion(community=community, summary=summary, visit=visit, text=visit.opinions)
        for visit in visits.exclude(opinions="").order_by("visited_at", "pk")
    )
    visit_count = visits.count()
    _event(
        summary=summary, kind="summary.opened", by=None, to_status=summary.status,
        visits=visit_count, suggestions=len(suggestions), quota=summary.quota,
    )  # fmt: skip
    supervisors = _holders(Role.CS_SUPERVISOR, community.pk)
    department = None
    if not supervisors:
        department = Department.objects.filter(
            community=community, kind=Department.Kind.CUSTOMER_SERVICE
        ).first()
    title = _summary_title(summary, community)
    deadline_open(
        case=summary,
        community=community,
        kind=KIND_SUMMARY,
        title=title,
        link=summary.get_absolute_url(),
        due_at=summary_due_at(month),
        responsible_user=supervisors[0] if supervisors else None,
        responsible_department=department,
        escalate_role=Role.CS_MANAGER,
        warn_before=SUMMARY_WARN_BEFORE,
    )
    notification_send(
        recipients=supervisors or _holders(Role.CS_MANAGER, community.pk),
        text=_("%(title)s: %(visits)d visits (quota %(quota)d), %(suggestions)d suggestions; due by "
               "24:00 on the 5th.") % {
            "title": title, "visits": visit_count, "quota": summary.quota, "suggestions": len(suggestions),
        },
        link=summary.get_absolute_url(),
    )  # fmt: skip
    return summary, True


def visit_summaries_open(*, month: Month | None = None) -> list[VisitSummary]:
    """Beat (daily, so a missed 1st is made up): last month's summary for every community that
    existed by the end of that month and has none yet. Each community in its own transaction, so
    one failure does not hold back the others. Returns the summaries opened now."""
    month = month or Month.current().previous
    opened = []
    communities = Community.objects.filter(created_at__lt=month.end).exclude(
        pk__in=VisitSummary.objects.filter(month=month.first).values("community_id")
    )
    with translation.override(settings.LANGUAGE_CODE):
        for community_id in communities.order_by("pk").values_list("pk", flat=True):
            summary, created = visit_summary_open(community_id=community_id, month=month)
            if created:
                opened.append(summary)
    return opened


def _lock_summary(summary_id: int) -> VisitSummary:
    return VisitSummary.objects.select_for_update(of=("self",)).select_related("community").get(pk=summary_id)


def _cannot_become(summary: VisitSummary, new: str) -> SurveyError:
    return SurveyError(
        _("This summary is “%(status)s”; it cannot become “%(new)s”.")
        % {"status": summary.get_status_display(), "new": Status(new).label}
    )


def _move(summary: VisitSummary, new: str, *, kind: str, by, note: str = "", **data) -> None:
    if not summary.can_become(new):
        raise _cannot_become(summary, new)
    old = summary.status
    summary.status = new
    _event(summary=summary, kind=kind, by=by, from_status=old, to_status=new, note=note, **data)


@transaction.atomic
def visit_summary_prepare(*, summary_id: int, by, overview: str, version: str | None = None) -> VisitSummary:
    """R-VIS-4: the customer service supervisor summarises the month's visits and hands the summary
    to the service center head (the CS center managers are told the first time). It can be
    rewritten until the head submits it."""
    summary = _lock_summary(summary_id)
    _ensure(
        may_prepare(summary, by),
        _("Only the customer service supervisor or the CS center manager prepares the visit summary."),
    )
    overview = _required(overview, _("Write the summary of the month's visits for the center head."))
    ensure_fresh(summary, version=version, field="prepared_at", error=SurveyError)
    first = summary.status == Status.DRAFT
    _move(summary, Status.PREPARED, kind="summary.prepared", by=by)
    summary.overview, summary.prepared_by, summary.prepared_at = overview, by, timezone.now()
    summary.save()
    if first:
        pending = summary.suggestions.filter(decision=Decision.PENDING).count()
        notification_send(
            recipients=_holders(Role.CS_MANAGER, summary.community_id),
            text=_("%(title)s is ready for your decision: %(n)d suggestions.")
            % {"title": _summary_title(summary, summary.community), "n": pending},
            link=summary.get_absolute_url(),
        )
    return summary


@transaction.atomic
def suggestion_decide(
    *, summary_id: int, suggestion_id: int, by, decision: str, note: str = ""
) -> Suggestion:
    """R-VIS-4: the service center head (the CS center manager, nobody else) adopts a suggestion or
    passes it — as beyond the center's authority — to the company complaint center (the quality
    department, told when the summary is submitted). A decision can be changed until then."""
    summary = _lock_summary(summary_id)
    _ensure(
        may_review(summary, by),
        _("Only the service center head (the CS center manager) decides on the suggestions."),
    )
    if not summary.is_open:
        raise SurveyError(_("The summary has been submitted; its decisions can no longer be changed."))
    if decision not in (Decision.ADOPTED, Decision.PASSED):
        raise SurveyError(_("Adopt the suggestion, or pass it to the company complaint center."))
    suggestion = Suggestion.objects.select_for_update().filter(summary=summary, pk=suggestion_id).first()
    if suggestion is None:
        raise SurveyError(_("This suggestion does not belong to the summary."))
    old = suggestion.decision
    suggestion.decision, suggestion.note = decision, (note or "").strip()
    suggestion.decided_by, suggestion.decided_at = by, timezone.now()
    suggestion.save()
    _event(
        summary=summary, kind="summary.suggestion_decided", by=by, note=suggestion.note,
        suggestion=suggestion.pk, old=old, new=decision,
    )  # fmt: skip
    return suggestion


@transaction.atomic
def visit_summary_submit(*, summary_id: int, by) -> VisitSummary:
    """R-VIS-4: the center head submits the prepared summary once every suggestion is decided. This
    meets the ledger row; the suggestions passed on go to the company complaint center (the quality
    department is notified, with an email). The month's visits are counted and kept."""
    summary = _lock_summary(summary_id)
    _ensure(
        may_review(summary, by),
        _("Only the service center head (the CS center manager) submits the visit summary."),
    )
    if summary.status == Status.DRAFT:
        raise SurveyError(
            _("The customer service supervisor has not handed the summary over yet; it is submitted "
              "once prepared.")
        )  # fmt: skip
    if not summary.can_become(Status.SUBMITTED):
        raise _cannot_become(summary, Status.SUBMITTED)
    pending = summary.suggestions.filter(decision=Decision.PENDING).count()
    if pending:
        raise SurveyError(
            ngettext(
                "%(n)d suggestion still awaits your decision: adopt it or pass it to the company "
                "complaint center.",
                "%(n)d suggestions still await your decision: adopt each or pass it to the company "
                "complaint center.",
                pending,
            )
            % {"n": pending}
        )
    summary.visit_count = Visit.objects.filter(community_id=summary.community_id, month=summary.month).count()
    passed = summary.suggestions.filter(decision=Decision.PASSED).count()
    _move(
        summary, Status.SUBMITTED, kind="summary.submitted", by=by, visits=summary.visit_count, passed=passed
    )
    summary.submitted_by, summary.submitted_at = by, timezone.now()
    summary.save()
    deadline_meet(case=summary, kind=KIND_SUMMARY, by=by, at=summary.submitted_at)
    if passed:
        notification_send(
            recipients=_quality_department(),
            text=ngettext(
                "%(community)s passes %(n)d owner suggestion from the visits of %(month)s to the company "
                "complaint center.",
                "%(community)s passes %(n)d owner suggestions from the visits of %(month)s to the company "
                "complaint center.",
                passed,
            )
            % {"community": summary.community.name, "n": passed, "month": str(summary.period)},
            link=summary.get_absolute_url(),
            email=True,
        )
    return summary


# -- the suggestion box (R-COM-1) -------------------------------------------------------------------------

BOX_ANSWER_WITHIN = timedelta(hours=24)  # R-COM-1, R-TIME: hours run on the clock
BOX_RATE_LIMIT = 5  # accepted notes per client address and community …
BOX_RATE_WINDOW = timedelta(hours=1)  # … in any hour

BoxStatus = BoxSuggestion.Status


class SuggestionRefused(SurveyError):
    """A note the box does not take (too long, empty, too many from one address)."""


def box_address_hash(address: str | None) -> str:
    """The rate limit's key: a keyed hash of the client address, so the box stays anonymous — the
    address itself is never stored, and without SECRET_KEY the hash cannot be tried against
    the few billion IPv4 addresses."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, (address or "").encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def box_suggestion_post(
    *, community_id: int, text: str, contact: str = "", contact_consent: bool = False, address: str | None
) -> BoxSuggestion:
    """R-COM-1: a note put into a community's suggestion box, by anyone, without logging in.

    At most BOX_RATE_LIMIT notes per client address and community in any hour, counted in the
    database (the community row is locked, so two posts at once cannot both take the last place).
    A contact is kept only with the consent to be contacted. The note opens a ledger deadline
    (surveys.suggestion_answer) due 24 hours after receipt, on the community's customer service
    department (the CS supervisors are escalated to; with no such department, they are told
    directly).
    """
    community = Community.objects.select_for_update().get(pk=community_id)
    text = _required(text, _("Please write your suggestion."))
    if len(text) > BOX_TEXT_MAX:
        raise SuggestionRefused(
            _("A suggestion may have at most %(max)d characters.") % {"max": BOX_TEXT_MAX}
        )
    contact = (contact or "").strip()[:BOX_CONTACT_MAX] if contact_consent else ""
    address_hash = box_address_hash(address)
    since = timezone.now() - BOX_RATE_WINDOW
    recent = BoxSuggestion.objects.filter(
        community=community, address_hash=address_hash, created_at__gt=since
    ).count()
    if recent >= BOX_RATE_LIMIT:
        raise SuggestionRefused(
            _("Too many suggestions were sent from this connection. Please try again in an hour.")
        )
    suggestion = BoxSuggestion.objects.create(
        community=community,
        text=text,
        contact=contact,
        contact_consent=bool(contact),
        address_hash=address_hash,
    )
    department = Department.objects.filter(community=community, kind=Department.Kind.CUSTOMER_SERVICE).first()
    title = _("Suggestion box %(number)s (%(community)s): answer within 24 hours") % {
        "number": suggestion.number,
        "community": community.name,
    }
    link = reverse("surveys:suggestions") + f"?status=new#s{suggestion.pk}"
    deadline_open(
        case=suggestion,
        community=community,
        kind=KIND_SUGGESTION_ANSWER,
        title=title,
        link=link,
        due_at=suggestion.created_at + BOX_ANSWER_WITHIN,
        responsible_department=department,
        escalate_role=Role.CS_SUPERVISOR,
    )
    if department is None:
        notification_send(recipients=_holders(Role.CS_SUPERVISOR, community.pk), text=title, link=link)
    audit_write(kind="surveys.suggestion_posted", community=community, suggestion=suggestion.pk)
    return suggestion


def _box_close(*, suggestion_id: int, by, new: str, text: str, empty: str) -> BoxSuggestion:
    qs = BoxSuggestion.objects.select_for_update(of=("self",)).select_related("community")
    suggestion = qs.get(pk=suggestion_id)
    _ensure(by.has_perm(Perm.ANSWER_SUGGESTION, suggestion), _("You may not answer this suggestion."))
    _ensure(suggestion.can_become(new), _("This suggestion has already been dealt with."))
    if new == BoxStatus.NO_ANSWER:
        _ensure(not suggestion.contact, _("This suggestion left a contact: please answer it."))
    suggestion.answer = _required(text, empty)
    suggestion.status = new
    suggestion.answered_by = by
    suggestion.answered_at = timezone.now()
    suggestion.save(update_fields=["answer", "status", "answered_by", "answered_at", "updated_at"])
    deadline_meet(case=suggestion, kind=KIND_SUGGESTION_ANSWER, by=by, at=suggestion.answered_at)
    # The audit trail is the box's timeline (one model only: the answer lives on the row itself).
    audit_write(
        kind=f"surveys.suggestion_{new}", actor=by, community=suggestion.community,
        suggestion=suggestion.pk,
    )  # fmt: skip
    return suggestion


@transaction.atomic
def box_suggestion_answer(*, suggestion_id: int, by, answer: str) -> BoxSuggestion:
    """R-COM-1: the answer (given by phone or in person to the contact, or posted on the notice
    board for an anonymous note) is recorded; it meets the 24-hour deadline."""
    return _box_close(
        suggestion_id=suggestion_id, by=by, new=BoxStatus.ANSWERED, text=answer,
        empty=_("Please write the answer given."),
    )  # fmt: skip


@transaction.atomic
def box_suggestion_no_answer(*, suggestion_id: int, by, reason: str) -> BoxSuggestion:
    """R-COM-1 "where an answer is possible": a note left without a contact cannot be answered;
    that is recorded with a reason and meets the deadline. A note with a contact must be answered."""
    return _box_close(
        suggestion_id=suggestion_id, by=by, new=BoxStatus.NO_ANSWER, text=reason,
        empty=_("Please give the reason why no answer is possible."),
    )  # fmt: skip
