"""Every state change of a reception record and its work orders (DOMAIN.md R-REC-*).

One function per transition: it locks the row, checks the transition is allowed, changes it,
writes the timeline event and the deadline rows (propsvc.Deadline) in the same transaction,
and sends notifications. Anything else is refused with a ReceptionError and writes nothing.
"""

from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from archives.models import Owner, Unit
from propsvc.errors import DomainError
from propsvc.models import Community, Department, Membership
from propsvc.roles import Role
from propsvc.services import (
    deadline_meet,
    deadline_open,
    deadline_reassign,
    deadline_transfer,
    notification_send,
)
from reception.models import (
    LIVE_CHANNELS,
    Channel,
    ContactType,
    ReceptionEvent,
    ReceptionRecord,
    ReplyMethod,
    WorkOrder,
)

FIRST_RESPONSE_WITHIN = timedelta(hours=24)  # R-REC-3

KIND_FIRST_RESPONSE = "reception.first_response"
KIND_REPLY = "reception.reply"
KIND_WORK_ORDER = "reception.work_order"

Status = ReceptionRecord.Status


class ReceptionError(DomainError):
    pass


def _event(record, *, kind, by, from_status="", to_status="", note="", work_order=None, **data):
    ReceptionEvent.objects.create(
        community_id=record.community_id if record is not None else work_order.community_id,
        record=record,
        work_order=work_order,
        kind=kind,
        actor=by,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data,
    )


def _lock(record_id: int) -> ReceptionRecord:
    return (
        ReceptionRecord.objects.select_for_update(of=("self",))
        .select_related("unit__building")
        .get(pk=record_id)
    )


def _ensure_can_become(record: ReceptionRecord, new: str) -> None:
    if not record.can_become(new):
        raise ReceptionError(
            _("This record is “%(status)s”; it cannot become “%(new)s”.")
            % {"status": record.get_status_display(), "new": Status(new).label}
        )


def _move(record: ReceptionRecord, new: str, *, kind: str, by, note: str = "", **data) -> None:
    _ensure_can_become(record, new)
    old = record.status
    record.status = new
    if new == Status.CLOSED:
        record.closed_at = timezone.now()
    _event(record, kind=kind, by=by, from_status=old, to_status=new, note=note, **data)


def _title(record: ReceptionRecord, what: str) -> str:
    place = record.place or record.who
    return f"{what} · {place} {record.get_kind_display()}：{record.subject}"[:200]


def _default_method(record: ReceptionRecord) -> str:
    return ReplyMethod.PHONE if record.channel != Channel.VISIT else ReplyMethod.IN_PERSON


def _ensure_future(moment: datetime | None, message: str) -> None:
    if moment is not None and moment <= timezone.now():
        raise ReceptionError(message)


def _first_response(record: ReceptionRecord, *, by, method: str, note: str) -> None:
    """R-REC-3: the first time the owner hears from us. Recorded once; meets the 24-hour row."""
    if record.first_response_at:
        return
    record.first_response_at = timezone.now()
    record.first_response_by = by
    record.first_response_method = method or _default_method(record)
    record.first_response_note = note
    deadline_meet(case=record, kind=KIND_FIRST_RESPONSE, by=by)
    _event(record, kind="record.first_response", by=by, note=note, method=record.first_response_method)


def _users_with_role(*, roles, community_id=None):
    """Users holding one of `roles` in the community (or company-wide when community_id is None)."""
    memberships = Membership.objects.filter(role__in=roles, user__is_active=True).select_related("user")
    memberships = memberships.filter(community_id=community_id)
    return [m.user for m in memberships]


# -- logging a contact --------------------------------------------------------------------------


