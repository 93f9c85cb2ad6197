"""Bulletin-board notices (公告, R-COM-2): their state changes and their reads.

"Planned water or power cuts are announced at least 24 hours ahead; unplanned ones are explained
with an apology afterwards. Fee accounts are published at least every three months."

A notice is written as a draft (notice_create, notice_update), printed on A4, put up on the board
and then marked published (notice_publish): the publication time is the server's clock at that
moment, never typed in. A published notice can be withdrawn with a reason (notice_withdraw); it
stays in the history. Each function checks who acts and the rule, writes the row and its audit line
(propsvc.AuditEntry, the notice's trail: the notice has no event table of its own, its dates and
actors live on the row) in one transaction; anything refused raises SurveyError and writes nothing.

The fee accounts are a ledger obligation per community (kind KIND_FEE_ACCOUNT, case = the
Community): publishing a fee-account notice meets the open row and opens the next, due at 24:00
(Asia/Shanghai) of the day three calendar months later; a daily beat job opens the first row of
every community that has none (fee_account_deadlines_open).

The result of a satisfaction survey (kind SURVEY_RESULT) is written and published from its round
(the round's own service); here it is listed, shown and printed, never written, edited or withdrawn.
"""

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from propsvc.concurrency import ensure_fresh
from propsvc.models import Community, Deadline, Department
from propsvc.roles import Perm, Role
from propsvc.services import audit_write, deadline_meet, deadline_open, notification_send
from surveys.models import CUT_NOTICE_HOURS, FEE_ACCOUNT_MONTHS, KIND_FEE_ACCOUNT, Month, Notice
from surveys.services import SurveyError, _holders

Kind = Notice.Kind
Status = Notice.Status

# The kinds written here; a survey result comes from its round.
WRITABLE_KINDS = (Kind.WATER_CUT, Kind.POWER_CUT, Kind.UNPLANNED_CUT, Kind.FEE_ACCOUNT, Kind.OTHER)
CUT_NOTICE = timedelta(hours=CUT_NOTICE_HOURS)  # R-COM-2, R-TIME: hours run on the clock
# The quarterly row's reminder: a week ahead (the default, 4 hours, is too short to prepare accounts).
FEE_ACCOUNT_WARN_BEFORE = timedelta(days=7)
# Who hears that the fee accounts are overdue: the responsible person is the CS center manager, so
# the escalation goes above them, to the company leadership (company-level holders are reached).
FEE_ACCOUNT_ESCALATE = Role.LEADERSHIP
# Who is told when a cut notice goes up: the front desk and the stewards take the owners' calls.
CUT_INFORMED_ROLES = (Role.RECEPTIONIST, Role.AREA_STEWARD)

# The transitions (the model declares none; kept here with the service that enforces them).
NEXT = {
    Status.DRAFT: {Status.PUBLISHED},
    Status.PUBLISHED: {Status.WITHDRAWN},
    Status.WITHDRAWN: set(),
}

# The heading printed on the sheet, by kind.
HEADINGS = {
    Kind.WATER_CUT: pgettext_lazy("notice heading", "Water cut notice"),
    Kind.POWER_CUT: pgettext_lazy("notice heading", "Power cut notice"),
    Kind.UNPLANNED_CUT: pgettext_lazy("notice heading", "Explanation and apology"),
    Kind.FEE_ACCOUNT: pgettext_lazy("notice heading", "Fee accounts notice"),
    Kind.SURVEY_RESULT: pgettext_lazy("notice heading", "Satisfaction survey results"),
    Kind.OTHER: pgettext_lazy("notice heading", "Notice"),
}


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _today(now: datetime) -> date:
    return now.astimezone(_tz()).date()


def _local(moment: datetime) -> str:
    return moment.astimezone(_tz()).strftime("%Y-%m-%d %H:%M")


# -- who may act -------------------------------------------------------------------------------------------


