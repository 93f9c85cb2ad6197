"""Every state change of a complaint and its call-backs (DOMAIN.md R-CMP-*, R-CB-*).

One function per transition: it locks the complaint, checks the transition is allowed and that
the person may make it, changes it, writes the timeline event and the ledger deadlines
(propsvc.Deadline) in the same transaction, and sends notifications. Anything else is refused
with a ComplaintError and writes nothing.

Who acts (R-CMP-5, docs/ARCHITECTURE.md): the permission matrix says which roles may do a kind
of thing at all; the complaint then decides which of them may do it to *this* complaint —
general ones by the property supervisor (or the CS center manager above them), serious and major
ones by the CS center manager, complaints about the company itself by the quality department;
only a head of the responsible department signs a result off (R-CMP-6).
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from archives.models import Owner, Unit
from complaints.models import (
    IMPORTANT,
    Callback,
    Category,
    Complaint,
    ComplaintEvent,
    ComplaintPause,
    Rating,
    Severity,
    Validity,
)
from propsvc.errors import DomainError
from propsvc.models import Community, Department, Membership
from propsvc.roles import Perm, Role
from propsvc.services import (
    deadline_meet,
    deadline_open,
    deadline_pause,
    deadline_reschedule,
    deadline_resume,
    notification_send,
)
from propsvc.tenancy import roles_of
from reception import services as reception
from reception.models import LIVE_CHANNELS, ReceptionRecord, WorkOrder

FIRST_RESPONSE_WITHIN = timedelta(hours=24)  # R-REC-3
RESOLVE_WITHIN = timedelta(hours=48)  # R-CMP-4
LEADER_ORDER_WITHIN = timedelta(hours=24)  # the leader's analysis and work order (R-CMP-5)
SIGN_OFF_WITHIN = timedelta(hours=24)  # the department head's sign-off (R-CMP-6)
OWNER_ANSWER_WITHIN = timedelta(hours=24)  # the solution put to the owner (R-CMP-7)
CALLBACK_TRIES = 3  # after three failed attempts the call-back is recorded as unreachable
CALL_FROM, CALL_UNTIL = time(8, 0), time(22, 0)  # R-CB-6
CALL_POLITE_START = time(9, 0)  # where an automatic call-back lands when the delay ends at night

KIND_FIRST_RESPONSE = "complaints.first_response"
KIND_RESOLVE = "complaints.resolve"
KIND_LEADER = "complaints.leader_order"
KIND_PLAN = "complaints.plan"
KIND_SIGN_OFF = "complaints.sign_off"
KIND_OWNER_ANSWER = "complaints.owner_answer"
KIND_NEXT_REPLY = "complaints.next_reply"
KIND_CALLBACK = "complaints.callback"

# Deadlines that stop while the complaint waits on the owner.
PAUSABLE = (KIND_RESOLVE, KIND_PLAN)

Status = Complaint.Status


class ComplaintError(DomainError):
    pass


# -- helpers ------------------------------------------------------------------------------------


def _event(complaint, *, kind, by, from_status="", to_status="", note="", **data):
    ComplaintEvent.objects.create(
        community_id=complaint.community_id,
        complaint=complaint,
        kind=kind,
        actor=by,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data,
    )


def _lock(complaint_id: int) -> Complaint:
    return (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("community", "unit__building", "owner", "department")
        .get(pk=complaint_id)
    )


def _ensure_can_become(complaint: Complaint, new: str) -> None:
    if not complaint.can_become(new):
        raise ComplaintError(
            _("This complaint is “%(status)s”; it cannot become “%(new)s”.")
            % {"status": complaint.get_status_display(), "new": Status(new).label}
        )


def _move(complaint: Complaint, new: str, *, kind: str, by, note: str = "", **data) -> None:
    _ensure_can_become(complaint, new)
    old = complaint.status
    complaint.status = new
    if new == Status.CLOSED:
        complaint.closed_at = timezone.now()
    _event(complaint, kind=kind, by=by, from_status=old, to_status=new, note=note, **data)


def _title(complaint: Complaint, what: str) -> str:
    place = complaint.place or complaint.who
    return f"{what} · {complaint.number} {place}：{complaint.subject}"[:200]


def _required(value: str, message: str) -> str:
    if not (value or "").strip():
        raise ComplaintError(message)
    return value.strip()


def _ensure_future(moment: datetime | None, message: str) -> None:
    if moment is None or moment <= timezone.now():
        raise ComplaintError(message)


def _holders(role: str, community_id: int | None) -> list:
    memberships = Membership.objects.filter(role=role, user__is_active=True, community_id=community_id)
    return [m.user for m in memberships.select_related("user").order_by("pk")]


def handler_roles(complaint: Complaint) -> set[str]:
    """R-CMP-5: who handles this complaint — by its category and severity."""
    if complaint.category == Category.COMPANY:
        return {Role.QUALITY}
    if complaint.severity in IMPORTANT:
        return {Role.CS_MANAGER}
    return {Role.PROPERTY_SUPERVISOR, Role.CS_MANAGER}


def _escalate_role(complaint: Complaint) -> str:
    if complaint.category == Category.COMPANY:
        return Role.QUALITY
    return Role.CS_MANAGER if complaint.severity in IMPORTANT else Role.PROPERTY_SUPERVISOR


def may_handle(complaint: Complaint, user) -> bool:
    if user.is_superuser:
        return True
    if not user.has_perm(Perm.HANDLE_COMPLAINT, complaint):
        return False
    return bool(roles_of(user, community_id=complaint.community_id) & handler_roles(complaint))


def _ensure_handler(complaint: Complaint, by) -> None:
    if not may_handle(complaint, by):
        names = "、".join(str(Role(r).label) for r in sorted(handler_roles(complaint)))
        raise ComplaintError(
            _("Only the %(roles)s may handle complaint %(number)s.")
            % {"roles": names, "number": complaint.number}
        )


def _is_department_member(user, department_id: int, *, heads_only: bool = False) -> bool:
    roles = [Role.DEPARTMENT_HEAD] if heads_only else [Role.DEPARTMENT_HEAD, Role.DEPARTMENT_STAFF]
    return Membership.objects.filter(user=user, department_id=department_id, role__in=roles).exists()


def may_report_result(complaint: Complaint, user) -> bool:
    """R-CMP-6: the person who solved it — the handler, the assigned person or the department."""
    if may_handle(complaint, user) or (complaint.assignee_id and complaint.assignee_id == user.pk):
        return True
    return user.has_perm(Perm.REPORT_COMPLAINT_RESULT, complaint) and _is_department_member(
        user, complaint.department_id
    )


def may_sign_off(complaint: Complaint, user) -> bool:
    """R-CMP-6: only a head of the responsible department signs off."""
    return user.has_perm(Perm.SIGN_OFF_COMPLAINT, complaint) and _is_department_member(
        user, complaint.department_id, heads_only=True
    )


def may_call_back(complaint: Complaint, user) -> bool:
    """R-CB-1: the CS center calls back; the CS center manager for major complaints."""
    if user.is_superuser:
        return True
    if not user.has_perm(Perm.CALL_BACK, complaint):
        return False
    if complaint.severity == Severity.MAJOR:
        return Role.CS_MANAGER in roles_of(user, community_id=complaint.community_id)
    return True


def may_issue_order(complaint: Complaint, user) -> bool:
    """R-CMP-5: the leader in charge issues the work order for an important complaint; the handler
    may also pass any valid complaint to a department (R-CMP-2)."""
    if may_handle(complaint, user):
        return True
    return user.has_perm(Perm.ISSUE_COMPLAINT_ORDER, complaint) and Role.LEADERSHIP in roles_of(user)


def _local(moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE))


def within_call_hours(moment: datetime) -> bool:
    """R-CB-6: no call or home visit after 22:00 or before 08:00 (local time)."""
    local = _local(moment).time()
    return CALL_FROM <= local <= CALL_UNTIL


def _ensure_call_hours(moment: datetime, message: str) -> None:
    if not within_call_hours(moment):
        raise ComplaintError(message)


def next_call_time(moment: datetime) -> datetime:
    """The first moment at or after `moment` when a call is allowed; a night lands on 09:00."""
    local = _local(moment)
    if local.time() < CALL_FROM:
        return local.replace(hour=CALL_POLITE_START.hour, minute=0, second=0, microsecond=0)
    if local.time() > CALL_UNTIL:
        next_day = local + timedelta(days=1)
        return next_day.replace(hour=CALL_POLITE_START.hour, minute=0, second=0, microsecond=0)
    return local


def callback_delay(category: str) -> timedelta:
    """R-CB-2: when to call back depends on the complaint (PROPSVC_CALLBACK_DELAY, per category)."""
    delays = settings.PROPSVC_CALLBACK_DELAY
    return delays.get(category, delays["default"])


def _first_response(complaint: Complaint, *, by, note: str) -> None:
    """R-REC-3: the first time the owner hears from us. Recorded once; meets the 24-hour row."""
    if complaint.first_response_at:
        return
    complaint.first_response_at = timezone.now()
    complaint.first_response_by = by
    complaint.first_response_note = note
    deadline_meet(case=complaint, kind=KIND_FIRST_RESPONSE, by=by)
    _event(complaint, kind="complaint.first_response", by=by, note=note)


# -- registering --------------------------------------------------------------------------------


def _department_for(community: Community, category: str, department: Department | None) -> Department:
    if category == Category.COMPANY:
        # R-CMP-5: complaints about the company as a whole go to the quality department.
        quality = Department.objects.filter(community__isnull=True, kind=Department.Kind.QUALITY).first()
        if quality is None:
            raise ComplaintError(_("The company has no quality department yet; ask the administrator."))
        return quality
    if department is None:
        raise ComplaintError(_("Choose the responsible department."))
    if department.community_id != community.pk:
        raise ComplaintError(
            _("The responsible department must belong to %(community)s.") % {"community": community.name}
        )
    return department


@transaction.atomic
def complaint_register(
    *, by, community: Community, category: str, severity: str, subject: str,
    department: Department | None = None, details: str = "", request: str = "",
    received_at: datetime | None = None, channel: str = "visit", unit: Unit | None = None,
    owner: Owner | None = None, contact_name: str = "", contact_phone: str = "",
    apology_given: bool = False, response_note: str = "",
) -> Complaint:  # fmt: skip
    """R-CMP-2: a complaint registered directly (not from a desk record).

    The apology is part of receipt: on a visit or a call it is given there and then, and that is
    the first response (R-REC-3); a letter or online message gets its first response later.
    """
    if not by.has_perm(Perm.REGISTER_COMPLAINT, community):
        raise ComplaintError(
            _("You may not register complaints in %(community)s.") % {"community": community.name}
        )
    if unit is not None and unit.community_id != community.pk:
        raise ComplaintError(_("The unit is not in %(community)s.") % {"community": community.name})
    if owner is not None and owner.community_id != community.pk:
        raise ComplaintError(_("The owner is not in %(community)s.") % {"community": community.name})
    if unit is None and not contact_name.strip():
        raise ComplaintError(_("Choose a unit or enter the complainant's name and phone."))
    received_at = received_at or timezone.now()
    if received_at > timezone.now() + timedelta(minutes=5):
        raise ComplaintError(_("The time received cannot be in the future."))
    complaint = Complaint(
        community=community,
        unit=unit,
        owner=owner,
        contact_name=contact_name.strip(),
        contact_phone=contact_phone.strip(),
        channel=channel,
        subject=_required(subject, _("Write down what the owner complains about.")),
        details=details.strip(),
        request=request.strip(),
        received_at=received_at,
        received_by=by,
    )
    _classify(complaint, community=community, category=category, severity=severity, department=department)
    _ensure_apology(complaint, apology_given)
    complaint.save()
    _event(complaint, kind="complaint.registered", by=by, to_status=complaint.status)
    deadline_open(
        case=complaint,
        community=community,
        kind=KIND_FIRST_RESPONSE,
        title=_title(complaint, _("First response")),
        link=complaint.get_absolute_url(),
        due_at=received_at + FIRST_RESPONSE_WITHIN,
        responsible_user=by,
        escalate_role=_escalate_role(complaint),
    )
    _after_receipt(complaint, by=by, response_note=response_note)
    complaint.save()
    return complaint


@transaction.atomic
def complaint_open_from_record(
    *, record_id: int, by, category: str, severity: str, department: Department | None = None,
    apology_given: bool = False, response_note: str = "",
) -> Complaint:  # fmt: skip
    """The usual way in: a desk record of kind complaint is followed up as a complaint (R-CMP-2).

    The record's facts are copied, the record closes with that outcome, and its 24-hour
    first-response deadline moves to the complaint (reception.services.record_to_complaint).
    """
    record = (
        ReceptionRecord.objects.select_related("community", "unit__building", "owner", "received_by")
        .filter(pk=record_id)
        .first()
    )
    if record is None:
        raise ComplaintError(_("The reception record does not exist."))
    if not by.has_perm(Perm.REGISTER_COMPLAINT, record.community):
        raise ComplaintError(
            _("You may not register complaints in %(community)s.") % {"community": record.community.name}
        )
    if Complaint.objects.filter(record_id=record.pk).exists():
        raise ComplaintError(_("This record is already followed up as a complaint."))
    complaint = Complaint(
        community=record.community,
        record=record,
        unit=record.unit,
        owner=record.owner,
        contact_name=record.contact_name,
        contact_phone=record.contact_phone,
        channel=record.channel,
        subject=record.subject,
        details=record.details,
        request=record.request,
        received_at=record.received_at,
        received_by=record.received_by,
        first_response_at=record.first_response_at,
        first_response_by=record.first_response_by,
        first_response_note=record.first_response_note,
    )
    _classify(
        complaint, community=record.community, category=category, severity=severity, department=department
    )
    _ensure_apology(complaint, apology_given)
    complaint.save()
    try:
        reception.record_to_complaint(
            record_id=record.pk,
            by=by,
            complaint=complaint,
            new_kind=KIND_FIRST_RESPONSE,
            title=_title(complaint, _("First response")),
        )
    except reception.ReceptionError as exc:
        raise ComplaintError(str(exc)) from exc
    _event(
        complaint,
        kind="complaint.from_record",
        by=by,
        to_status=complaint.status,
        note=record.number,
        record=record.pk,
    )
    _after_receipt(complaint, by=by, response_note=response_note)
    complaint.save()
    return complaint


def _classify(complaint: Complaint, *, community, category: str, severity: str, department) -> None:
    if category not in Category.values:
        raise ComplaintError(_("Choose the category of the complaint."))
    if severity not in Severity.values:
        raise ComplaintError(_("Choose the severity of the complaint."))
    complaint.category = category
    complaint.severity = severity
    complaint.department = _department_for(community, category, department)


def _ensure_apology(complaint: Complaint, apology_given: bool) -> None:
    # R-CMP-2: on a visit or a call the apology is given on receipt.
    if complaint.channel in LIVE_CHANNELS and not apology_given:
        raise ComplaintError(_("Apologise to the owner first, then tick “Apology given”."))
    complaint.apology_given = apology_given


def _after_receipt(complaint: Complaint, *, by, response_note: str) -> None:
    """What follows receipt at once: the first response at the counter, 一报告, the quality dept."""
    if complaint.channel in LIVE_CHANNELS and complaint.apology_given:
        note = response_note.strip() or _(
            "Apologised and took the complaint; the owner was told it will be followed up."
        )
        _first_response(complaint, by=by, note=note)
    if complaint.severity == Severity.MAJOR:
        _report_major(complaint, by=by)
    if complaint.category == Category.COMPANY:
        quality = _holders(Role.QUALITY, None)
        notification_send(
            recipients=quality,
            text=_("Complaint %(number)s about the company itself, from %(community)s: %(subject)s")
            % {
                "number": complaint.number,
                "community": complaint.community.name,
                "subject": complaint.subject,
            },
            link=complaint.get_absolute_url(),
            email=True,
        )
        _event(complaint, kind="complaint.to_quality", by=by, recipients=[u.pk for u in quality])


def _report_major(complaint: Complaint, *, by) -> None:
    """R-CMP-1 一报告 / R-REC-6: a major complaint goes at once to the CS center manager and leadership."""
    recipients = _holders(Role.CS_MANAGER, complaint.community_id) + _holders(Role.LEADERSHIP, None)
    notification_send(
        recipients=recipients,
        text=_("Major complaint %(number)s in %(community)s: %(subject)s (%(place)s)")
        % {
            "number": complaint.number,
            "community": complaint.community.name,
            "subject": complaint.subject,
            "place": complaint.place or complaint.who,
        },
        link=complaint.get_absolute_url(),
        email=True,
    )
    complaint.major_reported_at = timezone.now()
    _event(complaint, kind="complaint.major_reported", by=by, recipients=[u.pk for u in recipients])


# -- first response and triage ------------------------------------------------------------------


@transaction.atomic
def complaint_respond(*, complaint_id: int, by, note: str, apology_given: bool) -> Complaint:
    """R-REC-3 / R-CMP-2: the first response to a letter or online complaint, with the apology."""
    complaint = _lock(complaint_id)
    if not (may_handle(complaint, by) or by.has_perm(Perm.REGISTER_COMPLAINT, complaint)):
        raise ComplaintError(_("You may not act on this complaint."))
    if complaint.first_response_at:
        raise ComplaintError(_("The first response has already been recorded."))
    if complaint.status == Status.CLOSED:
        raise ComplaintError(_("This complaint is closed."))
    if not apology_given:
        raise ComplaintError(_("Apologise to the owner first, then tick “Apology given”."))
    complaint.apology_given = True
    _first_response(complaint, by=by, note=_required(note, _("Write down what the owner was told.")))
    complaint.save()
    return complaint


@transaction.atomic
def complaint_triage(
    *, complaint_id: int, by, valid: bool, explanation: str = "", basis: str = "", plan: str = ""
) -> Complaint:
    """R-CMP-3: valid or invalid.

    Invalid: the explanation given to the owner and the rule or law it rests on are required,
    and the complaint closes. Valid, general: resolved within 48 hours of receipt (R-CMP-4).
    Valid, serious or major: reported to the leader in charge, who issues a work order (R-CMP-5).
    """
    complaint = _lock(complaint_id)
    _ensure_handler(complaint, by)
    if complaint.status != Status.NEW:
        # NEXT also leads later statuses to PROCESSING or CLOSED; triage is only ever the first step.
        raise ComplaintError(_("This complaint has already been triaged."))
    complaint.triaged_at = timezone.now()
    complaint.triaged_by = by
    if not valid:
        _ensure_can_become(complaint, Status.CLOSED)
        complaint.validity = Validity.INVALID
        complaint.invalid_explanation = _required(
            explanation, _("Write down the explanation given to the owner for an invalid complaint.")
        )
        complaint.invalid_basis = _required(basis, _("Name the rule or law the explanation rests on."))
        _move(
            complaint,
            Status.CLOSED,
            kind="complaint.triaged_invalid",
            by=by,
            note=f"{complaint.invalid_explanation}\n{complaint.invalid_basis}",
        )
        _first_response(complaint, by=by, note=complaint.invalid_explanation)
        deadline_meet(case=complaint, by=by)
        complaint.save()
        return complaint
    _ensure_can_become(complaint, Status.PROCESSING)
    complaint.validity = Validity.VALID
    complaint.plan = plan.strip()
    _move(complaint, Status.PROCESSING, kind="complaint.triaged_valid", by=by, note=complaint.plan)
    if complaint.severity == Severity.GENERAL:
        # DOMAIN R-CMP-4: a general valid complaint is resolved within 48 hours of receipt.
        deadline_open(
            case=complaint,
            community=complaint.community,
            kind=KIND_RESOLVE,
            title=_title(complaint, _("Resolve within 48 hours")),
            link=complaint.get_absolute_url(),
            due_at=complaint.received_at + RESOLVE_WITHIN,
            responsible_user=by,
            responsible_department=complaint.department,
            escalate_role=_escalate_role(complaint),
        )
    else:
        _report_to_leader(complaint, by=by)
    complaint.save()
    return complaint


def _report_to_leader(complaint: Complaint, *, by) -> None:
    """R-CMP-5: a serious (or major) valid complaint is reported to the leader in charge."""
    leaders = _holders(Role.LEADERSHIP, None)
    complaint.reported_to_leader_at = timezone.now()
    notification_send(
        recipients=leaders,
        text=_(
            "Complaint %(number)s (%(severity)s) in %(community)s needs your analysis "
            "and a work order: %(subject)s"
        )
        % {
            "number": complaint.number,
            "severity": complaint.get_severity_display(),
            "community": complaint.community.name,
            "subject": complaint.subject,
        },
        link=complaint.get_absolute_url(),
        email=True,
    )
    _event(complaint, kind="complaint.reported_to_leader", by=by, recipients=[u.pk for u in leaders])
    deadline_open(
        case=complaint,
        community=complaint.community,
        kind=KIND_LEADER,
        title=_title(complaint, _("Leader's analysis and work order")),
        link=complaint.get_absolute_url(),
        due_at=timezone.now() + LEADER_ORDER_WITHIN,
        responsible_user=by,
        escalate_role=Role.LEADERSHIP,
    )


# -- work orders (R-CMP-2, R-CMP-5) -------------------------------------------------------------


@transaction.atomic
def complaint_issue_work_order(
    *, complaint_id: int, by, department: Department, task: str, due_at: datetime,
    responsible_person=None, analysis: str = "",
) -> WorkOrder:  # fmt: skip
    """R-CMP-5: the leader in charge analyses an important complaint and issues an internal
    coordination work order with the measure, the responsible person and a deadline. The handler
    may pass any valid complaint to a department the same way (R-CMP-2)."""
    complaint = _lock(complaint_id)
    if not may_issue_order(complaint, by):
        raise ComplaintError(
            _("Only the leader in charge or the complaint's handler may issue its work order.")
        )
    if complaint.status != Status.PROCESSING:
        raise ComplaintError(_("A work order can only be issued while the complaint is being handled."))
    leader_order = complaint.is_important and not complaint.analysis
    if leader_order and Role.LEADERSHIP in roles_of(by):
        complaint.analysis = _required(analysis, _("Write down the leader's analysis of the complaint."))
    elif analysis.strip():
        complaint.analysis = analysis.strip()
    try:
        work_order = reception.work_order_issue(
            case=complaint,
            community=complaint.community,
            case_number=complaint.number,
            case_link=complaint.get_absolute_url(),
            place=complaint.place or complaint.who,
            title=_title(complaint, _("Work order")),
            department=department,
            task=task,
            due_at=due_at,
            by=by,
            follow_up_by=complaint.triaged_by or by,
            responsible_person=responsible_person,
        )
    except reception.ReceptionError as exc:
        raise ComplaintError(str(exc)) from exc
    if responsible_person is not None:
        complaint.assignee = responsible_person
    if complaint.analysis and Role.LEADERSHIP in roles_of(by):
        deadline_meet(case=complaint, kind=KIND_LEADER, by=by)  # only the leader meets the leader's row
    _event(
        complaint,
        kind="complaint.work_order",
        by=by,
        note=f"{work_order.number} {department.get_kind_display()}：{work_order.task}",
        work_order=work_order.pk,
    )
    complaint.save()
    return work_order


# -- waiting on the owner ------------------------------------------------------------------------


@transaction.atomic
def complaint_pause(*, complaint_id: int, by, reason: str) -> Complaint:
    """Stop the 48-hour clock while the complaint waits on the owner (away, a part on order)."""
    complaint = _lock(complaint_id)
    _ensure_handler(complaint, by)
    reason = _required(reason, _("Write down why the clock is paused."))
    _move(complaint, Status.PAUSED, kind="complaint.paused", by=by, note=reason)
    now = timezone.now()
    complaint.paused_reason = reason
    ComplaintPause.objects.create(
        community_id=complaint.community_id, complaint=complaint, reason=reason, started_at=now, started_by=by
    )
    for kind in PAUSABLE:
        deadline_pause(case=complaint, kind=kind, at=now)
    complaint.save()
    return complaint


@transaction.atomic
def complaint_resume(*, complaint_id: int, by) -> Complaint:
    complaint = _lock(complaint_id)
    _ensure_handler(complaint, by)
    _ensure_can_become(complaint, Status.PROCESSING)
    if complaint.status != Status.PAUSED:
        raise ComplaintError(_("The clock of this complaint is not paused."))
    now = timezone.now()
    pause = ComplaintPause.objects.select_for_update().get(complaint=complaint, ended_at__isnull=True)
    pause.ended_at, pause.ended_by = now, by
    pause.save(update_fields=["ended_at", "ended_by"])
    paused = now - pause.started_at
    complaint.paused_seconds += int(paused.total_seconds())
    complaint.paused_reason = ""
    for kind in PAUSABLE:
        deadline_resume(case=complaint, kind=kind, at=now)
    hours = round(paused.total_seconds() / 3600, 1)
    _move(
        complaint,
        Status.PROCESSING,
        kind="complaint.resumed",
        by=by,
        note=_("Paused for %(hours)s hours; the deadline moves on by as much.") % {"hours": hours},
        seconds=int(paused.total_seconds()),
    )
    complaint.save()
    return complaint


# -- cannot be solved (R-CMP-8) -------------------------------------------------------------------


def _open_next_reply(complaint: Complaint, *, by) -> None:
    deadline_open(
        case=complaint,
        community=complaint.community,
        kind=KIND_NEXT_REPLY,
        title=_title(complaint, _("Next reply to the owner")),
        link=complaint.get_absolute_url(),
        due_at=complaint.next_reply_at,
        responsible_user=by,
        escalate_role=_escalate_role(complaint),
    )


@transaction.atomic
def complaint_mark_unsolvable(*, complaint_id: int, by, reason: str, next_reply_at: datetime) -> Complaint:
    """R-CMP-8: explained to the owner tactfully, with the date of the next reply fixed (a deadline)."""
    complaint = _lock(complaint_id)
    _ensure_handler(complaint, by)
    _ensure_can_become(complaint, Status.UNSOLVABLE)
    complaint.unsolvable_reason = _required(reason, _("Write down the explanation given to the owner."))
    _ensure_future(next_reply_at, _("The next reply must be later than now; choose it again."))
    complaint.next_reply_at = next_reply_at
    _move(complaint, Status.UNSOLVABLE, kind="complaint.unsolvable", by=by, note=complaint.unsolvable_reason)
    _first_response(complaint, by=by, note=complaint.unsolvable_reason)
    _open_next_reply(complaint, by=by)
    complaint.save()
    return complaint


@transaction.atomic
def complaint_reply_again(*, complaint_id: int, by, note: str, next_reply_at: datetime) -> Complaint:
    """R-CMP-8: the promised reply was given; still not solvable, so the next one is fixed."""
    complaint = _lock(complaint_id)
    _ensure_handler(complaint, by)
    if complaint.status != Status.UNSOLVABLE:
        raise ComplaintError(_("Only a complaint that cannot be solved yet waits for a next reply."))
    note = _required(note, _("Write down what the owner was told."))
    _ensure_future(next_reply_at, _("The next reply must be later than now; choose it again."))
    deadline_meet(case=complaint, kind=KIND_NEXT_REPLY, by=by)
    complaint.next_reply_at = next_reply_at
    _event(complaint, kind="complaint.next_reply", by=by, note=note, next_reply_at=next_reply_at.isoformat())
    _open_next_reply(complaint, by=by)
    complaint.save()
    return complaint


@transaction.atomic
def complaint_take_up(*, complaint_id: int, by, note: str) -> Complaint:
    """A complaint that could not be solved is taken up again (the obstacle is gone)."""
    complaint = _lock(complaint_id)
    _ensure_handler(complaint, by)
    if complaint.status != Status.UNSOLVABLE:
        raise ComplaintError(_("Only a complaint that cannot be solved yet can be taken up again."))
    _move(
        complaint,
        Status.PROCESSING,
        kind="complaint.taken_up",
        by=by,
        note=_required(note, _("Write down what changed.")),
    )
    deadline_meet(case=complaint, kind=KIND_NEXT_REPLY, by=by)
    complaint.next_reply_at = None
    complaint.save()
    return complaint


# -- result, sign-off and the owner's answer (R-CMP-6, R-CMP-7) ---------------------------------


@transaction.atomic
def complaint_report_result(*, complaint_id: int, by, result: str) -> Complaint:
    """R-CMP-6: the person who solved it reports the result; the department head signs it off next."""
    complaint = _lock(complaint_id)
    if not may_report_result(complaint, by):
        raise ComplaintError(
            _("Only the handler, the responsible person or the responsible department may report the result.")
        )
    _ensure_can_become(complaint, Status.RESOLVED)
    if complaint.status != Status.PROCESSING:
        raise ComplaintError(_("Only a complaint being handled can have its result reported."))
    open_orders = WorkOrder.objects.filter(
        case_type=ContentType.objects.get_for_model(Complaint), case_id=complaint.pk
    ).exclude(status=WorkOrder.Status.DONE)
    if open_orders.exists():
        raise ComplaintError(_("A work order of this complaint has no result yet; report once it has."))
    complaint.result = _required(result, _("Write down the result."))
    complaint.result_by = by
    complaint.result_at = timezone.now()
    _move(complaint, Status.RESOLVED, kind="complaint.result", by=by, note=complaint.result)
    for kind in (KIND_RESOLVE, KIND_PLAN, KIND_LEADER):
        deadline_meet(case=complaint, kind=kind, by=by)
    deadline_open(
        case=complaint,
        community=complaint.community,
        kind=KIND_SIGN_OFF,
        title=_title(complaint, _("Department head's sign-off")),
        link=complaint.get_absolute_url(),
        due_at=timezone.now() + SIGN_OFF_WITHIN,
        responsible_department=complaint.department,
        escalate_role=_escalate_role(complaint),
    )
    heads = Membership.objects.filter(department_id=complaint.department_id, role=Role.DEPARTMENT_HEAD)
    notification_send(
        recipients=[m.user for m in heads.select_related("user")],
        text=_("Complaint %(number)s has a result waiting for your sign-off: %(result)s")
        % {"number": complaint.number, "result": complaint.result[:100]},
        link=complaint.get_absolute_url(),
    )
    complaint.save()
    return complaint


@transaction.atomic
def complaint_sign_off(*, complaint_id: int, by, note: str = "") -> Complaint:
    """R-CMP-6: the responsible department's head signs the result off. Nobody else can."""
    complaint = _lock(complaint_id)
    if not may_sign_off(complaint, by):
        raise ComplaintError(
            _("Only a head of %(department)s can sign off this result.")
            % {"department": complaint.department}
        )
    _ensure_can_become(complaint, Status.SIGNED_OFF)
    complaint.signed_off_by = by
    complaint.signed_off_at = timezone.now()
    _move(complaint, Status.SIGNED_OFF, kind="complaint.signed_off", by=by, note=note.strip())
    deadline_meet(case=complaint, kind=KIND_SIGN_OFF, by=by)
    handler = complaint.triaged_by or complaint.received_by
    deadline_open(
        case=complaint,
        community=complaint.community,
        kind=KIND_OWNER_ANSWER,
        title=_title(complaint, _("Put the solution to the owner")),
        link=complaint.get_absolute_url(),
        due_at=timezone.now() + OWNER_ANSWER_WITHIN,
        responsible_user=handler,
        escalate_role=_escalate_role(complaint),
    )
    notification_send(
        recipients=[handler],
        text=_("Complaint %(number)s: the result is signed off — put the solution to the owner.")
        % {"number": complaint.number},
        link=complaint.get_absolute_url(),
    )
    complaint.save()
    return complaint


