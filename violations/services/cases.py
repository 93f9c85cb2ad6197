"""The transitions of a violation: registering, the measures (R-VIO-4), penalties and their
signature (R-VIO-6), closing, notices (R-VIO-9)."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from archives.models import Owner, Unit
from propsvc.models import Community, Deadline, Department
from propsvc.roles import PENALTY_SIGNERS, Perm, Role
from propsvc.services import audit_write, deadline_meet, deadline_open, notification_send
from violations.models import (
    SUBTYPES,
    FollowUp,
    Measure,
    Notice,
    Reaction,
    Violation,
    severity_of,
)
from violations.services.base import (
    KIND_FOLLOW_UP,
    KIND_NEXT_STEP,
    KIND_RECTIFICATION,
    KIND_SIGN,
    Kind,
    Status,
    ViolationError,
    _cannot_become,
    _case,
    _end_of_day,
    _ensure,
    _ensure_handler,
    _escalate_role,
    _event,
    _holders,
    _lock,
    _move,
    _pending,
    _required,
    _save_photos,
    _title,
    closer_roles,
    may_close,
    may_follow_up,
    may_handle,
    may_persuade,
    may_reinspect,
    may_sign,
)

# -- registering ----------------------------------------------------------------------------------


@transaction.atomic
def violation_register(
    *,
    by,
    community: Community,
    category: str,
    subtype: str,
    description: str,
    observed_at: datetime,
    caused_loss: bool = False,
    loss_note: str = "",
    threatens_safety: bool = False,
    safety_note: str = "",
    unit: Unit | None = None,
    owner: Owner | None = None,
    location: str = "",
    photos=(),
) -> Violation:
    """R-VIO-5: the area steward (or any staff member who saw it) registers the violation in the
    业户违章事件记录表 — where, what was seen and when, photos; R-VIO-3 decides its severity from
    the two recorded facts. A major one is reported to the company's superiors at once."""
    if not (by.is_superuser or by.has_perm(Perm.REGISTER_VIOLATION, community)):
        raise ViolationError(_("You do not work in %(community)s.") % {"community": community.name})
    if subtype not in SUBTYPES.get(category, ()):
        raise ViolationError(_("Choose a violation type that belongs to the category."))
    if unit is not None and unit.community_id != community.pk:
        raise ViolationError(_("The unit does not belong to %(community)s.") % {"community": community.name})
    if owner is not None and owner.community_id != community.pk:
        raise ViolationError(_("The owner does not belong to %(community)s.") % {"community": community.name})
    location = (location or "").strip()
    if unit is None and not location:
        raise ViolationError(_("Choose the unit, or write the public place where it was seen."))
    if observed_at > timezone.now() + timedelta(minutes=5):
        raise ViolationError(_("The time seen cannot be in the future."))
    loss_note, safety_note = _facts(caused_loss, loss_note, threatens_safety, safety_note)
    violation = Violation.objects.create(
        community=community,
        unit=unit,
        owner=owner,
        location=location,
        category=category,
        subtype=subtype,
        description=_required(description, _("Write what was seen.")),
        observed_at=observed_at,
        registered_by=by,
        caused_loss=caused_loss,
        loss_note=loss_note,
        threatens_safety=threatens_safety,
        safety_note=safety_note,
        severity=severity_of(caused_loss=caused_loss, threatens_safety=threatens_safety),
    )
    _event(violation, kind="violation.registered", by=by, to_status=violation.status)
    if photos:
        _save_photos(violation, photos, by)
    if violation.is_major:
        _report_to_superiors(violation, by)
    return violation


def _facts(caused_loss, loss_note, threatens_safety, safety_note) -> tuple[str, str]:
    loss_note, safety_note = (loss_note or "").strip(), (safety_note or "").strip()
    if caused_loss and not loss_note:
        raise ViolationError(_("Describe the loss caused to owners."))
    if threatens_safety and not safety_note:
        raise ViolationError(_("Describe the threat to public safety."))
    return (loss_note if caused_loss else ""), (safety_note if threatens_safety else "")