def may_publish(user, obj) -> bool:
    """obj: a Community or a Notice — the permission is asked in its community (R-COM-2: the CS
    supervisor, the CS center manager, the property supervisor)."""
    return user.has_perm(Perm.PUBLISH_NOTICE, obj)


def may_read(user, obj) -> bool:
    """Every staff member of the community reads its notices (every staff role has VIEW_REGISTER)."""
    return user.has_perm(Perm.VIEW_REGISTER, obj)


def can_become(notice: Notice, new: str) -> bool:
    return new in NEXT.get(notice.status, set())


def default_signed_by(community: Community) -> str:
    """The signature under a notice unless the writer gives another: the community's service center,
    in the owners' language (the site's default), whatever the writer's screen shows."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("%(community)s customer service center") % {"community": community.name}


def heading(notice: Notice) -> str:
    return str(HEADINGS.get(notice.kind, HEADINGS[Kind.OTHER]))


# -- the rules of R-COM-2 --------------------------------------------------------------------------------


def notice_problems(
    *,
    kind: str,
    starts_at: datetime | None,
    ends_at: datetime | None,
    period_from: date | None,
    period_to: date | None,
    now: datetime,
) -> list[tuple[str, str]]:
    """What is wrong with a notice's times (field, message), for the form and the services alike.

    A planned cut (R-COM-2): when it starts and when the supply is back, the end after the start and
    the start in the future (the 24 hours are checked when it is published). An unplanned cut is
    explained afterwards: it began in the past; when the supply was (or will be) back is optional.
    Fee accounts: the period covered, in order, not running into the future.
    """
    problems = []
    if kind in Notice.PLANNED_CUTS:
        if starts_at is None:
            problems.append(("starts_at", _("Give the time the cut starts.")))
        if ends_at is None:
            problems.append(("ends_at", _("Give the time the supply is back.")))
        if starts_at is not None and starts_at <= now:
            problems.append(
                ("starts_at", _("A planned cut starts in the future. A cut that has already begun is "
                                "explained afterwards with an unplanned-cut notice."))
            )  # fmt: skip
    elif kind == Kind.UNPLANNED_CUT:
        if starts_at is None:
            problems.append(("starts_at", _("Give the time the cut began.")))
        elif starts_at > now:
            problems.append(
                ("starts_at", _("An unplanned cut is explained after it happened: the time it began cannot "
                                "be in the future. A cut known in advance is a planned cut, announced 24 "
                                "hours ahead."))
            )  # fmt: skip
    elif kind == Kind.FEE_ACCOUNT:
        if period_from is None:
            problems.append(("period_from", _("Give the first day the accounts cover.")))
        if period_to is None:
            problems.append(("period_to", _("Give the last day the accounts cover.")))
        if period_to is not None and period_to > _today(now):
            problems.append(
                ("period_to", _("The accounts cannot cover days still to come: end the period today at the "
                                "latest."))
            )  # fmt: skip
    if kind in (*Notice.PLANNED_CUTS, Kind.UNPLANNED_CUT) and starts_at and ends_at and ends_at <= starts_at:
        problems.append(("ends_at", _("The cut must end after it starts.")))
    if kind == Kind.FEE_ACCOUNT and period_from and period_to and period_to < period_from:
        problems.append(("period_to", _("The accounts period must end on or after its first day.")))
    return problems


def cut_notice_refusal(*, notice: Notice, now: datetime) -> str | None:
    """R-COM-2: why a planned cut cannot be published now — its start is less than 24 hours away
    (exactly 24 hours is enough) — or None."""
    if notice.kind not in Notice.PLANNED_CUTS or notice.starts_at is None:
        return None
    left = notice.starts_at - now
    if left >= CUT_NOTICE:
        return None
    if left <= timedelta(0):
        return _(
            "This planned cut was to start at %(start)s, which has passed. R-COM-2 requires a planned cut "
            "to be announced at least 24 hours ahead; explain a cut that has happened with an "
            "unplanned-cut notice (explanation and apology)."
        ) % {"start": _local(notice.starts_at)}
    minutes = int(left.total_seconds() // 60)
    return _(
        "This planned cut starts at %(start)s, only %(hours)d h %(minutes)d min from now. R-COM-2 requires "
        "the notice to be on the bulletin board at least 24 hours before a planned cut: move the cut to "
        "%(earliest)s or later. If the work is urgent, carry it out as an unplanned cut and publish an "
        "explanation and apology afterwards."
    ) % {
        "start": _local(notice.starts_at),
        "hours": minutes // 60,
        "minutes": minutes % 60,
        "earliest": _local(now + CUT_NOTICE),
    }


def fee_account_due_at(published_at: datetime) -> datetime:
    """R-COM-2, R-TIME-1, R-TIME-2: the next fee accounts are due at 24:00 (Asia/Shanghai) of the day
    three calendar months after the publication, clipped to the month's end: published on
    2026-11-30, due by the end of 2027-02-28, i.e. at 2027-03-01 00:00."""
    day = _today(published_at)
    months = day.month - 1 + FEE_ACCOUNT_MONTHS
    year, month = day.year + months // 12, months % 12 + 1
    last = date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
    return datetime.combine(last + timedelta(days=1), time.min, tzinfo=_tz())


# -- helpers -----------------------------------------------------------------------------------------------


def _ensure(allowed: bool, message: str) -> None:
    if not allowed:
        raise SurveyError(message)


def _clean_fields(*, kind, title, body, starts_at, ends_at, period_from, period_to, signed_by, community):
    """The notice's fields as they are stored, or SurveyError with the first problem."""
    if kind not in WRITABLE_KINDS:
        raise SurveyError(
            _("Choose the kind of notice. The results of a satisfaction survey are published from its round.")
        )
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        raise SurveyError(_("Give the notice a title."))
    if len(title) > Notice._meta.get_field("title").max_length:
        raise SurveyError(_("The title is too long."))
    if not body:
        raise SurveyError(_("Write the text of the notice."))
    # Only the times that belong to the kind are kept (a cut has no accounts period, and so on).
    if kind not in (*Notice.PLANNED_CUTS, Kind.UNPLANNED_CUT):
        starts_at = ends_at = None
    if kind != Kind.FEE_ACCOUNT:
        period_from = period_to = None
    problems = notice_problems(
        kind=kind, starts_at=starts_at, ends_at=ends_at, period_from=period_from, period_to=period_to,
        now=timezone.now(),
    )  # fmt: skip
    if problems:
        raise SurveyError(problems[0][1])
    signed_by = (signed_by or "").strip()[:100] or default_signed_by(community)
    return {
        "kind": kind, "title": title, "body": body, "starts_at": starts_at, "ends_at": ends_at,
        "period_from": period_from, "period_to": period_to, "signed_by": signed_by,
    }  # fmt: skip