@transaction.atomic
def record_log(
    *,
    by,
    community: Community,
    subject: str,
    kind: str,
    channel: str = Channel.VISIT,
    received_at: datetime | None = None,
    unit: Unit | None = None,
    owner: Owner | None = None,
    contact_type: str = ContactType.OWNER,
    contact_name: str = "",
    contact_phone: str = "",
    consent_given: bool = False,
    consent_purpose: str = "",
    details: str = "",
    request: str = "",
    is_major: bool = False,
    outcome: str = "",
    outcome_note: str = "",
    promised_reply_at: datetime | None = None,
    reply_method: str = "",
    department: Department | None = None,
    task: str = "",
    work_order_due_at: datetime | None = None,
) -> ReceptionRecord:
    """R-REC-1: log one contact; R-REC-3: its 24-hour first response is due from `received_at`.

    An outcome decided at the desk (R-REC-2) is applied in the same transaction.
    """
    if not by.has_perm("reception.log_contact", community):
        raise ReceptionError(_("You may not log contacts in %(community)s.") % {"community": community.name})
    if unit is not None and unit.community_id != community.pk:
        raise ReceptionError(_("The unit is not in %(community)s.") % {"community": community.name})
    if owner is not None and owner.community_id != community.pk:
        raise ReceptionError(_("The owner is not in %(community)s.") % {"community": community.name})
    if unit is None and not contact_name.strip():
        raise ReceptionError(_("Choose a unit or enter the contact's name and phone."))
    if contact_type != ContactType.OWNER and contact_name and not (consent_given and consent_purpose.strip()):
        # R-REC-7: personal data of a non-owner only with consent, for a stated purpose.
        raise ReceptionError(
            _("Tick the consent box and state the purpose before recording a non-owner's details.")
        )
    received_at = received_at or timezone.now()
    if received_at > timezone.now() + timedelta(minutes=5):
        raise ReceptionError(_("The time received cannot be in the future."))
    if not consent_given:
        consent_purpose = ""
    record = ReceptionRecord.objects.create(
        community=community,
        unit=unit,
        owner=owner,
        contact_type=contact_type,
        contact_name=contact_name.strip(),
        contact_phone=contact_phone.strip(),
        consent_given=consent_given,
        consent_purpose=consent_purpose.strip(),
        channel=channel,
        kind=kind,
        subject=subject.strip(),
        details=details,
        request=request,
        received_at=received_at,
        received_by=by,
        is_major=is_major,
    )
    _event(record, kind="record.logged", by=by, to_status=record.status)
    deadline_open(
        case=record,
        community=community,
        kind=KIND_FIRST_RESPONSE,
        title=_title(record, _("First response")),
        link=record.get_absolute_url(),
        due_at=received_at + FIRST_RESPONSE_WITHIN,
        responsible_user=by,
        escalate_role=Role.CS_SUPERVISOR,
    )
    if is_major:
        _report_major(record, by=by)
    method = _default_method(record) if channel in LIVE_CHANNELS else reply_method
    if outcome == ReceptionRecord.Outcome.HANDLED:
        _handle(record, by=by, note=outcome_note, method=method)
    elif outcome == ReceptionRecord.Outcome.PENDING:
        _set_pending(
            record, by=by, note=outcome_note, promised_reply_at=promised_reply_at, reply_method=reply_method
        )
    elif outcome == ReceptionRecord.Outcome.TRANSFERRED:
        _transfer(
            record,
            by=by,
            department=department,
            task=task or record.subject,
            due_at=work_order_due_at,
            promised_reply_at=promised_reply_at,
            reply_method=reply_method,
            note=outcome_note,
        )
    elif outcome == ReceptionRecord.Outcome.OUT_OF_REMIT:
        _out_of_remit(record, by=by, note=outcome_note, method=method)
    elif outcome:
        raise ReceptionError(_("Unknown outcome."))
    record.save()
    return record


def _report_major(record: ReceptionRecord, *, by) -> None:
    """R-REC-6: a group incident or major matter goes at once to the center head and leadership."""
    recipients = _users_with_role(roles=[Role.CS_MANAGER], community_id=record.community_id)
    recipients += _users_with_role(roles=[Role.LEADERSHIP], community_id=None)
    text = _(
        "Group incident or major matter in %(community)s: %(subject)s (%(place)s). Start the emergency plan."
    ) % {
        "community": record.community.name,
        "subject": record.subject,
        "place": record.place or record.who,
    }
    notification_send(recipients=recipients, text=text, link=record.get_absolute_url(), email=True)
    _event(record, kind="record.major_reported", by=by, recipients=[u.pk for u in recipients])