def _report_to_superiors(violation: Violation, by) -> None:
    """R-VIO-5: a major violation goes to the company's superiors — the CS center manager and the
    leadership are told at once."""
    violation.reported_to_superiors_at = timezone.now()
    violation.save(update_fields=["reported_to_superiors_at", "updated_at"])
    _event(violation, kind="violation.reported_to_superiors", by=by)
    text = _("Major violation %(number)s at %(place)s (%(community)s): %(what)s") % {
        "number": violation.number,
        "place": violation.place,
        "community": violation.community.name,
        "what": violation.get_subtype_display(),
    }
    notification_send(
        recipients=_holders([Role.CS_MANAGER, Role.LEADERSHIP], violation.community_id),
        text=text,
        link=violation.get_absolute_url(),
        email=True,
    )


@transaction.atomic
def violation_add_photos(*, violation_id: int, by, photos) -> Violation:
    violation = _lock(violation_id)
    _ensure(may_persuade(violation, by), _("You do not work in this community."))
    _ensure(violation.status != Status.CLOSED, _("A closed violation cannot be changed."))
    if not photos:
        raise ViolationError(_("Choose at least one photo."))
    count = _save_photos(violation, photos, by)
    _event(violation, kind="violation.photos_added", by=by, count=count)
    return violation


@transaction.atomic
def violation_reassess(
    *, violation_id: int, by, caused_loss: bool, loss_note: str, threatens_safety: bool, safety_note: str,
    note: str,
) -> Violation:  # fmt: skip
    """R-VIO-3: the facts found later (a loss assessed, a danger confirmed) decide the severity anew."""
    violation = _lock(violation_id)
    _ensure_handler(violation, by)
    _ensure(violation.status != Status.CLOSED, _("A closed violation cannot be changed."))
    note = _required(note, _("Say why the facts changed."))
    loss_note, safety_note = _facts(caused_loss, loss_note, threatens_safety, safety_note)
    was_major = violation.is_major
    old = violation.severity
    violation.caused_loss, violation.loss_note = caused_loss, loss_note
    violation.threatens_safety, violation.safety_note = threatens_safety, safety_note
    violation.severity = severity_of(caused_loss=caused_loss, threatens_safety=threatens_safety)
    violation.save()
    _event(violation, kind="violation.reassessed", by=by, note=note, old=old, new=violation.severity)
    if violation.is_major and not was_major and not violation.reported_to_superiors_at:
        _report_to_superiors(violation, by)
    return violation


# -- measures (R-VIO-4) ---------------------------------------------------------------------------


@transaction.atomic
def violation_persuade(*, violation_id: int, by, at: datetime, reaction: str, note: str = "") -> Measure:
    """R-VIO-1, R-VIO-4: on-the-spot persuasion — who, when, the owner's reaction. Any staff member
    may persuade (R-VIO-6); it leaves the status as it is."""
    violation = _lock(violation_id)
    _ensure(may_persuade(violation, by), _("You do not work in this community."))
    _ensure(violation.status != Status.CLOSED, _("A closed violation cannot be changed."))
    if reaction not in Reaction.values:
        raise ViolationError(_("Record the owner's reaction."))
    if at > timezone.now() + timedelta(minutes=5):
        raise ViolationError(_("The time of the persuasion cannot be in the future."))
    if at < violation.observed_at - timedelta(minutes=5):
        raise ViolationError(_("The persuasion cannot be earlier than the time the violation was seen."))
    measure = Measure.objects.create(
        community_id=violation.community_id,
        violation=violation,
        kind=Kind.PERSUASION,
        status=Measure.Status.DONE,
        by=by,
        at=at,
        reaction=reaction,
        note=(note or "").strip(),
    )
    _event(violation, kind="violation.persuaded", by=by, note=measure.note, reaction=reaction)
    return measure