def _lock(notice_id: int) -> Notice:
    return Notice.objects.select_for_update(of=("self",)).select_related("community").get(pk=notice_id)


def _cannot_become(notice: Notice, new: str) -> SurveyError:
    return SurveyError(
        _("This notice is “%(status)s”; it cannot become “%(new)s”.")
        % {"status": notice.get_status_display(), "new": Status(new).label}
    )


def _ensure_not_from_round(notice: Notice) -> None:
    if notice.kind == Kind.SURVEY_RESULT:
        raise SurveyError(_("The results of a satisfaction survey are published and changed from the round."))


# -- writing a notice --------------------------------------------------------------------------------------


@transaction.atomic
def notice_create(
    *,
    by,
    community: Community,
    kind: str,
    title: str,
    body: str,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    period_from: date | None = None,
    period_to: date | None = None,
    signed_by: str = "",
) -> Notice:
    """R-COM-2: write a notice for a community's bulletin board, as a draft (printed, put up, then
    published). Signed by the community's customer service center unless told otherwise."""
    _ensure(
        may_publish(by, community),
        _("You may not write notices for %(community)s.") % {"community": community.name},
    )
    fields = _clean_fields(
        kind=kind, title=title, body=body, starts_at=starts_at, ends_at=ends_at, period_from=period_from,
        period_to=period_to, signed_by=signed_by, community=community,
    )  # fmt: skip
    notice = Notice.objects.create(community=community, created_by=by, **fields)
    audit_write(kind="surveys.notice_created", actor=by, community=community, notice=notice.pk, type=kind)
    return notice