# -- the outcomes (R-REC-2) ---------------------------------------------------------------------


def _handle(record, *, by, note, method=""):
    if not note.strip():
        raise ReceptionError(_("Write down what the owner was told."))
    record.outcome = ReceptionRecord.Outcome.HANDLED
    record.outcome_note = note.strip()
    _move(record, Status.CLOSED, kind="record.handled", by=by, note=record.outcome_note)
    _first_response(record, by=by, method=method, note=record.outcome_note)
    deadline_meet(case=record, by=by)


def _set_pending(record, *, by, note, promised_reply_at, reply_method):
    if promised_reply_at is None:
        raise ReceptionError(_("Enter the promised reply time."))
    _ensure_future(
        promised_reply_at, _("The promised reply time cannot be earlier than now; choose it again.")
    )
    if not reply_method:
        raise ReceptionError(_("Choose how the reply will reach the owner."))
    if not note.strip():
        raise ReceptionError(_("Write down why it cannot be handled on the spot, as the owner was told."))
    record.outcome = ReceptionRecord.Outcome.PENDING
    record.outcome_note = note.strip()
    record.promised_reply_at = promised_reply_at
    record.reply_method = reply_method
    _move(record, Status.PENDING, kind="record.pending", by=by, note=record.outcome_note)
    _first_response(record, by=by, method=_default_method(record), note=record.outcome_note)
    deadline_meet(case=record, kind=KIND_REPLY, by=by)  # a new promise replaces an earlier one
    _open_reply_deadline(record, by=by)


def _open_reply_deadline(record, *, by):
    # R-REC-5: every promised reply is tracked until the owner is told the result.
    deadline_open(
        case=record,
        community=record.community,
        kind=KIND_REPLY,
        title=_title(record, _("Reply to the owner")),
        link=record.get_absolute_url(),
        due_at=record.promised_reply_at,
        responsible_user=record.received_by,
        escalate_role=Role.CS_SUPERVISOR,
    )


def _transfer(record, *, by, department, task, due_at, promised_reply_at, reply_method, note=""):
    if department is None:
        raise ReceptionError(_("Choose the receiving department."))
    if department.community_id != record.community_id:
        raise ReceptionError(
            _("The work order can only go to a department of %(community)s.")
            % {"community": record.community.name}
        )
    if due_at is None:
        raise ReceptionError(_("Enter the work order's deadline."))
    _ensure_future(due_at, _("The work order's deadline cannot be earlier than now; choose it again."))
    if not task.strip():
        raise ReceptionError(_("Describe the task for the department."))
    promised_reply_at = promised_reply_at or due_at
    _ensure_future(
        promised_reply_at, _("The promised reply time cannot be earlier than now; choose it again.")
    )
    record.outcome = ReceptionRecord.Outcome.TRANSFERRED
    record.outcome_note = note.strip()
    record.promised_reply_at = promised_reply_at
    record.reply_method = reply_method or _default_method(record)
    _move(record, Status.TRANSFERRED, kind="record.transferred", by=by, note=task.strip())
    work_order = _create_work_order(
        community=record.community,
        record=record,
        department=department,
        task=task,
        due_at=due_at,
        by=by,
        follow_up_by=record.received_by,
        title=_title(record, _("Work order")),
    )
    # The owner was told it is transferred and when to expect an answer.
    _first_response(
        record,
        by=by,
        method=_default_method(record),
        note=record.outcome_note
        or _("Transferred to %(department)s.") % {"department": department.get_kind_display()},
    )
    deadline_meet(case=record, kind=KIND_REPLY, by=by)
    _open_reply_deadline(record, by=by)
    return work_order