@transaction.atomic
def complaint_send_back(*, complaint_id: int, by, note: str, due_at: datetime) -> Complaint:
    """R-CMP-6: the department head does not accept the result; it is redone by a new deadline."""
    complaint = _lock(complaint_id)
    if not may_sign_off(complaint, by):
        raise ComplaintError(
            _("Only a head of %(department)s can sign off this result.")
            % {"department": complaint.department}
        )
    if complaint.status != Status.RESOLVED:
        raise ComplaintError(_("Only a result awaiting sign-off can be sent back."))
    note = _required(note, _("Write down what is missing from the result."))
    _ensure_future(due_at, _("The new deadline must be later than now; choose it again."))
    _move(complaint, Status.PROCESSING, kind="complaint.sent_back", by=by, note=note)
    _supersede_result(complaint)
    deadline_meet(case=complaint, kind=KIND_SIGN_OFF, by=by)
    _open_plan(complaint, due_at=due_at, what=_("Redo the result"))
    complaint.save()
    return complaint


def _supersede_result(complaint: Complaint) -> None:
    """A new round starts: the last result and its sign-off stay on the timeline, not on the case,
    so the five-clears checklist and the queues follow the current round."""
    complaint.result, complaint.result_by, complaint.result_at = "", None, None
    complaint.signed_off_by, complaint.signed_off_at = None, None