@transaction.atomic
def violation_set_rectification(*, violation_id: int, by, requirement: str, due_date: date) -> Measure:
    """R-VIO-4: rectification by a deadline (限期整改) — what must be put right by which day. The
    deadline ends at 24:00 of that day (R-TIME-1); a ledger row reminds the handler the day before
    and the re-inspection meets it."""
    violation = _lock(violation_id)
    _ensure_handler(violation, by)
    requirement = _required(requirement, _("Write what the owner must put right."))
    due_at = _end_of_day(due_date) if due_date else None
    if due_at is None or due_at <= timezone.now():
        raise ViolationError(_("The rectification deadline cannot be earlier than today; choose it again."))
    _move(violation, Status.RECTIFYING, kind="violation.rectification_set", by=by, note=requirement,
          due=due_date.isoformat())  # fmt: skip
    violation.save(update_fields=["status", "updated_at"])
    deadline_meet(case=violation, kind=KIND_NEXT_STEP, by=by)
    measure = Measure.objects.create(
        community_id=violation.community_id,
        violation=violation,
        kind=Kind.RECTIFICATION,
        status=Measure.Status.RUNNING,
        by=by,
        at=timezone.now(),
        requirement=requirement,
        due_at=due_at,
    )
    deadline_open(
        case=violation,
        community=violation.community,
        kind=KIND_RECTIFICATION,
        title=_title(violation, _("Re-inspect the rectification")),
        link=violation.get_absolute_url(),
        due_at=due_at,
        responsible_user=by,
        escalate_role=_escalate_role(violation, by),
    )
    return measure


@transaction.atomic
def violation_reinspect(*, violation_id: int, by, rectified: bool, note: str) -> Measure:
    """R-VIO-4: the re-inspection records rectified or not. Rectified closes the case (a major one
    only when a superior re-inspects; otherwise it goes back to them to close); not rectified leaves
    it “not rectified” with a deadline for the handler to decide what follows (a new deadline or a
    penalty proposed to the superiors)."""
    violation = _lock(violation_id)
    _ensure(
        may_reinspect(violation, by),
        _("Only an area steward, the property supervisor or a manager may re-inspect."),
    )
    measure = _pending(violation, Kind.RECTIFICATION)
    if measure is None:
        raise ViolationError(_("There is no rectification deadline to re-inspect."))
    note = _required(note, _("Write what the re-inspection found."))
    now = timezone.now()
    measure.reinspected_at, measure.reinspected_by, measure.reinspection_note = now, by, note
    measure.status = Measure.Status.RECTIFIED if rectified else Measure.Status.NOT_RECTIFIED
    measure.save()
    deadline_meet(case=violation, kind=KIND_RECTIFICATION, by=by, at=now)
    if rectified and (not violation.is_major or may_close(violation, by)):
        _move(violation, Status.CLOSED, kind="violation.rectified", by=by, note=note)
        _close(violation, by, note)
        return measure
    if rectified:
        # R-VIO-5: a major case is closed by the superiors; a steward's re-inspection hands it back.
        _move(violation, Status.OPEN, kind="violation.rectified", by=by, note=note)
        violation.save(update_fields=["status", "updated_at"])
        notification_send(
            recipients=_holders(sorted(closer_roles(violation)), violation.community_id),
            text=_("Rectified, to be closed: %(title)s") % {"title": _case(violation)},
            link=violation.get_absolute_url(),
        )
        return measure
    _move(violation, Status.NOT_RECTIFIED, kind="violation.not_rectified", by=by, note=note)
    violation.save(update_fields=["status", "updated_at"])
    _open_next_step(violation, responsible=measure.by)
    notification_send(
        recipients=[measure.by] if measure.by_id != by.pk else [],
        text=_("Not rectified by the deadline: %(title)s") % {"title": _case(violation)},
        link=violation.get_absolute_url(),
    )
    return measure


def _open_next_step(violation: Violation, *, responsible) -> None:
    deadline_open(
        case=violation,
        community=violation.community,
        kind=KIND_NEXT_STEP,
        title=_title(violation, _("Not rectified: decide what follows")),
        link=violation.get_absolute_url(),
        due_at=timezone.now() + timedelta(days=settings.PROPSVC_VIOLATION_NEXT_STEP_DAYS),
        responsible_user=responsible,
        escalate_role=Role.CS_MANAGER,
    )


def _refused_ruling(violation: Violation) -> bool:
    """Public criticism is for owners who refuse the ruling (R-VIO-4): they refused persuasion, did
    not rectify by the deadline, or a penalty is already in effect."""
    return violation.measures.filter(
        Q(reaction=Reaction.REFUSED)
        | Q(status=Measure.Status.NOT_RECTIFIED)
        | Q(status=Measure.Status.EFFECTIVE)
    ).exists()