@transaction.atomic
def notice_update(
    *,
    notice_id: int,
    by,
    kind: str,
    title: str,
    body: str,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    period_from: date | None = None,
    period_to: date | None = None,
    signed_by: str = "",
    version: str = "",
) -> Notice:
    """Rewrite a draft (its community stays). A published or withdrawn notice is not changed: what
    was on the board stays as it was; withdraw it and write a new one. `version` is the edit form's
    token (propsvc.concurrency): a draft saved by someone else since is refused."""
    notice = _lock(notice_id)
    ensure_fresh(notice, version=version, error=SurveyError)
    _ensure(may_publish(by, notice), _("You may not change the notices of this community."))
    _ensure_not_from_round(notice)
    if notice.status != Status.DRAFT:
        raise SurveyError(
            _("Only a draft can be changed; this notice is “%(status)s”.")
            % {"status": notice.get_status_display()}
        )
    fields = _clean_fields(
        kind=kind, title=title, body=body, starts_at=starts_at, ends_at=ends_at, period_from=period_from,
        period_to=period_to, signed_by=signed_by, community=notice.community,
    )  # fmt: skip
    for name, value in fields.items():
        setattr(notice, name, value)
    notice.save()
    audit_write(kind="surveys.notice_edited", actor=by, community=notice.community, notice=notice.pk)
    return notice


# -- publishing and withdrawing ----------------------------------------------------------------------------


@transaction.atomic
def notice_publish(*, notice_id: int, by) -> Notice:
    """R-COM-2: mark a draft as put up on the bulletin board; the publication time is now.

    Refused, with the reason and nothing written: a planned water or power cut that starts less than
    24 hours from now (exactly 24 hours is enough; the message says how long is left and suggests an
    unplanned-cut explanation when the work is urgent); an unplanned cut whose start is in the
    future (it is explained afterwards); fee accounts whose period runs into the future.
    Publishing the fee accounts meets the community's open fee-account deadline and opens the next,
    due at 24:00 three calendar months later (fee_account_due_at). A cut notice is told to the
    community's front desk and stewards, who take the owners' calls.
    """
    notice = _lock(notice_id)
    _ensure(may_publish(by, notice), _("You may not publish the notices of this community."))
    if not can_become(notice, Status.PUBLISHED):
        raise _cannot_become(notice, Status.PUBLISHED)
    now = timezone.now()
    refusal = cut_notice_refusal(notice=notice, now=now)
    if refusal:
        raise SurveyError(refusal)
    problems = notice_problems(
        kind=notice.kind, starts_at=notice.starts_at, ends_at=notice.ends_at,
        period_from=notice.period_from, period_to=notice.period_to, now=now,
    )  # fmt: skip
    if problems:
        raise SurveyError(problems[0][1])
    notice.status, notice.published_at, notice.published_by = Status.PUBLISHED, now, by
    notice.save(update_fields=["status", "published_at", "published_by", "updated_at"])
    audit_write(kind="surveys.notice_published", actor=by, community=notice.community, notice=notice.pk)
    with translation.override(settings.LANGUAGE_CODE):  # the ledger title and messages are stored
        _after_publication(notice, by=by, now=now)
    return notice