def _open_plan(complaint: Complaint, *, due_at: datetime, what: str) -> None:
    deadline_open(
        case=complaint,
        community=complaint.community,
        kind=KIND_PLAN,
        title=_title(complaint, what),
        link=complaint.get_absolute_url(),
        due_at=due_at,
        responsible_user=complaint.assignee,
        responsible_department=complaint.department,
        escalate_role=_escalate_role(complaint),
    )


@transaction.atomic
def complaint_owner_accepts(*, complaint_id: int, by, note: str = "") -> Complaint:
    """R-CMP-7: the owner accepts the solution; the call-back is planned (R-CB-1, R-CB-2)."""
    complaint = _lock(complaint_id)
    _ensure_handler(complaint, by)
    _ensure_can_become(complaint, Status.ACCEPTED)
    if complaint.status != Status.SIGNED_OFF:
        raise ComplaintError(_("The solution is put to the owner once its result is signed off."))
    now = timezone.now()
    complaint.owner_told_at = complaint.accepted_at = now
    _move(
        complaint,
        Status.ACCEPTED,
        kind="complaint.owner_accepted",
        by=by,
        note=note.strip(),
        round=complaint.plan_round,
    )
    deadline_meet(case=complaint, kind=KIND_OWNER_ANSWER, by=by)
    if not complaint.callbacks.filter(status=Callback.Status.PLANNED).exists():
        _plan_callback(complaint, by=by, planned_at=next_call_time(now + callback_delay(complaint.category)))
    complaint.save()
    return complaint