@transaction.atomic
def violation_propose_penalty(
    *, violation_id: int, by, kind: str, basis: str, amount: Decimal | None = None, note: str = ""
) -> Measure:
    """R-VIO-6: a handler proposes a penalty; it takes effect only when a superior signs it.

    Persuasion first (R-VIO-1). Compensation needs a recorded loss and an amount; public criticism
    is for owners who refuse the ruling; legal action is for a large loss not compensated or serious
    fee arrears (R-VIO-4). The signers are told at once and have PROPSVC_VIOLATION_SIGN_DAYS.
    """
    violation = _lock(violation_id)
    _ensure_handler(violation, by)
    if kind not in Measure.PENALTIES:
        raise ViolationError(_("Choose compensation, public criticism or legal action."))
    if violation.unit_id is None and violation.owner_id is None:
        raise ViolationError(_("A penalty needs the owner concerned; this violation names no unit."))
    if not violation.measures.filter(kind=Kind.PERSUASION).exists():
        raise ViolationError(
            _("Persuade and educate first (R-VIO-1): record the persuasion before proposing a penalty.")
        )
    basis = _required(basis, _("Write the rule or agreement the penalty rests on."))
    if kind == Kind.COMPENSATION:
        if not violation.caused_loss:
            raise ViolationError(_("No loss to owners is recorded; compensation cannot be asked for."))
        if amount is None or amount <= 0:
            raise ViolationError(_("Enter the amount of the compensation."))
    else:
        amount = amount if (amount and amount > 0) else None
    if kind == Kind.CRITICISM and not _refused_ruling(violation):
        raise ViolationError(_("Public criticism is only for an owner who refuses the ruling."))
    if kind == Kind.LEGAL and not (
        violation.category == "fees"
        or violation.measures.filter(kind=Kind.COMPENSATION, status=Measure.Status.EFFECTIVE).exists()
    ):
        raise ViolationError(
            _("Legal action is for a large loss that was not compensated or for serious fee arrears: "
              "a compensation must be in effect first, or the violation must be a refusal to pay fees.")
        )  # fmt: skip
    previous = violation.status
    _move(violation, Status.PENALTY_PROPOSED, kind="violation.penalty_proposed", by=by, note=basis,
          penalty=kind, amount=str(amount) if amount else "")  # fmt: skip
    violation.save(update_fields=["status", "updated_at"])
    deadline_meet(case=violation, kind=KIND_NEXT_STEP, by=by)
    measure = Measure.objects.create(
        community_id=violation.community_id,
        violation=violation,
        kind=kind,
        status=Measure.Status.PROPOSED,
        by=by,
        at=timezone.now(),
        amount=amount,
        basis=basis,
        note=(note or "").strip(),
        return_status=Status.OPEN if previous == Status.PENALTY_EFFECTIVE else previous,
    )
    deadline_open(
        case=violation,
        community=violation.community,
        kind=KIND_SIGN,
        title=_title(violation, _("Sign or refuse the proposed penalty")),
        link=violation.get_absolute_url(),
        due_at=timezone.now() + timedelta(days=settings.PROPSVC_VIOLATION_SIGN_DAYS),
        escalate_role=Role.CS_MANAGER,
    )
    notification_send(
        recipients=[u for u in _holders(sorted(PENALTY_SIGNERS), violation.community_id) if u.pk != by.pk],
        text=_("Penalty to sign: %(penalty)s for %(title)s")
        % {"penalty": measure.get_kind_display(), "title": _case(violation)},
        link=violation.get_absolute_url(),
        email=True,
    )
    return measure


def _ensure_signer(violation: Violation, by) -> None:
    _ensure(
        may_sign(violation, by),
        _("Only the property company manager or the CS center manager may decide a penalty; "
          "other staff may only persuade."),
    )  # fmt: skip