def _create_work_order(
    *, community, department, task, due_at, by, follow_up_by, title, record=None, case=None,
    case_number="", case_link="", place="", responsible_person=None,
) -> WorkOrder:  # fmt: skip
    """Write the work order, its timeline event and its ledger deadline; tell the department."""
    work_order = WorkOrder.objects.create(
        community_id=community.pk,
        record=record,
        case_type=ContentType.objects.get_for_model(case) if case is not None else None,
        case_id=case.pk if case is not None else None,
        case_number=case_number,
        case_link=case_link,
        place=place[:100],
        department=department,
        task=task.strip(),
        due_at=due_at,
        responsible_person=responsible_person,
        follow_up_by=follow_up_by,
        created_by=by,
    )
    _event(record, kind="work_order.sent", by=by, work_order=work_order, note=str(department))
    deadline_open(
        case=work_order,
        community=community,
        kind=KIND_WORK_ORDER,
        title=f"{title} {work_order.number}"[:200],
        link=work_order.get_absolute_url(),
        due_at=due_at,
        responsible_user=responsible_person,
        responsible_department=department,
        escalate_role=Role.DEPARTMENT_HEAD,
    )
    recipients = [m.user for m in Membership.objects.filter(department=department).select_related("user")]
    if responsible_person is not None:
        recipients.insert(0, responsible_person)
    notification_send(
        recipients=recipients,
        text=_("New work order %(number)s for %(department)s: %(task)s")
        % {
            "number": work_order.number,
            "department": department.get_kind_display(),
            "task": work_order.task[:100],
        },
        link=work_order.get_absolute_url(),
    )
    return work_order


@transaction.atomic
def work_order_issue(
    *, case, community, case_number: str, case_link: str, title: str, department: Department, task: str,
    due_at: datetime, by, follow_up_by, responsible_person=None, place: str = "",
) -> WorkOrder:  # fmt: skip
    """R-REC-4 for another app's case (a complaint, R-CMP-5): the same work order, deadline and inbox.

    The caller has checked who may issue it; this checks the order itself.
    """
    if department is None:
        raise ReceptionError(_("Choose the receiving department."))
    if department.community_id not in (None, community.pk):
        raise ReceptionError(
            _("The work order can only go to a department of %(community)s.") % {"community": community.name}
        )
    if due_at is None:
        raise ReceptionError(_("Enter the work order's deadline."))
    _ensure_future(due_at, _("The work order's deadline cannot be earlier than now; choose it again."))
    if not task.strip():
        raise ReceptionError(_("Describe the task for the department."))
    if (
        responsible_person is not None
        and not Membership.objects.filter(user=responsible_person, department=department).exists()
    ):
        raise ReceptionError(
            _("The responsible person must be a member of %(department)s.")
            % {"department": department.get_kind_display()}
        )
    return _create_work_order(
        community=community,
        case=case,
        case_number=case_number,
        case_link=case_link,
        place=place,
        department=department,
        task=task,
        due_at=due_at,
        by=by,
        follow_up_by=follow_up_by,
        responsible_person=responsible_person,
        title=title,
    )


def _out_of_remit(record, *, by, note, method=""):
    if not note.strip():
        raise ReceptionError(_("Write down the explanation given and where the owner was pointed."))
    record.outcome = ReceptionRecord.Outcome.OUT_OF_REMIT
    record.outcome_note = note.strip()
    _move(record, Status.CLOSED, kind="record.out_of_remit", by=by, note=record.outcome_note)
    _first_response(record, by=by, method=method, note=record.outcome_note)
    deadline_meet(case=record, by=by)


def _ensure_may_handle(record, by):
    if not by.has_perm("reception.handle_record", record.community):
        raise ReceptionError(
            _("You may not handle reception records in %(community)s.") % {"community": record.community.name}
        )