@transaction.atomic
def complaint_owner_rejects(
    *, complaint_id: int, by, objection: str, new_plan: str, due_at: datetime
) -> Complaint:
    """R-CMP-7: the owner disagrees; the department makes a new plan — each round on the timeline."""
    complaint = _lock(complaint_id)
    _ensure_handler(complaint, by)
    if complaint.status != Status.SIGNED_OFF:
        raise ComplaintError(_("The solution is put to the owner once its result is signed off."))
    objection = _required(objection, _("Write down what the owner disagrees with."))
    new_plan = _required(new_plan, _("Write down the new plan."))
    _ensure_future(due_at, _("The new plan's deadline must be later than now; choose it again."))
    complaint.owner_told_at = timezone.now()
    _supersede_result(complaint)
    complaint.plan_round += 1
    complaint.plan = new_plan
    _move(
        complaint,
        Status.PROCESSING,
        kind="complaint.owner_rejected",
        by=by,
        note=f"{objection}\n→ {new_plan}",
        round=complaint.plan_round,
        objection=objection,
    )
    deadline_meet(case=complaint, kind=KIND_OWNER_ANSWER, by=by)
    _open_plan(
        complaint, due_at=due_at, what=_("New plan (round %(round)d)") % {"round": complaint.plan_round}
    )
    complaint.save()
    return complaint