def _after_publication(notice: Notice, *, by, now: datetime) -> None:
    if notice.kind == Kind.FEE_ACCOUNT:
        community = Community.objects.select_for_update().get(pk=notice.community_id)
        deadline_meet(case=community, kind=KIND_FEE_ACCOUNT, by=by, at=now)
        _open_fee_account_deadline(community=community, due_at=fee_account_due_at(now))
    elif notice.kind in (*Notice.PLANNED_CUTS, Kind.UNPLANNED_CUT):
        informed = [u for role in CUT_INFORMED_ROLES for u in _holders(role, notice.community_id)]
        notification_send(
            recipients=[u for u in informed if u.pk != by.pk],
            text=_("On the bulletin board of %(community)s: %(kind)s “%(title)s” (%(start)s). Owners may "
                   "call about it.") % {
                "community": notice.community.name, "kind": notice.get_kind_display(),
                "title": notice.title, "start": _local(notice.starts_at),
            },
            link=notice.get_absolute_url(),
        )  # fmt: skip


@transaction.atomic
def notice_withdraw(*, notice_id: int, by, reason: str) -> Notice:
    """Take a published notice off the board, with the reason; it stays in the history, marked
    withdrawn. The ledger is not touched: withdrawn fee accounts were on the board all the same, and
    a corrected notice published afterwards starts the next three months from its own date. A survey
    result is withdrawn only from its round."""
    notice = _lock(notice_id)
    _ensure(may_publish(by, notice), _("You may not withdraw the notices of this community."))
    _ensure_not_from_round(notice)
    if not can_become(notice, Status.WITHDRAWN):
        raise _cannot_become(notice, Status.WITHDRAWN)
    reason = (reason or "").strip()
    if not reason:
        raise SurveyError(_("Give the reason for withdrawing the notice."))
    max_length = Notice._meta.get_field("withdrawn_reason").max_length
    if len(reason) > max_length:
        raise SurveyError(_("The reason may have at most %(max)d characters.") % {"max": max_length})
    notice.status, notice.withdrawn_at, notice.withdrawn_reason = Status.WITHDRAWN, timezone.now(), reason
    notice.save(update_fields=["status", "withdrawn_at", "withdrawn_reason", "updated_at"])
    audit_write(kind="surveys.notice_withdrawn", actor=by, community=notice.community, notice=notice.pk)
    return notice


# -- the quarterly fee accounts (R-COM-2) ------------------------------------------------------------------


def fee_account_title(community: Community) -> str:
    return _("Fee accounts of %(community)s: publish them on the bulletin board (at least every three "
             "months)") % {"community": community.name}  # fmt: skip


def _open_fee_account_deadline(*, community: Community, due_at: datetime) -> Deadline:
    """The community's next fee-account row: the CS center manager (the first by membership) is
    responsible; with none, the community's customer service department; the leadership hears when
    it is overdue. The caller holds the community's row lock (one open row per community)."""
    managers = _holders(Role.CS_MANAGER, community.pk)
    department = None
    if not managers:
        department = Department.objects.filter(
            community=community, kind=Department.Kind.CUSTOMER_SERVICE
        ).first()
    return deadline_open(
        case=community,
        community=community,
        kind=KIND_FEE_ACCOUNT,
        title=fee_account_title(community),
        link=reverse("surveys:fee-accounts"),
        due_at=due_at,
        responsible_user=managers[0] if managers else None,
        responsible_department=department,
        escalate_role=FEE_ACCOUNT_ESCALATE,
        warn_before=FEE_ACCOUNT_WARN_BEFORE,
    )


def _open_rows() -> QuerySet[Deadline]:
    community_type = ContentType.objects.get_for_model(Community)
    return Deadline.objects.filter(content_type=community_type, kind=KIND_FEE_ACCOUNT, met_at__isnull=True)