@transaction.atomic
def violation_sign_penalty(*, violation_id: int, by, note: str = "") -> Measure:
    """R-VIO-6: the penalty takes effect when a superior signs it; the CS center carries it out and
    afterwards reaches out to the owner to ease relations (a follow-up deadline)."""
    violation = _lock(violation_id)
    _ensure_signer(violation, by)
    measure = _pending(violation)
    if measure is None or measure.status != Measure.Status.PROPOSED:
        raise ViolationError(_("There is no proposed penalty to sign."))
    now = timezone.now()
    measure.status, measure.signed_by, measure.signed_at = Measure.Status.EFFECTIVE, by, now
    measure.sign_note = (note or "").strip()
    measure.save()
    _move(violation, Status.PENALTY_EFFECTIVE, kind="violation.penalty_signed", by=by, note=measure.sign_note,
          penalty=measure.kind)  # fmt: skip
    violation.save(update_fields=["status", "updated_at"])
    audit_write(
        kind="violations.penalty_signed", actor=by, community_id=violation.community_id,
        violation=violation.pk, measure=measure.pk, penalty=measure.kind,
    )  # fmt: skip
    deadline_meet(case=violation, kind=KIND_SIGN, by=by, at=now)
    if not Deadline.objects.filter(
        content_type=ContentType.objects.get_for_model(Violation), object_id=violation.pk,
        kind=KIND_FOLLOW_UP, met_at__isnull=True,
    ).exists():  # fmt: skip
        service_department = Department.objects.filter(
            community_id=violation.community_id, kind=Department.Kind.CUSTOMER_SERVICE
        ).first()
        deadline_open(
            case=violation,
            community=violation.community,
            kind=KIND_FOLLOW_UP,
            title=_title(violation, _("Reach out to the owner after the penalty")),
            link=violation.get_absolute_url(),
            due_at=now + timedelta(days=settings.PROPSVC_VIOLATION_FOLLOW_UP_DAYS),
            responsible_department=service_department,
            responsible_user=None if service_department else measure.by,
            escalate_role=Role.CS_MANAGER,
        )
    notification_send(
        recipients=[measure.by] if measure.by_id != by.pk else [],
        text=_("Penalty signed: %(penalty)s for %(title)s")
        % {"penalty": measure.get_kind_display(), "title": _case(violation)},
        link=violation.get_absolute_url(),
    )
    return measure


@transaction.atomic
def violation_refuse_penalty(*, violation_id: int, by, note: str) -> Measure:
    """R-VIO-1: punish sparingly — the superior may refuse a proposal; the case goes back to where
    it was."""
    violation = _lock(violation_id)
    _ensure_signer(violation, by)
    measure = _pending(violation)
    if measure is None or measure.status != Measure.Status.PROPOSED:
        raise ViolationError(_("There is no proposed penalty to refuse."))
    note = _required(note, _("Say why the penalty is not approved."))
    measure.status, measure.signed_by, measure.signed_at, measure.sign_note = (
        Measure.Status.REFUSED, by, timezone.now(), note,
    )  # fmt: skip
    measure.save()
    back = measure.return_status or Status.OPEN
    if violation.measures.filter(status=Measure.Status.EFFECTIVE).exists():
        back = Status.PENALTY_EFFECTIVE
    old = violation.status
    violation.status = back  # back to where it was (not a forward step of NEXT)
    _event(violation, kind="violation.penalty_refused", by=by, from_status=old, to_status=back, note=note)
    violation.save(update_fields=["status", "updated_at"])
    audit_write(
        kind="violations.penalty_refused", actor=by, community_id=violation.community_id,
        violation=violation.pk, measure=measure.pk, penalty=measure.kind,
    )  # fmt: skip
    deadline_meet(case=violation, kind=KIND_SIGN, by=by)
    if back == Status.NOT_RECTIFIED:  # still not rectified: what follows is to be decided again
        _open_next_step(violation, responsible=measure.by)
    notification_send(
        recipients=[measure.by] if measure.by_id != by.pk else [],
        text=_("Penalty not approved: %(title)s") % {"title": _case(violation)},
        link=violation.get_absolute_url(),
    )
    return measure