# -- call-backs (R-CB-*) ------------------------------------------------------------------------


def _callback_assignee(complaint: Complaint):
    """R-CB-1: the CS center manager for major complaints; otherwise the property supervisor, who
    does the call-backs (DOMAIN.md roles) — the complaint's own handler when that is one of them."""
    role = Role.CS_MANAGER if complaint.severity == Severity.MAJOR else Role.PROPERTY_SUPERVISOR
    handler = complaint.triaged_by
    if handler is not None and role in roles_of(handler, community_id=complaint.community_id):
        return handler
    holders = _holders(role, complaint.community_id)
    return holders[0] if holders else None


def _plan_callback(complaint: Complaint, *, by, planned_at: datetime) -> Callback:
    _ensure_call_hours(planned_at, _("A call-back can only be planned between 08:00 and 22:00."))
    assignee = _callback_assignee(complaint)
    callback = Callback.objects.create(
        community_id=complaint.community_id, complaint=complaint, planned_at=planned_at, assigned_to=assignee
    )
    deadline_open(
        case=complaint,
        community=complaint.community,
        kind=KIND_CALLBACK,
        title=_title(complaint, _("Call-back")),
        link=complaint.get_absolute_url(),
        due_at=planned_at,
        responsible_user=assignee,
        escalate_role=Role.CS_MANAGER,
    )
    _event(
        complaint,
        kind="callback.planned",
        by=by,
        note=_local(planned_at).strftime("%Y-%m-%d %H:%M"),
        callback=callback.pk,
    )
    return callback