@transaction.atomic
def record_handle(*, record_id: int, by, note: str) -> ReceptionRecord:
    record = _lock(record_id)
    _ensure_may_handle(record, by)
    _ensure_can_become(record, Status.CLOSED)
    if record.status != Status.OPEN:
        raise ReceptionError(
            _(
                "Only a record awaiting handling can be handled on the spot; "
                "report the result to the owner instead."
            )
        )
    _handle(record, by=by, note=note)
    record.save()
    return record


@transaction.atomic
def record_set_pending(
    *, record_id: int, by, note: str, promised_reply_at: datetime, reply_method: str
) -> ReceptionRecord:
    record = _lock(record_id)
    _ensure_may_handle(record, by)
    _ensure_can_become(record, Status.PENDING)
    _set_pending(record, by=by, note=note, promised_reply_at=promised_reply_at, reply_method=reply_method)
    record.save()
    return record


@transaction.atomic
def record_transfer(
    *,
    record_id: int,
    by,
    department: Department,
    task: str,
    due_at: datetime,
    promised_reply_at: datetime | None = None,
    reply_method: str = "",
) -> WorkOrder:
    """R-REC-4: a matter for another department goes as a work order with a deadline."""
    record = _lock(record_id)
    _ensure_may_handle(record, by)
    _ensure_can_become(record, Status.TRANSFERRED)
    work_order = _transfer(
        record,
        by=by,
        department=department,
        task=task,
        due_at=due_at,
        promised_reply_at=promised_reply_at,
        reply_method=reply_method,
    )
    record.save()
    return work_order


@transaction.atomic
def record_out_of_remit(*, record_id: int, by, note: str) -> ReceptionRecord:
    record = _lock(record_id)
    _ensure_may_handle(record, by)
    _ensure_can_become(record, Status.CLOSED)
    if record.status != Status.OPEN:
        raise ReceptionError(_("Only a record awaiting handling can be marked outside our remit."))
    _out_of_remit(record, by=by, note=note)
    record.save()
    return record


@transaction.atomic
def record_respond(*, record_id: int, by, method: str, note: str) -> ReceptionRecord:
    """R-REC-3: record the first response (who, when, how, what was said) within 24 hours."""
    record = _lock(record_id)
    _ensure_may_handle(record, by)
    if record.first_response_at:
        raise ReceptionError(_("The first response has already been recorded."))
    if record.status == Status.CLOSED:
        raise ReceptionError(_("This record is closed."))
    if not note.strip():
        raise ReceptionError(_("Write down what the owner was told."))
    _first_response(record, by=by, method=method, note=note.strip())
    record.save()
    return record


@transaction.atomic
def record_reply_owner(*, record_id: int, by, method: str, note: str) -> ReceptionRecord:
    """R-REC-4/5: the receptionist reports the result to the owner, which closes the record."""
    record = _lock(record_id)
    _ensure_may_handle(record, by)
    _ensure_can_become(record, Status.CLOSED)
    if record.status not in (Status.PENDING, Status.TRANSFERRED):
        raise ReceptionError(_("Only a pending or transferred record is closed by reporting to the owner."))
    if record.work_orders.exclude(status=WorkOrder.Status.DONE).exists():
        raise ReceptionError(
            _("A work order of this record has no result yet; report to the owner once it has.")
        )
    if not note.strip():
        raise ReceptionError(_("Write down what the owner was told."))
    record.owner_reply_at = timezone.now()
    record.owner_reply_note = note.strip()
    _first_response(record, by=by, method=method, note=record.owner_reply_note)
    _move(record, Status.CLOSED, kind="record.owner_told", by=by, note=record.owner_reply_note, method=method)
    deadline_meet(case=record, by=by)
    record.save()
    return record