def _effective(violation: Violation, kind: str) -> Measure:
    _ensure(violation.status != Status.CLOSED, _("A closed violation cannot be changed."))
    measure = violation.measures.filter(kind=kind, status=Measure.Status.EFFECTIVE).select_for_update().last()
    if measure is None:
        raise ViolationError(_("No signed %(penalty)s is in effect.") % {"penalty": Measure.Kind(kind).label})
    return measure


def _ensure_not_future(day: date, message: str) -> None:
    if day is None or day > timezone.localdate():
        raise ViolationError(message)


@transaction.atomic
def violation_publish_criticism(*, violation_id: int, by, published_on: date, where: str) -> Measure:
    """The CS center carries out a signed public criticism: when and where it was published."""
    violation = _lock(violation_id)
    _ensure_handler(violation, by)
    measure = _effective(violation, Kind.CRITICISM)
    if measure.published_at:
        raise ViolationError(_("The public criticism was already published."))
    _ensure_not_future(published_on, _("The publication date cannot be in the future."))
    if published_on < timezone.localtime(measure.signed_at).date():
        raise ViolationError(_("A criticism cannot be published before it was signed."))
    measure.published_at = published_on
    measure.published_where = _required(where, _("Write where it was published."))
    measure.save()
    _event(violation, kind="violation.criticism_published", by=by, note=measure.published_where,
           on=published_on.isoformat())  # fmt: skip
    return measure


@transaction.atomic
def violation_send_lawyer_letter(*, violation_id: int, by, sent_on: date) -> Measure:
    """R-VIO-4: legal action is preceded by a lawyer's letter; its date is recorded."""
    violation = _lock(violation_id)
    _ensure_handler(violation, by)
    measure = _effective(violation, Kind.LEGAL)
    if measure.lawyer_letter_on:
        raise ViolationError(_("The lawyer's letter was already sent."))
    _ensure_not_future(sent_on, _("The date of the lawyer's letter cannot be in the future."))
    if sent_on < timezone.localtime(measure.signed_at).date():
        raise ViolationError(_("The lawyer's letter cannot predate the signed decision."))
    measure.lawyer_letter_on = sent_on
    measure.save()
    _event(violation, kind="violation.lawyer_letter", by=by, on=sent_on.isoformat())
    return measure


@transaction.atomic
def violation_file_lawsuit(*, violation_id: int, by, filed_on: date, court: str) -> Measure:
    """R-VIO-4: the filing comes only after the lawyer's letter."""
    violation = _lock(violation_id)
    _ensure_handler(violation, by)
    measure = _effective(violation, Kind.LEGAL)
    if not measure.lawyer_letter_on:
        raise ViolationError(_("Send the lawyer's letter first; the lawsuit is filed only after it."))
    if measure.filed_on:
        raise ViolationError(_("The lawsuit was already filed."))
    _ensure_not_future(filed_on, _("The filing date cannot be in the future."))
    if filed_on < measure.lawyer_letter_on:
        raise ViolationError(_("The lawsuit cannot be filed before the lawyer's letter."))
    measure.filed_on = filed_on
    measure.court = _required(court, _("Write the court and the case number."))
    measure.save()
    _event(violation, kind="violation.lawsuit_filed", by=by, note=measure.court, on=filed_on.isoformat())
    return measure


@transaction.atomic
def violation_follow_up(*, violation_id: int, by, method: str, at: datetime, attitude: str) -> FollowUp:
    """R-VIO-6, R-VIO-1: after a penalty the CS center reaches out to the owner to ease relations."""
    violation = _lock(violation_id)
    _ensure(may_follow_up(violation, by), _("Only the customer service center reaches out to the owner."))
    _ensure(violation.status != Status.CLOSED, _("A closed violation cannot be changed."))
    _ensure(
        violation.measures.filter(status=Measure.Status.EFFECTIVE).exists(),
        _("The follow-up comes after a penalty has taken effect."),
    )
    if method not in FollowUp.Method.values:
        raise ViolationError(_("Choose how the owner was contacted."))
    if at > timezone.now() + timedelta(minutes=5):
        raise ViolationError(_("The time of the follow-up cannot be in the future."))
    follow_up = FollowUp.objects.create(
        community_id=violation.community_id,
        violation=violation,
        method=method,
        at=at,
        by=by,
        attitude=_required(attitude, _("Write how the owner responded.")),
    )
    deadline_meet(case=violation, kind=KIND_FOLLOW_UP, by=by)
    _event(violation, kind="violation.followed_up", by=by, note=follow_up.attitude, method=method)
    return follow_up