def _lock_callback(callback_id: int) -> tuple[Callback, Complaint]:
    callback = Callback.objects.select_for_update(of=("self",)).get(pk=callback_id)
    return callback, _lock(callback.complaint_id)


def _ensure_caller(complaint: Complaint, by) -> None:
    if not may_call_back(complaint, by):
        if complaint.severity == Severity.MAJOR:
            raise ComplaintError(_("The CS center manager calls back on a major complaint."))
        raise ComplaintError(_("You may not call back on this complaint."))


def _ensure_planned(callback: Callback) -> None:
    if callback.status != Callback.Status.PLANNED:
        raise ComplaintError(_("This call-back has already been recorded."))


def _ensure_call_time(called_at: datetime) -> None:
    if called_at > timezone.now() + timedelta(minutes=5):
        raise ComplaintError(_("The call time cannot be in the future."))
    _ensure_call_hours(
        called_at, _("No calls or home visits after 22:00 or before 08:00; choose a time in between.")
    )


@transaction.atomic
def callback_record(
    *, callback_id: int, by, called_at: datetime, quality_rating: str, effect_rating: str,
    satisfaction: str, shortcomings: str = "", suggestions: str = "", assignee=None,
    fix_note: str = "", next_callback_at: datetime | None = None,
) -> Callback:  # fmt: skip
    """R-CB-3: the call-back record (业户回访记录表).

    Satisfied or basically satisfied: the complaint closes. Not satisfied (R-CB-4): it reopens with
    someone assigned to fix it, what will be done, and the next call-back planned.
    """
    callback, complaint = _lock_callback(callback_id)
    _ensure_caller(complaint, by)
    _ensure_planned(callback)
    if complaint.status != Status.ACCEPTED:
        raise ComplaintError(_("Call back once the owner has accepted the solution."))
    _ensure_call_time(called_at)
    for value in (quality_rating, effect_rating, satisfaction):
        if value not in Rating.values:
            raise ComplaintError(_("Choose each of the three ratings."))
    callback.quality_rating = quality_rating
    callback.effect_rating = effect_rating
    callback.satisfaction = satisfaction
    callback.shortcomings = shortcomings.strip()
    callback.suggestions = suggestions.strip()
    callback.done_at, callback.done_by = called_at, by
    callback.status = Callback.Status.DONE
    data = {"callback": callback.pk, "satisfaction": satisfaction}
    summary = " · ".join(
        str(label) + "：" + str(Rating(value).label)
        for label, value in (
            (_("Quality"), quality_rating),
            (_("Service effect"), effect_rating),
            (_("Satisfaction"), satisfaction),
        )
    )
    if callback.is_satisfied:
        callback.save()
        deadline_meet(case=complaint, kind=KIND_CALLBACK, by=by, at=called_at)
        _event(complaint, kind="callback.done", by=by, note=summary, **data)
        _move(complaint, Status.CLOSED, kind="complaint.closed", by=by, note=_("The owner is satisfied."))
        deadline_meet(case=complaint, by=by)
        complaint.save()
        return callback
    if assignee is None:
        raise ComplaintError(_("The owner is not satisfied: choose who will fix it."))
    if not Membership.objects.filter(user=assignee, community_id=complaint.community_id).exists():
        raise ComplaintError(
            _("Choose someone who works in %(community)s to fix it.")
            % {"community": complaint.community.name}
        )
    fix_note = _required(fix_note, _("The owner is not satisfied: write down what will be done, or why not."))
    if next_callback_at is None:
        raise ComplaintError(_("The owner is not satisfied: fix the next call-back time."))
    _ensure_future(next_callback_at, _("The next call-back must be later than now; choose it again."))
    callback.save()
    deadline_meet(case=complaint, kind=KIND_CALLBACK, by=by, at=called_at)
    _event(complaint, kind="callback.done", by=by, note=summary, **data)
    complaint.reopen_count += 1
    complaint.assignee = assignee
    _supersede_result(complaint)
    _move(
        complaint,
        Status.PROCESSING,
        kind="complaint.reopened",
        by=by,
        note=fix_note,
        assignee=assignee.pk,
        reopen_count=complaint.reopen_count,
    )
    # The fix is due before the next call-back.
    _open_plan(complaint, due_at=next_callback_at, what=_("Fix after the call-back"))
    _plan_callback(complaint, by=by, planned_at=next_callback_at)
    notification_send(
        recipients=[assignee],
        text=_("Complaint %(number)s reopened after the call-back; you are assigned to fix it: %(note)s")
        % {"number": complaint.number, "note": fix_note[:100]},
        link=complaint.get_absolute_url(),
        email=True,
    )
    complaint.save()
    return callback