@transaction.atomic
def record_to_complaint(*, record_id: int, by, complaint, new_kind: str, title: str) -> ReceptionRecord:
    """A record of kind complaint is followed up as a complaint case (R-CMP-2): the record closes
    with that outcome, and its 24-hour first-response deadline (met or not) moves to the complaint,
    which now keeps every promise to the owner.

    Called by complaints.services inside its own transaction.
    """
    from reception.models import Kind

    record = _lock(record_id)
    _ensure_may_handle(record, by)
    if record.kind != Kind.COMPLAINT:
        raise ReceptionError(_("Only a record of kind complaint can be followed up as a complaint."))
    _ensure_can_become(record, Status.CLOSED)
    if record.status not in (Status.OPEN, Status.PENDING):
        raise ReceptionError(
            _("Only a record awaiting handling or a pending reply can be followed up as a complaint.")
        )
    record.outcome = ReceptionRecord.Outcome.COMPLAINT
    record.outcome_note = _("Followed up as complaint %(number)s.") % {"number": complaint.number}
    record.handover_number = complaint.number
    record.handover_link = complaint.get_absolute_url()
    _move(record, Status.CLOSED, kind="record.to_complaint", by=by, note=record.outcome_note)
    deadline_transfer(
        from_case=record,
        to_case=complaint,
        kind=KIND_FIRST_RESPONSE,
        new_kind=new_kind,
        title=title,
        link=complaint.get_absolute_url(),
    )
    deadline_meet(case=record, by=by)  # a promised reply is now the complaint's to keep
    record.save()
    return record


# -- work orders (R-REC-4) ----------------------------------------------------------------------


def _lock_work_order(work_order_id: int) -> WorkOrder:
    return (
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related("record__unit__building", "department")
        .get(pk=work_order_id)
    )


def _ensure_department_member(work_order: WorkOrder, by) -> None:
    is_member = Membership.objects.filter(
        user=by,
        department_id=work_order.department_id,
        role__in=[Role.DEPARTMENT_STAFF, Role.DEPARTMENT_HEAD],
    ).exists()
    if not is_member:
        raise ReceptionError(
            _("Only a member of %(department)s can do this.")
            % {"department": work_order.department.get_kind_display()}
        )


def _move_work_order(work_order: WorkOrder, new: str, *, kind: str, by, note: str = "") -> None:
    if not work_order.can_become(new):
        raise ReceptionError(
            _("This work order is “%(status)s”; it cannot become “%(new)s”.")
            % {"status": work_order.get_status_display(), "new": WorkOrder.Status(new).label}
        )
    old = work_order.status
    work_order.status = new
    _event(
        work_order.record, kind=kind, by=by, from_status=old, to_status=new, note=note, work_order=work_order
    )


@transaction.atomic
def work_order_sign(*, work_order_id: int, by) -> WorkOrder:
    """签收: a member of the receiving department takes the work order."""
    work_order = _lock_work_order(work_order_id)
    _ensure_department_member(work_order, by)
    _move_work_order(work_order, WorkOrder.Status.SIGNED, kind="work_order.signed", by=by)
    work_order.signed_by = by
    work_order.signed_at = timezone.now()
    work_order.save()
    deadline_reassign(case=work_order, kind=KIND_WORK_ORDER, responsible_user=by)
    return work_order


@transaction.atomic
def work_order_report(*, work_order_id: int, by, result: str) -> WorkOrder:
    """The department records the result; the receptionist is told, to report it to the owner."""
    work_order = _lock_work_order(work_order_id)
    _ensure_department_member(work_order, by)
    if not result.strip():
        raise ReceptionError(_("Write down the result."))
    _move_work_order(work_order, WorkOrder.Status.DONE, kind="work_order.done", by=by, note=result.strip())
    work_order.result = result.strip()
    work_order.result_by = by
    work_order.result_at = timezone.now()
    work_order.save()
    deadline_meet(case=work_order, by=by)
    follow_up_by = work_order.follow_up_by or (
        work_order.record.received_by if work_order.record_id else None
    )
    notification_send(
        recipients=[follow_up_by],
        text=_("Work order %(number)s has a result: %(result)s — report it to the owner.")
        % {
            "number": work_order.number,
            # The sentence ends with its own full stop: "…已修好。。请回复业主" would read badly.
            "result": work_order.result[:100].rstrip("。.！!；; "),
        },
        link=work_order.origin_link,
        email=True,
    )
    return work_order
