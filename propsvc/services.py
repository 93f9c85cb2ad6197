"""State changes of the core: notifications, the deadline ledger and its sweep, staff preferences."""

import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from propsvc.errors import DomainError
from propsvc.http import current_address
from propsvc.models import AuditEntry, Deadline, DigestItem, Membership, Notification, StaffPreference
from propsvc.roles import Role
from propsvc.selectors import staff_may_choose_digest

logger = logging.getLogger(__name__)


class NotificationError(DomainError):
    pass


@transaction.atomic
def notification_send(
    *, recipients: Iterable, text: str, link: str = "", email: bool = False
) -> list[Notification]:
    """Put one message into each recipient's notification centre (deduplicated by user).

    With email=True a copy is also mailed to each recipient who has an email address: it is
    queued (email_pending) and the next sweep sends it (notification_email_pending).
    """
    seen: set[int] = set()
    rows = []
    for user in recipients:
        if user is None or user.pk in seen:
            continue
        seen.add(user.pk)
        rows.append(_notification(user, text, link, email=email))
    return Notification.objects.bulk_create(rows)


def _notification(user, text: str, link: str, *, email: bool) -> Notification:
    return Notification(
        recipient=user, text=text[:500], link=link[:300], email_pending=bool(email and user.email)
    )


EMAIL_BATCH = 200


def notification_email_pending(*, now: datetime | None = None) -> int:
    """Mail the queued email copies of notifications; returns how many were sent.

    Claim, send, record (STYLE 16): a batch is claimed in its own transaction (rows locked with
    SKIP LOCKED and flipped to not-pending), so two sweeps never mail the same message; a failed
    send is logged and put back in the queue for the next sweep.
    """
    now = now or timezone.now()
    with transaction.atomic():
        batch = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(email_pending=True)
            .select_related("recipient")
            .order_by("pk")[:EMAIL_BATCH]
        )
        if not batch:
            return 0
        Notification.objects.filter(pk__in=[n.pk for n in batch], email_pending=True).update(
            email_pending=False, emailed_at=now
        )
    failed = []
    with translation.override(settings.LANGUAGE_CODE):
        for notification in batch:
            if not notification.recipient.email:
                continue
            try:
                _mail(notification)
            except Exception:
                logger.exception("email for notification %s failed; it stays queued", notification.pk)
                failed.append(notification.pk)
    if failed:
        Notification.objects.filter(pk__in=failed).update(email_pending=True, emailed_at=None)
    return sum(1 for n in batch if n.recipient.email) - len(failed)


def _mail(notification: Notification) -> None:
    subject = _("[Customer service center] %(text)s") % {"text": notification.text}
    subject = " ".join(subject.split())[:150]
    body = notification.text
    if notification.link:
        body += "\n\n" + settings.PROPSVC_SITE_URL + notification.link
    send_mail(subject, body, None, [notification.recipient.email])


def notification_mark_read(*, user, notification_id: int) -> Notification:
    notification = Notification.objects.filter(recipient=user, pk=notification_id).first()
    if notification is None:
        raise NotificationError("not found")  # the view turns this into a 404
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
        notification.refresh_from_db(fields=["read_at"])
    return notification