@transaction.atomic
def callback_unreachable(*, callback_id: int, by, attempted_at: datetime, note: str = "") -> Callback:
    """The owner could not be reached: tried again the next day within the allowed hours; after
    three failed attempts the call-back is recorded as unreachable and the complaint closes."""
    callback, complaint = _lock_callback(callback_id)
    _ensure_caller(complaint, by)
    _ensure_planned(callback)
    if complaint.status != Status.ACCEPTED:
        raise ComplaintError(_("Call back once the owner has accepted the solution."))
    _ensure_call_time(attempted_at)
    callback.attempts += 1
    if callback.attempts >= CALLBACK_TRIES:
        callback.status = Callback.Status.UNREACHABLE
        callback.done_at, callback.done_by = attempted_at, by
        callback.save()
        deadline_meet(case=complaint, kind=KIND_CALLBACK, by=by, at=attempted_at)
        _event(complaint, kind="callback.unreachable", by=by, note=note.strip(), callback=callback.pk)
        _move(
            complaint,
            Status.CLOSED,
            kind="complaint.closed",
            by=by,
            note=_("Closed: the owner could not be reached for the call-back after three attempts."),
        )
        deadline_meet(case=complaint, by=by)
        complaint.save()
        return callback
    # the next day at the same time — never in the past when the attempt was recorded late
    retry = next_call_time(max(attempted_at + timedelta(days=1), timezone.now() + timedelta(minutes=30)))
    callback.planned_at = retry
    callback.save()
    deadline_reschedule(case=complaint, kind=KIND_CALLBACK, due_at=retry)
    _event(
        complaint,
        kind="callback.unreachable_attempt",
        by=by,
        note=_("Attempt %(n)d of %(max)d failed; next try %(when)s. %(note)s")
        % {
            "n": callback.attempts,
            "max": CALLBACK_TRIES,
            "when": retry.strftime("%Y-%m-%d %H:%M"),
            "note": note.strip(),
        },
        callback=callback.pk,
    )
    return callback