@transaction.atomic
def fee_account_deadline_open(*, community_id: int) -> Deadline | None:
    """R-COM-2: open a community's fee-account row when it has none open (a rerun opens nothing).

    Due three calendar months after its last fee-account publication (published_at set, withdrawn
    since or not) — already overdue if that was longer ago — or, for a community that never
    published its accounts here, three months after today: a new community (or one that starts
    using the system) gets a quarter for its first accounts rather than an instant overdue notice.
    """
    community = Community.objects.select_for_update().get(pk=community_id)
    if _open_rows().filter(object_id=community.pk).exists():
        return None
    last = (
        Notice.objects.filter(community=community, kind=Kind.FEE_ACCOUNT, published_at__isnull=False)
        .order_by("-published_at")
        .values_list("published_at", flat=True)
        .first()
    )
    return _open_fee_account_deadline(community=community, due_at=fee_account_due_at(last or timezone.now()))


def fee_account_deadlines_open() -> list[Deadline]:
    """Beat (daily): the first fee-account row of every community with none open. Each community in
    its own transaction, under its row lock, so a rerun or a second worker opens nothing twice."""
    missing = Community.objects.exclude(pk__in=_open_rows().values("object_id"))
    opened = []
    with translation.override(settings.LANGUAGE_CODE):
        for community_id in missing.order_by("pk").values_list("pk", flat=True):
            deadline = fee_account_deadline_open(community_id=community_id)
            if deadline is not None:
                opened.append(deadline)
    return opened


# -- reads -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoticeFilter:
    """What the list's filter form asks for (all optional)."""

    communities: list[int] | None = None  # None: every visible community
    kind: str = ""
    status: str = ""
    month: date | None = None  # the first day of the month: published then, or (a draft) written then


def notice_list(*, user, filters: NoticeFilter) -> QuerySet[Notice]:
    """The list, joined for the page: one query for the page whatever its length."""
    qs = (
        Notice.objects.visible_to(user)
        .in_communities(filters.communities)
        .select_related("community", "created_by", "published_by")
    )
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.month:
        month = Month.of(filters.month)
        qs = qs.filter(
            Q(published_at__gte=month.start, published_at__lt=month.end)
            | Q(published_at__isnull=True, created_at__gte=month.start, created_at__lt=month.end)
        )
    return qs.order_by("-created_at", "-pk")


def notice_get_for_user(*, user, pk: int) -> Notice:
    """One notice, or 404 outside the user's communities."""
    qs = Notice.objects.visible_to(user).select_related(
        "community", "created_by", "published_by", "survey_round"
    )
    return get_object_or_404(qs, pk=pk)


@dataclass(frozen=True)
class FeeAccountLine:
    community: Community
    last_published_at: datetime | None
    last_notice_id: int | None
    deadline: Deadline | None

    @property
    def due_at(self) -> datetime | None:
        return self.deadline.due_at if self.deadline else None

    @property
    def is_overdue(self) -> bool:
        return bool(self.deadline and self.deadline.is_overdue)

    @property
    def last_due_day(self) -> date | None:
        """The last day to publish (the row is due at 24:00 of it, i.e. 00:00 the day after)."""
        return _today(self.deadline.due_at) - timedelta(days=1) if self.deadline else None


def fee_account_overview(*, user, communities: list[int]) -> list[FeeAccountLine]:
    """R-COM-2: per community, the last fee-account publication and the next due date — two queries
    whatever the number of communities (the communities with their last publication; the open rows)."""
    last = Notice.objects.filter(
        community=OuterRef("pk"), kind=Kind.FEE_ACCOUNT, published_at__isnull=False
    ).order_by("-published_at", "-pk")
    rows = (
        Community.objects.visible_to(user)
        .filter(pk__in=communities)
        .annotate(
            last_published_at=Subquery(last.values("published_at")[:1]),
            last_notice_id=Subquery(last.values("pk")[:1]),
        )
        .order_by("name")
    )
    # (one open row per community; should there be two, the earliest counts)
    open_rows = {d.object_id: d for d in _open_rows().filter(object_id__in=communities).order_by("-due_at")}
    return [
        FeeAccountLine(
            community=c,
            last_published_at=c.last_published_at,
            last_notice_id=c.last_notice_id,
            deadline=open_rows.get(c.pk),
        )
        for c in rows
    ]