def _close(violation: Violation, by, note: str) -> None:
    violation.closed_at, violation.closed_by, violation.close_note = timezone.now(), by, note
    violation.save()
    deadline_meet(case=violation, by=by)


@transaction.atomic
def violation_close(*, violation_id: int, by, note: str) -> Violation:
    """Close the case: the owner stopped after persuasion (R-VIO-1), or every penalty in effect was
    carried out (a criticism published, the lawyer's letter sent) and the CS center has reached out
    to the owner since (R-VIO-6). A major violation is closed only by the superiors."""
    violation = _lock(violation_id)
    _ensure(
        may_close(violation, by),
        _("Only the CS center manager or the company leadership may close a major violation.")
        if violation.is_major
        else _("Only the property supervisor or a manager may close a violation."),
    )
    note = _required(note, _("Write how the violation ended."))
    if violation.status == Status.RECTIFYING:
        # RECTIFYING → CLOSED is the re-inspection's move (violation_reinspect): closing over a
        # running deadline would leave its measure "running" on a closed case.
        raise _cannot_become(violation, Status.CLOSED)
    put_right = Q(kind=Kind.PERSUASION) | Q(status=Measure.Status.RECTIFIED)
    if violation.status == Status.OPEN and not violation.measures.filter(put_right).exists():
        raise ViolationError(
            _("Record the persuasion first: a violation is closed once the owner has put it right.")
        )
    if violation.status == Status.PENALTY_EFFECTIVE:
        effective = list(violation.measures.filter(status=Measure.Status.EFFECTIVE))
        if any(m.kind == Kind.CRITICISM and not m.published_at for m in effective):
            raise ViolationError(_("Publish the signed public criticism before closing."))
        if any(m.kind == Kind.LEGAL and not m.lawyer_letter_on for m in effective):
            raise ViolationError(_("Send the lawyer's letter before closing."))
        last_signed = max(m.signed_at for m in effective)
        # The follow-up form keeps minutes only: one in the minute of the signature counts.
        since = timezone.localtime(last_signed).replace(second=0, microsecond=0)
        if not violation.follow_ups.filter(at__gte=since).exists():
            raise ViolationError(
                _("Reach out to the owner after the penalty (R-VIO-6) and record it before closing.")
            )
    _move(violation, Status.CLOSED, kind="violation.closed", by=by, note=note)
    _close(violation, by, note)
    return violation


# -- notices (R-VIO-9) ------------------------------------------------------------------------------


@transaction.atomic
def notice_issue(*, violation_id: int, by, kind: str) -> Notice:
    """R-VIO-9: the owner receives a written notice — the 业户违规处理通知单 (the facts and the measure
    decided) or the 限期整改通知书 of the running rectification; the issue date is kept on the case.
    Individual notices go to the owner, so a violation that names no unit has none."""
    violation = _lock(violation_id)
    _ensure(
        may_handle(violation, by) or may_reinspect(violation, by),
        _("Only the area steward, the property supervisor or a manager may issue a notice."),
    )
    if violation.unit_id is None:
        raise ViolationError(_("A notice goes to the owner of a unit; this violation names no unit."))
    measure = None
    if kind == Notice.Kind.RECTIFICATION:
        measure = _pending(violation, Kind.RECTIFICATION)
        if measure is None:
            raise ViolationError(_("Set a rectification deadline before issuing the rectification notice."))
    elif kind != Notice.Kind.VIOLATION:
        raise ViolationError(_("Choose the notice to issue."))
    elif violation.status == Status.CLOSED:
        raise ViolationError(_("A closed violation cannot be changed."))
    notice = Notice.objects.create(
        community_id=violation.community_id,
        violation=violation,
        measure=measure,
        kind=kind,
        issued_at=timezone.now(),
        issued_by=by,
    )
    _event(violation, kind="violation.notice_issued", by=by, note=notice.get_kind_display(), notice=notice.pk)
    return notice