@transaction.atomic
def callback_reschedule(*, callback_id: int, by, planned_at: datetime) -> Callback:
    """Move a planned call-back (the owner asked for another time) — within 08:00–22:00 (R-CB-6)."""
    callback, complaint = _lock_callback(callback_id)
    _ensure_caller(complaint, by)
    _ensure_planned(callback)
    _ensure_future(planned_at, _("The call-back time must be later than now; choose it again."))
    _ensure_call_hours(planned_at, _("A call-back can only be planned between 08:00 and 22:00."))
    callback.planned_at = planned_at
    callback.save()
    deadline_reschedule(case=complaint, kind=KIND_CALLBACK, due_at=planned_at)
    _event(
        complaint,
        kind="callback.rescheduled",
        by=by,
        note=_local(planned_at).strftime("%Y-%m-%d %H:%M"),
        callback=callback.pk,
    )
    return callback


# -- the monthly report (R-CMP-9, R-CB-5) --------------------------------------------------------------


def monthly_report_build(*, month=None, now: datetime | None = None) -> list:
    """Build and store a month's statistics for every community and for the whole company, then
    tell the property supervisors and CS center managers (their community's) and the leadership
    (the company's) where to find them. Beat runs it at 08:00 on the 1st for the previous month.

    Idempotent: a rebuilt month replaces its files (one row per community and month, the old
    file deleted), so a rerun never duplicates them. Each file is written in its own transaction.
    """
    from io import BytesIO

    from django.core.files.base import ContentFile
    from django.urls import reverse

    from complaints import exports, reports
    from complaints.models import MonthlyReport

    now = now or timezone.now()
    month = month or reports.Month.of(timezone.localdate(now)).previous
    built = []
    with translation.override(settings.LANGUAGE_CODE):
        targets = [
            (c, Complaint.objects.filter(community=c), [c]) for c in Community.objects.order_by("name")
        ]
        targets.append((None, Complaint.objects.all(), list(Community.objects.order_by("name"))))
        link = reverse("complaints:report-archive")
        for community, scope, communities in targets:
            ids = [c.pk for c in communities]
            report = reports.monthly_report(scope=scope, month=month, now=now, communities=ids)
            buffer = BytesIO()
            exports.report_workbook(report, communities=communities).save(buffer)
            code = community.code if community else "company"
            name = f"complaint-statistics-{code}-{month}.xlsx"
            with transaction.atomic():
                row = (
                    MonthlyReport.objects.select_for_update()
                    .filter(community=community, month=month.first_day)
                    .order_by("pk")  # not Meta.ordering's join: FOR UPDATE refuses an outer join
                    .first()
                )
                first = row is None
                if row is None:
                    row = MonthlyReport(community=community, month=month.first_day)
                elif row.file:
                    row.file.delete(save=False)
                row.complaints = report["figures"]["total"]
                row.file.save(name, ContentFile(buffer.getvalue()), save=False)
                row.save()
                if not first:  # a rerun (a redelivered task) replaces the file; it was announced once
                    built.append(row)
                    continue
                if community is None:
                    recipients = _holders(Role.LEADERSHIP, None)
                else:
                    recipients = _holders(Role.PROPERTY_SUPERVISOR, community.pk) + _holders(
                        Role.CS_MANAGER, community.pk
                    )
                where = community.name if community else _("the whole company")
                notification_send(
                    recipients=recipients,
                    text=_("The complaint statistics of %(month)s for %(where)s are ready.")
                    % {"month": month, "where": where},
                    link=link,
                )
            built.append(row)
    return built