def notification_mark_all_read(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


def notification_purge(*, keep_days: int) -> int:
    """Delete read notifications older than keep_days; unread ones stay until read."""
    cutoff = timezone.now() - timedelta(days=keep_days)
    deleted, _ = Notification.objects.filter(read_at__isnull=False, created_at__lt=cutoff).delete()
    return deleted


# -- the deadline ledger ------------------------------------------------------------------------

DEFAULT_WARN_BEFORE = timedelta(hours=4)
# Rows claimed per scan tick and step (warnings, breaches). A tick stays short whatever the
# backlog; a full batch makes the task run again at once (propsvc.tasks.sweep_deadlines), so
# 10,000 rows due at the same minute are all sent within seconds (docs/PERFORMANCE.md).
SWEEP_BATCH = 150
DIGEST_BATCH = 5000


def _case_reference(case) -> tuple[ContentType, int]:
    return ContentType.objects.get_for_model(case), case.pk


def deadline_warn_at(*, kind: str, due_at: datetime, now: datetime, warn_before: timedelta | None = None):
    """When the reminder goes out: warn_before (or the per-kind setting) before the due time.

    Kinds without a setting: 4 h before a deadline at least 24 h away, otherwise a sixth of the
    time left. Never earlier than now, never later than the due time.
    """
    if warn_before is None:
        warn_before = settings.PROPSVC_DEADLINE_WARN_BEFORE.get(kind)
    if warn_before is None:
        left = due_at - now
        warn_before = DEFAULT_WARN_BEFORE if left >= timedelta(hours=24) else max(left / 6, timedelta(0))
    return min(due_at, max(due_at - warn_before, now))


def deadline_open(
    *,
    case,
    community,
    kind: str,
    title: str,
    link: str,
    due_at: datetime,
    responsible_user=None,
    responsible_department=None,
    escalate_role: str = "",
    warn_before: timedelta | None = None,
) -> Deadline:
    """Write one obligation with a due time into the ledger, in the caller's transaction.

    The responsible person is a user, or a whole department until one of its members takes it
    (deadline_reassign). A reminder goes to them at warn_at (deadline_warn_at); at the due time
    they get an overdue notice and the holders of escalate_role in the community are told.
    """
    if timezone.is_naive(due_at):
        raise ValueError("due_at must be timezone-aware")
    if escalate_role and escalate_role not in Role.values:
        raise ValueError(f"unknown role {escalate_role!r}")
    content_type, object_id = _case_reference(case)
    now = timezone.now()
    return Deadline.objects.create(
        community=community,
        content_type=content_type,
        object_id=object_id,
        kind=kind,
        title=title[:200],
        link=link[:300],
        due_at=due_at,
        warn_at=deadline_warn_at(kind=kind, due_at=due_at, now=now, warn_before=warn_before),
        responsible_user=responsible_user,
        responsible_department=responsible_department,
        escalate_role=escalate_role,
    )


def _open_for_case(case, kind: str | None):
    content_type, object_id = _case_reference(case)
    qs = Deadline.objects.filter(content_type=content_type, object_id=object_id, met_at__isnull=True)
    return qs.filter(kind=kind) if kind else qs


def deadline_meet(*, case, kind: str | None = None, by=None, at: datetime | None = None) -> int:
    """Mark the case's open deadlines (of one kind, or all) met; returns how many.

    A met deadline gets no further reminder, even one already due: the sweep claims only rows
    with met_at empty. Whether it was met in time is met_at against due_at (Deadline.met_late).
    """
    return _open_for_case(case, kind).update(met_at=at or timezone.now(), met_by=by)


def deadline_reassign(*, case, kind: str, responsible_user) -> int:
    """Make one person responsible for the case's open deadlines of a kind; returns how many.

    Used when a department member takes a department-owned deadline (signs a work order): the
    department stays on the row, so a DEPARTMENT_HEAD escalation still reaches its head.
    """
    return _open_for_case(case, kind).update(responsible_user=responsible_user)


def deadline_pause(*, case, kind: str | None = None, at: datetime | None = None) -> int:
    """Stop the clock on the case's open deadlines (of one kind, or all); returns how many.

    The sweep skips paused rows: no reminder or overdue notice while the case waits on the owner.
    """
    return _open_for_case(case, kind).filter(paused_at__isnull=True).update(paused_at=at or timezone.now())


def deadline_resume(*, case, kind: str | None = None, at: datetime | None = None) -> timedelta:
    """Restart the clock: each paused row's due_at and warn_at move on by the time it was paused.

    A reminder already sent is re-armed when the new reminder time is still ahead. Returns the
    longest paused time (for the caller's timeline).
    """
    at = at or timezone.now()
    longest = timedelta(0)
    for row in _open_for_case(case, kind).filter(paused_at__isnull=False).select_for_update():
        paused = max(at - row.paused_at, timedelta(0))
        longest = max(longest, paused)
        row.due_at += paused
        row.warn_at += paused
        row.paused_at = None
        fields = ["due_at", "warn_at", "paused_at", "updated_at"]
        if row.warned_at and row.warn_at > at and row.breached_at is None:
            row.warned_at, row.warn_token = None, None
            fields += ["warned_at", "warn_token"]
        row.save(update_fields=fields)
    return longest


def deadline_reschedule(*, case, kind: str, due_at: datetime) -> int:
    """Move the case's open deadlines of a kind to a new due time (a call-back tried again the next
    day): the reminder time is recomputed and both reminders are re-armed."""
    now = timezone.now()
    return _open_for_case(case, kind).update(
        due_at=due_at,
        warn_at=deadline_warn_at(kind=kind, due_at=due_at, now=now),
        warned_at=None,
        warn_token=None,
        breached_at=None,
        breach_token=None,
    )


def deadline_transfer(*, from_case, to_case, kind: str, new_kind: str, title: str, link: str) -> int:
    """Hand the deadlines of one kind, open or met, over to another case (a record that became a
    complaint).

    One obligation stays one row: its due time, whether and when it was met, reminders already
    sent and the responsible person are kept, so the on-time statistics count it once.
    """
    content_type, object_id = _case_reference(to_case)
    from_type, from_id = _case_reference(from_case)
    rows = Deadline.objects.filter(content_type=from_type, object_id=from_id, kind=kind)
    return rows.update(
        content_type=content_type, object_id=object_id, kind=new_kind, title=title[:200], link=link[:300]
    )


def _claim(
    qs, *, now: datetime, stamp: str, tag_field: str, order: str, extra: dict | None = None
) -> tuple[uuid.UUID | None, list[int]]:
    """Claim up to SWEEP_BATCH rows of qs with a conditional UPDATE carrying a fresh token.

    The WHERE repeats "not yet stamped, not met", so of two scans racing over the same rows
    (even at the same frozen `now`) each row is stamped by exactly one; the winner reads back
    exactly the rows carrying its token, among the candidates (by primary key: the tokens have no
    index, and a read by token alone was a scan of the whole ledger).
    """
    token = uuid.uuid4()
    # Oldest first, along the partial index (deadline_open_warn / deadline_open_due): the
    # database reads SWEEP_BATCH index entries, not every due row.
    candidates = list(qs.order_by(order, "pk").values_list("pk", flat=True)[:SWEEP_BATCH])
    if not candidates:
        return None, []
    claimed = Deadline.objects.filter(
        pk__in=candidates, met_at__isnull=True, paused_at__isnull=True, **{f"{stamp}__isnull": True}
    ).update(**{stamp: now, tag_field: token}, **(extra or {}))
    return (token, candidates) if claimed else (None, [])


def _due_text(due_at: datetime) -> str:
    local = due_at.astimezone(ZoneInfo(settings.TIME_ZONE))
    return _("%(month)d/%(day)d %(time)s") % {
        "month": local.month,
        "day": local.day,
        "time": local.strftime("%H:%M"),
    }


def _person(user) -> str:
    return user.get_full_name() or user.get_username()


class _Recipients:
    """Everyone a batch of claimed rows may notify, read in one query.

    Memberships of: the responsible departments (their members), the escalation roles in the
    rows' communities (or company-wide), and the responsible users (their departments, for a
    DEPARTMENT_HEAD escalation). Users come with their StaffPreference.
    """

    def __init__(self, rows: list[Deadline]):
        department_ids = {r.responsible_department_id for r in rows if r.responsible_department_id}
        roles = {r.escalate_role for r in rows if r.escalate_role}
        community_ids = {r.community_id for r in rows}
        user_ids = {r.responsible_user_id for r in rows if r.responsible_user_id}
        self.members: dict[int, list] = defaultdict(list)
        self.by_role: dict[str, list[Membership]] = defaultdict(list)
        self.departments_of: dict[int, set[tuple[int | None, int]]] = defaultdict(set)
        if not rows:
            return
        query = Q(department_id__in=department_ids) | Q(user_id__in=user_ids, department__isnull=False)
        if roles:
            query |= Q(role__in=roles) & (Q(community_id__in=community_ids) | Q(community__isnull=True))
        memberships = Membership.objects.filter(query, user__is_active=True).select_related(
            "user__staff_preference"
        )
        for m in memberships:
            if m.department_id in department_ids:
                self.members[m.department_id].append(m.user)
            if m.role in roles:
                self.by_role[m.role].append(m)
            if m.user_id in user_ids and m.department_id:
                self.departments_of[m.user_id].add((m.community_id, m.department_id))

    def responsible(self, row: Deadline) -> list:
        if row.responsible_user_id:
            return [row.responsible_user] if row.responsible_user.is_active else []
        return _unique(self.members.get(row.responsible_department_id, []))

    def escalation(self, row: Deadline) -> list:
        if not row.escalate_role:
            return []
        here = (None, row.community_id)
        holders = [m for m in self.by_role.get(row.escalate_role, []) if m.community_id in here]
        if row.escalate_role == Role.DEPARTMENT_HEAD:
            if row.responsible_department_id:
                departments = {row.responsible_department_id}
            else:
                departments = {
                    d for c, d in self.departments_of.get(row.responsible_user_id, ()) if c in here
                }
            holders = [m for m in holders if m.department_id in departments]
        return _unique(m.user for m in holders)


def _unique(users) -> list:
    seen, out = set(), []
    for user in users:
        if user.pk not in seen:
            seen.add(user.pk)
            out.append(user)
    return out


def _wants_digest(user) -> bool:
    try:
        return user.staff_preference.escalation_digest
    except StaffPreference.DoesNotExist:
        return False


def deadline_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """The scan, then the queued emails (`manage.py sweep_deadlines`, and the tests): see
    deadline_scan and notification_email_pending. Beat runs the two as separate tasks, so a slow
    mail server never delays a scan (docs/PERFORMANCE.md)."""
    counts = deadline_scan(now=now)
    counts["emailed"] = notification_email_pending(now=now)
    return counts


def deadline_scan(*, now: datetime | None = None) -> dict[str, int]:
    """The reminder scan, one tick (every PROPSVC_SWEEP_SECONDS by beat).

    1. Warnings: open rows with warn_at <= now < due_at and no reminder yet — each responsible
       person (the user, or every member of the department) gets "due soon".
    2. Breaches: open rows past due_at with no overdue notice yet — the responsible people get
       "overdue" and the holders of escalate_role in the row's community are escalated to
       (DEPARTMENT_HEAD: only the head of the row's department); a person already responsible
       is not escalated to, and one who chose the hourly digest gets a DigestItem instead.
    (The emails these notifications queue are sent by notification_email_pending, a task of its own.)

    Rows are claimed and their notifications written in one transaction, so a crash loses
    nothing (the rows stay due) and a scan that did not run for hours is made up by the next.
    Constant queries whatever the number of rows. Returns counts.
    """
    now = now or timezone.now()
    counts = {"warned": 0, "breached": 0, "escalated": 0}
    open_rows = Deadline.objects.filter(met_at__isnull=True, paused_at__isnull=True)
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        warn_token, warn_ids = _claim(
            open_rows.filter(warned_at__isnull=True, warn_at__lte=now, due_at__gt=now),
            now=now,
            stamp="warned_at",
            tag_field="warn_token",
            order="warn_at",
        )
        breach_token, breach_ids = _claim(
            open_rows.filter(breached_at__isnull=True, due_at__lte=now),
            now=now,
            stamp="breached_at",
            tag_field="breach_token",
            order="due_at",
            # no late "due soon" after the overdue notice
            extra={"warned_at": Coalesce("warned_at", Value(now))},
        )
        # Read back exactly the rows this scan stamped (another scan's rows carry other tokens).
        mine = Q()
        if warn_token:
            mine |= Q(warn_token=warn_token)
        if breach_token:
            mine |= Q(breach_token=breach_token)
        rows = []
        if mine:
            rows = list(
                Deadline.objects.filter(mine, pk__in=warn_ids + breach_ids).select_related(
                    "responsible_user", "responsible_department__community"
                )
            )
        recipients = _Recipients(rows)
        notifications, digest_items = [], []
        for row in rows:
            due = _due_text(row.due_at)
            responsible = recipients.responsible(row)
            if breach_token is not None and row.breach_token == breach_token:
                counts["breached"] += 1
                text = _("Overdue: %(title)s — was due %(due)s") % {"title": row.title, "due": due}
                notifications += [_notification(u, text, row.link, email=True) for u in responsible]
                if row.responsible_user_id:
                    who = _person(row.responsible_user)
                else:
                    who = str(row.responsible_department)
                text = _("Escalation: %(title)s is overdue (due %(due)s); responsible: %(who)s") % {
                    "title": row.title,
                    "due": due,
                    "who": who,
                }
                skip = {u.pk for u in responsible} | {row.responsible_user_id}
                for user in recipients.escalation(row):
                    if user.pk in skip:
                        continue
                    counts["escalated"] += 1
                    if _wants_digest(user):
                        digest_items.append(DigestItem(recipient=user, text=text[:500], link=row.link))
                    else:
                        notifications.append(_notification(user, text, row.link, email=True))
            else:
                counts["warned"] += 1
                text = _("Due soon: %(title)s — by %(due)s") % {"title": row.title, "due": due}
                notifications += [_notification(u, text, row.link, email=True) for u in responsible]
        Notification.objects.bulk_create(notifications)
        DigestItem.objects.bulk_create(digest_items)
    return counts


DIGEST_LIST_MAX = 10


def digest_send(*, now: datetime | None = None) -> dict[str, int]:
    """Send each recipient of held-back escalations ONE notification listing them (hourly by beat).

    The items are claimed with a conditional UPDATE and a fresh token, like the sweep, so two
    runs never send an item twice; claim and notification are one transaction.
    """
    now = now or timezone.now()
    token = uuid.uuid4()
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        unsent = DigestItem.objects.filter(sent_at__isnull=True).order_by("created_at")
        candidates = list(unsent.values_list("pk", flat=True)[:DIGEST_BATCH])
        claimed = 0
        if candidates:
            claimed = DigestItem.objects.filter(pk__in=candidates, sent_at__isnull=True).update(
                sent_at=now, token=token
            )
        by_recipient: dict[int, list[DigestItem]] = defaultdict(list)
        if claimed:
            mine = DigestItem.objects.filter(token=token).select_related("recipient").order_by("created_at")
            for item in mine:
                by_recipient[item.recipient_id].append(item)
        link = reverse("notifications")
        notifications = []
        for items in by_recipient.values():
            notifications.append(_notification(items[0].recipient, _digest_text(items), link, email=True))
        Notification.objects.bulk_create(notifications)
    emailed = notification_email_pending(now=now)
    return {"recipients": len(notifications), "items": claimed, "emailed": emailed}


def _digest_text(items: list[DigestItem]) -> str:
    titles = pgettext("list separator", "; ").join(item.text for item in items[:DIGEST_LIST_MAX])
    if len(items) > DIGEST_LIST_MAX:
        titles = _("%(titles)s and others (%(count)d in all)") % {"titles": titles, "count": len(items)}
    return _("You have %(count)d overdue escalations: %(titles)s") % {"count": len(items), "titles": titles}


# -- staff preferences --------------------------------------------------------------------------


@transaction.atomic
def staff_preference_set(*, user, escalation_digest: bool) -> StaffPreference:
    """Choose how overdue escalations reach a supervisor: one by one, or once an hourly digest.

    Only staff holding a role that is escalated to (ESCALATION_ROLES) may choose.
    """
    if not staff_may_choose_digest(user=user):
        raise NotificationError(_("Only supervisors and managers receive escalations."))
    preference, _created = StaffPreference.objects.update_or_create(
        user=user, defaults={"escalation_digest": escalation_digest}
    )
    return preference


# -- the audit trail ------------------------------------------------------------------------------


def audit_write(
    *,
    kind: str,
    actor=None,
    community=None,
    community_id: int | None = None,
    address: str | None = None,
    **data,
) -> AuditEntry:
    """Append one entry to the audit trail in the caller's transaction (counts and ids, no personal data).

    A staff member's action (actor given) without an explicit address records the address of the
    request being served (propsvc.http.current_address): services called by views need not pass it.
    An anonymous entry (the public suggestion box) never takes it: owners are not tracked by address.
    """
    if address is None and actor is not None:
        address = current_address()
    if community is not None:
        community_id = community.pk
    return AuditEntry.objects.create(
        kind=kind, actor=actor, community_id=community_id, address=address, data=data
    )
