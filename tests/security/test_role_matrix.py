"""The role matrix, proven on every state-changing URL (issue 11, item 2).

Every URL pattern that takes POST is found in the resolver (test_isolation.url_patterns). Its permission
is read from the view's own decorator (`permission_required`, see tests/security/role_matrix.py); where
the decorator only lets a wider group reach the view and the view or service decides the real permission,
ACTION_PERMISSION says which and why. A POST pattern that is neither in ACTIONS (below) nor in
NOT_ROLE_PROTECTED fails test_every_state_changing_url_is_swept, naming the pattern.

For each ACTION a user holding only one role in community A (company roles: no community; department roles:
the engineering department of A) posts valid data about an object of community A in a state where the action
is valid, once per role of `Role`, each attempt in a savepoint rolled back afterwards:

- the roles in PERMISSIONS[perm] succeed: a redirect without form errors, and the object's state moved —
  unless the domain narrows the permission further (`narrowed`, with the rule id): then exactly the narrowed
  roles succeed and the other matrix roles are refused by the rule;
- every other role is refused (403 from the permission decorator) and nothing is written: every table of
  the project's apps (cases, AuditEntry, Deadline, Notification, the timelines …) hashes the same before and
  after.

Where the action has a form page (GET), roles without the permission get 403 there too.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import get_resolver, reverse

from archives import services as archive_services
from archives.models import LookupRequest
from archives.views import archive as archive_views
from complaints import services as complaint_services
from complaints.models import Callback, Complaint
from propsvc.models import Department
from propsvc.roles import COMPANY_ROLES, DEPARTMENT_ROLES, PERMISSIONS, Perm, Role
from reception import services as reception_services
from reception.models import ReceptionRecord, WorkOrder
from surveys import notices as survey_notices
from surveys import round_report
from surveys import rounds as survey_rounds
from surveys import services as survey_services
from surveys.models import (
    BoxSuggestion,
    Month,
    Questionnaire,
    QuestionnaireTemplate,
    Suggestion,
    SurveyRound,
    Visit,
    VisitSummary,
)
from surveys.models import Notice as BoardNotice
from tests.archives.support import PDF
from tests.factories import (
    CommunityFactory,
    DepartmentFactory,
    MembershipFactory,
    OwnershipFactory,
    UnitFactory,
    UserFactory,
)
from tests.security.role_matrix import (
    Target,
    attempt,
    fingerprint,
    get_status,
    required_permission,
    takes_get,
    takes_post,
)
from tests.security.test_isolation import url_patterns
from violations import services as violation_services
from violations.models import Measure, Violation

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Monday 23 November 2026, 10:00 in Shanghai: a working morning at the service center.
NOW = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
H = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
FMT = "%Y-%m-%dT%H:%M"
ROLES = list(Role)


def local(moment: datetime.datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime(FMT)


# -- what is not role-protected --------------------------------------------------------------------

# POST patterns that no role guards, with the reason (every other POST pattern is an ACTION below).
NOT_ROLE_PROTECTED = {
    "login": "the login form: for anyone not yet logged in (tests/security/test_login.py)",
    "logout": "ends one's own session",
    "set_language": "Django's i18n view: stores one's language choice in a cookie",
    "notification-read-all": "marks the user's own notifications read (tests/propsvc/test_notifications.py)",
    "notification-preferences": "the user's own e-mail preferences",
    "notification-open": "opens one of the user's own notifications (others' are 404: test_isolation)",
    "healthz": "database and broker state for the load balancer: reads nothing of the data, writes nothing",
    "community-switch": "chooses among the communities the user already holds a role in (test_isolation)",
    "suggestion-box": "the public suggestion box (R-COM-1): owners post without an account",
    "questionnaire-online": "a household's questionnaire (R-SUR-1), reached by the secret on its paper form",
}
NOT_ROLE_PROTECTED_NAMESPACES = {
    "admin": "Django admin: only is_staff users log in, and no membership makes a user staff "
    "(test_isolation.test_community_staff_never_reach_the_admin)",
}

# Views whose decorator lets a wider group in and whose service decides who may act: the permission the
# action really needs (a tuple: any one of them). The sweep proves the service refuses everyone else.
ACTION_PERMISSION = {
    # The first response to a complaint is the handler's or the desk's that registered it (R-REC-3, R-CMP-2).
    "complaints:respond": (Perm.HANDLE_COMPLAINT, Perm.REGISTER_COMPLAINT),
    # Everyone who sees the case may post sign/refuse; the service refuses all but the signers (R-VIO-6).
    "violations:sign": (Perm.SIGN_PENALTY,),
    "violations:refuse": (Perm.SIGN_PENALTY,),
    # A written notice goes out from the handler or the steward who re-inspects (R-VIO-9, R-VIO-5).
    "violations:notice-issue": (Perm.HANDLE_VIOLATION, Perm.REINSPECT_VIOLATION),
}


def _lookup_action_permission(action: str) -> tuple[str, ...]:
    # archives.views.archive.ACTIONS names each look-up step's permission (R-ARC-4).
    return (archive_views.ACTIONS[action][0],)


# -- the world: one user per role in community A -----------------------------------------------------


def build_world(community_a):
    eng = DepartmentFactory(community=community_a, kind=Department.Kind.ENGINEERING)
    cs = DepartmentFactory(community=community_a, kind=Department.Kind.CUSTOMER_SERVICE)
    cleaning = DepartmentFactory(community=community_a, kind=Department.Kind.CLEANING)
    DepartmentFactory(community=None, kind=Department.Kind.QUALITY)  # the company's (R-CMP-5)
    users = {}
    for role in ROLES:
        user = UserFactory(username=f"only-{role.value}")
        MembershipFactory(
            user=user,
            community=None if role in COMPANY_ROLES else community_a,
            role=role,
            department=eng if role in DEPARTMENT_ROLES else None,
        )
        users[role] = user
    # Helpers who prepare the states (their own actions are not under test).
    aux = {}
    for name, role in (("aux_manager", Role.CS_MANAGER), ("aux_archivist", Role.ARCHIVIST)):
        aux[name] = UserFactory(username=name.replace("_", "-"))
        MembershipFactory(user=aux[name], community=community_a, role=role)
    aux["cleaning_head"] = UserFactory(username="aux-cleaning-head")
    MembershipFactory(
        user=aux["cleaning_head"], community=community_a, role=Role.DEPARTMENT_HEAD, department=cleaning
    )
    unit = UnitFactory(
        building__community=community_a, building__number="3", entrance=2, floor=11, room="1101"
    )
    owner = OwnershipFactory(unit=unit, owner__name="王建国", owner__mobile="13812345678").owner
    unit2 = UnitFactory(building=unit.building, entrance=2, floor=12, room="1202")
    OwnershipFactory(unit=unit2, owner__name="李秀英", owner__mobile="13812340000")
    return SimpleNamespace(
        community=community_a,
        eng=eng,
        cs=cs,
        cleaning=cleaning,
        users=users,
        u=users,
        unit=unit,
        unit2=unit2,
        owner=owner,
        **aux,
    )


def _status(model, pk, field="status"):
    return lambda: model.objects.filter(pk=pk).values_list(field, flat=True).first()


def _count(qs):
    return lambda: qs.all().count()


# -- reception (R-REC-*) ---------------------------------------------------------------------------


def _record(w, **fields):
    fields = {
        "by": w.u[Role.RECEPTIONIST],
        "community": w.community,
        "unit": w.unit,
        "owner": w.owner,
        "kind": "repair",
        "channel": "phone",
        "subject": "厨房水管漏水",
        **fields,
    }
    return reception_services.record_log(**fields)


def _transferred(w):
    record = _record(w)
    reception_services.record_transfer(
        record_id=record.pk, by=w.u[Role.RECEPTIONIST], department=w.eng, task="上门检修", due_at=NOW + 8 * H
    )
    return record


def desk(w):
    data = {
        "unit": w.unit.pk,
        "contact_type": "owner",
        "channel": "visit",
        "kind": "repair",
        "subject": "卫生间漏水",
        "received_at": local(NOW),
        "outcome": "handled",
        "outcome_note": "已安排维修师傅下午上门",
        "community": w.community.pk,
    }
    return Target({}, data, _count(ReceptionRecord.objects))


def record_respond(w):
    record = _record(w)
    return Target(
        {"pk": record.pk},
        {"method": "phone", "note": "已告知业主"},
        _status(ReceptionRecord, record.pk, "first_response_at"),
    )


def record_handle(w):
    record = _record(w)
    return Target({"pk": record.pk}, {"note": "已电话指导业主关闭总阀"}, _status(ReceptionRecord, record.pk))


def record_out_of_remit(w):
    record = _record(w, kind="consultation")
    return Target(
        {"pk": record.pk}, {"remit-note": "已告知业主联系供电公司"}, _status(ReceptionRecord, record.pk)
    )


def record_pending(w):
    record = _record(w)
    data = {"note": "需查询维修记录", "promised_reply_at": local(NOW + 4 * H), "reply_method": "phone"}
    return Target({"pk": record.pk}, data, _status(ReceptionRecord, record.pk))


def record_transfer(w):
    record = _record(w)
    data = {"department": w.eng.pk, "task": "上门检修", "due_at": local(NOW + 8 * H), "reply_method": "phone"}
    return Target({"pk": record.pk}, data, _status(ReceptionRecord, record.pk))


def record_reply(w):
    record = _transferred(w)
    order = WorkOrder.objects.get(record=record)
    head = w.u[Role.DEPARTMENT_HEAD]
    reception_services.work_order_sign(work_order_id=order.pk, by=head)
    reception_services.work_order_report(work_order_id=order.pk, by=head, result="已更换水管")
    return Target(
        {"pk": record.pk},
        {"method": "phone", "note": "已告知业主维修完毕"},
        _status(ReceptionRecord, record.pk),
    )


def work_order_sign(w):
    order = WorkOrder.objects.get(record=_transferred(w))
    return Target({"pk": order.pk}, {}, _status(WorkOrder, order.pk))


def work_order_report(w):
    order = WorkOrder.objects.get(record=_transferred(w))
    reception_services.work_order_sign(work_order_id=order.pk, by=w.u[Role.DEPARTMENT_HEAD])
    return Target({"pk": order.pk}, {"result": "已维修完毕"}, _status(WorkOrder, order.pk))


# -- archives (R-ARC-*) ----------------------------------------------------------------------------


def unit_use(w):
    return Target(
        {"pk": w.unit.pk}, {"use": "rented", "note": "出租给租户"}, _status(type(w.unit), w.unit.pk, "use")
    )


def unit_transfer(w):
    data = {"name": "赵新业", "mobile": "13900001111", "start_date": "2026-11-20", "reason": "买卖过户"}
    return Target({"pk": w.unit.pk}, data, _count(w.unit.ownerships))


def roster_import(w):
    from archives.models import Building
    from tests.archives.test_roster import row, xlsx  # the roster tests' Excel builder

    def data():
        return {
            "community": w.community.pk,
            "file": xlsx([row(building="9", room="901", mobile="13900009999")]),
        }

    return Target({}, data, _count(Building.objects))


def _window(w, user):
    """An open look-up window for user on w.unit (R-ARC-4), approved and registered by the helpers."""
    lookup = archive_services.lookup_request(by=user, unit_id=w.unit.pk, reason="核对业主信息")
    archive_services.lookup_approve(
        request_id=lookup.pk, by=w.aux_manager if user != w.aux_manager else w.u[Role.CS_MANAGER]
    )
    archive_services.lookup_register(
        request_id=lookup.pk, by=w.aux_archivist if user != w.aux_archivist else w.u[Role.ARCHIVIST]
    )
    return lookup


def _editors_windows(w):
    """The editors of the archive (R-ARC-3) may write only inside their own window (R-ARC-4)."""
    for role in PERMISSIONS[Perm.EDIT_ARCHIVE]:
        _window(w, w.u[role])
    helper = w.aux_archivist
    _window(w, helper)
    for group in ("family", "emergency", "vehicles"):
        archive_services.consent_record(
            unit_id=w.unit.pk,
            by=helper,
            owner_id=w.owner.pk,
            group=group,
            purpose="登记车辆与家庭信息",
            given_on=NOW.date(),
        )


def _archive_rows(w):
    from archives.models import ArchiveChange, ArchiveDocument

    return lambda: (ArchiveChange.objects.count(), ArchiveDocument.objects.count())


def archive_change(step, *, window=True):
    def build(w):
        if window:
            _editors_windows(w)
        owner = {f"{step}-owner_id": w.owner.pk}
        data = {
            "contact": {**owner, "contact-mobile": "13912345678", "contact-reason": "业主换号"},
            "consent": {
                **owner,
                "consent-group": "contact",
                "consent-purpose": "联系业主",
                "consent-given_on": NOW.date().isoformat(),
            },
            "withdraw": {**owner, "withdraw-group": "vehicles", "withdraw-reason": "业主撤回同意"},
            "family": {
                **owner,
                "family-name": "王小明",
                "family-relation": "儿子",
                "family-reason": "业主登记",
            },
            "emergency": {
                **owner,
                "emergency-name": "王建华",
                "emergency-relation": "兄弟",
                "emergency-mobile": "13900002222",
                "emergency-reason": "业主登记",
            },
            "vehicle": {**owner, "vehicle-plate": "沪A12345", "vehicle-reason": "业主登记"},
        }
        if step == "remove":
            row = archive_services.personal_row_add(
                unit_id=w.unit.pk,
                by=w.aux_archivist,
                owner_id=w.owner.pk,
                group="family",
                reason="登记",
                name="王小红",
                relation="女儿",
            )
            return Target(
                {"pk": w.unit.pk, "step": step},
                {"remove-group": "family", "remove-row_id": row.pk, "remove-reason": "业主要求删除"},
                _archive_rows(w),
            )
        if step == "document":
            return Target(
                {"pk": w.unit.pk, "step": step},
                lambda: {
                    "document-part": "basic",
                    "document-title": "房产证",
                    "document-upload": SimpleUploadedFile("房产证.pdf", PDF, "application/pdf"),
                },
                _archive_rows(w),
            )
        return Target({"pk": w.unit.pk, "step": step}, data[step], _archive_rows(w))

    return build


def lookup_new(w):
    return Target(
        {"pk": w.unit.pk},
        {"reason": "业主委托办理车位登记，核对车辆信息", "minutes": 60},
        _count(LookupRequest.objects),
    )


def _pending_lookup(w):
    return archive_services.lookup_request(
        by=w.u[Role.RECEPTIONIST], unit_id=w.unit2.pk, reason="核对车辆信息"
    )


def lookup_approve(w):
    lookup = _pending_lookup(w)
    return Target({"pk": lookup.pk, "action": "approve"}, {"note": "同意"}, _status(LookupRequest, lookup.pk))


def lookup_reject(w):
    lookup = _pending_lookup(w)
    return Target(
        {"pk": lookup.pk, "action": "reject"}, {"note": "理由不充分"}, _status(LookupRequest, lookup.pk)
    )


def lookup_register(w):
    lookup = _pending_lookup(w)
    archive_services.lookup_approve(request_id=lookup.pk, by=w.aux_manager)
    return Target({"pk": lookup.pk, "action": "register"}, {}, _status(LookupRequest, lookup.pk))


def lookup_close(w, role):
    """Each role ends its own look-up: only the requester may (R-ARC-4)."""
    lookup = archive_services.lookup_request(by=w.u[role], unit_id=w.unit2.pk, reason="核对车辆信息")
    return Target({"pk": lookup.pk, "action": "close"}, {}, _status(LookupRequest, lookup.pk))


def privacy_anonymise(kind):
    """A non-owner's data no longer needed (PIPL, R-ARC-5): a visitor's desk record, a box note's contact."""

    def build(w):
        if kind == "reception":
            row = _record(
                w,
                unit=None,
                owner=None,
                contact_type="other",
                contact_name="张访客",
                contact_phone="13900003333",
                consent_given=True,
                consent_purpose="回复本次咨询",
                kind="consultation",
            )
            model = ReceptionRecord
        else:
            row = survey_services.box_suggestion_post(
                community_id=w.community.pk,
                text="请回电",
                address="203.0.113.9",
                contact="13900004444",
                contact_consent=True,
            )
            model = BoxSuggestion
        return Target(
            {"kind": kind, "pk": row.pk}, {}, lambda: model.objects.filter(pk=row.pk).values().first()
        )

    return build


# -- complaints (R-CMP-*, R-CB-*) -------------------------------------------------------------------


def _complaint(w, **fields):
    fields = {
        "by": w.u[Role.RECEPTIONIST],
        "community": w.community,
        "unit": w.unit,
        "owner": w.owner,
        "channel": "visit",
        "subject": "电梯频繁故障",
        "details": "本周第三次停运",
        "request": "尽快修好",
        "category": "facilities",
        "severity": "general",
        "department": w.eng,
        "apology_given": True,
        **fields,
    }
    return complaint_services.complaint_register(**fields)


def _handler(w, fields):
    """R-CMP-5: who handles the complaint the fields describe."""
    if fields.get("category") == "company":
        return w.u[Role.QUALITY]
    return w.u[
        Role.CS_MANAGER if fields.get("severity", "general") != "general" else Role.PROPERTY_SUPERVISOR
    ]


def _processing(w, **fields):
    complaint = _complaint(w, **fields)
    complaint_services.complaint_triage(
        complaint_id=complaint.pk, by=_handler(w, fields), valid=True, plan="派工程部检修"
    )
    return complaint


def _resolved(w, **fields):
    complaint = _processing(w, **fields)
    complaint_services.complaint_report_result(
        complaint_id=complaint.pk, by=_handler(w, fields), result="已更换电梯控制板"
    )
    return complaint


def _signed_off(w, **fields):
    complaint = _resolved(w, **fields)
    head = w.cleaning_head if fields.get("department") == w.cleaning else w.u[Role.DEPARTMENT_HEAD]
    complaint_services.complaint_sign_off(complaint_id=complaint.pk, by=head)
    return complaint


def _accepted(w, **fields):
    complaint = _signed_off(w, **fields)
    complaint_services.complaint_owner_accepts(complaint_id=complaint.pk, by=_handler(w, fields))
    return complaint


def _unsolvable(w):
    complaint = _processing(w)
    complaint_services.complaint_mark_unsolvable(
        complaint_id=complaint.pk,
        by=w.u[Role.PROPERTY_SUPERVISOR],
        reason="需厂家配件",
        next_reply_at=NOW + 2 * DAY,
    )
    return complaint


def _on(complaint, data, *, field="status"):
    return Target({"pk": complaint.pk}, data, _status(Complaint, complaint.pk, field))


def _callback_state(complaint):
    return lambda: list(
        Callback.objects.filter(complaint=complaint).order_by("pk").values_list("status", "planned_at")
    )


def complaint_new(w):
    data = {
        "community": w.community.pk,
        "unit": w.unit.pk,
        "channel": "visit",
        "subject": "楼道灯不亮",
        "received_at": local(NOW),
        "category": "facilities",
        "severity": "general",
        "department": w.eng.pk,
        "apology_given": "on",
    }
    return Target({}, data, _count(Complaint.objects))


def complaint_from_record(w):
    record = _record(w, kind="complaint", subject="楼上装修噪音")
    data = {"category": "facilities", "severity": "general", "department": w.eng.pk, "apology_given": "on"}
    return Target({"record_pk": record.pk}, data, _count(Complaint.objects))


def complaint_respond(w):
    complaint = _complaint(w, channel="letter", apology_given=False)
    return _on(
        complaint,
        {"respond-note": "已致电业主致歉", "respond-apology_given": "on"},
        field="first_response_at",
    )


def complaint_triage(**fields):
    def build(w):
        return _on(_complaint(w, **fields), {"triage-valid": "valid", "triage-plan": "派工程部检修"})

    return build


def complaint_work_order(w):
    complaint = _processing(w)
    data = {
        "work-order-department": w.eng.pk,
        "work-order-task": "更换控制板",
        "work-order-due_at": local(NOW + DAY),
    }
    return Target({"pk": complaint.pk}, data, _count(WorkOrder.objects))


def complaint_result(w):
    return _on(_processing(w), {"result-result": "已更换电梯控制板"})


def complaint_pause(w):
    return _on(_processing(w), {"pause-reason": "业主出差至周五"})


def complaint_resume(w):
    complaint = _processing(w)
    complaint_services.complaint_pause(
        complaint_id=complaint.pk, by=w.u[Role.PROPERTY_SUPERVISOR], reason="业主出差"
    )
    return _on(complaint, {})


def complaint_unsolvable(w):
    return _on(
        _processing(w), {"unsolvable-reason": "需厂家配件", "unsolvable-next_reply_at": local(NOW + 2 * DAY)}
    )


def complaint_reply_again(w):
    complaint = _unsolvable(w)
    data = {"reply-again-note": "配件已在途", "reply-again-next_reply_at": local(NOW + 3 * DAY)}
    return _on(complaint, data, field="next_reply_at")


def complaint_take_up(w):
    return _on(_unsolvable(w), {"take-up-note": "配件已到"})


def complaint_sign_off(**fields):
    def build(w):
        chosen = {**fields, "department": w.cleaning} if fields.get("department") == "cleaning" else fields
        return _on(_resolved(w, **chosen), {"sign-off-note": "同意"})

    return build


def complaint_send_back(w):
    return _on(_resolved(w), {"send-back-note": "缺少维修照片", "send-back-due_at": local(NOW + DAY)})


def complaint_accept(w):
    return _on(_signed_off(w), {"accept-note": "业主满意"})


def complaint_reject(w):
    data = {
        "reject-objection": "仍有异响",
        "reject-new_plan": "更换曳引机",
        "reject-due_at": local(NOW + 2 * DAY),
    }
    return _on(_signed_off(w), data)


def complaint_callback(w, **fields):
    complaint = _accepted(w, **fields)
    data = {
        "callback-called_at": local(NOW),
        "callback-quality_rating": "satisfied",
        "callback-effect_rating": "satisfied",
        "callback-satisfaction": "satisfied",
    }
    return Target({"pk": complaint.pk}, data, _callback_state(complaint))


def complaint_unreachable(w):
    complaint = _accepted(w)
    return Target(
        {"pk": complaint.pk},
        {"unreachable-attempted_at": local(NOW), "unreachable-note": "无人接听"},
        _callback_state(complaint),
    )


def complaint_reschedule(w):
    complaint = _accepted(w)
    return Target(
        {"pk": complaint.pk},
        {"reschedule-planned_at": local(NOW + 2 * DAY + 5 * H)},
        _callback_state(complaint),
    )


# -- violations (R-VIO-*) ---------------------------------------------------------------------------

BASIS = "《管理规约》第十二条"


def _violation(w, **fields):
    fields = {
        "category": "sanitation",
        "subtype": "piling",
        "description": "楼道堆放纸箱",
        "observed_at": NOW - H,
        **fields,
    }
    return violation_services.violation_register(
        by=w.u[Role.AREA_STEWARD], community=w.community, unit=w.unit, owner=w.owner, **fields
    )


def _persuaded(w, reaction="refused", **fields):
    violation = _violation(w, **fields)
    violation_services.violation_persuade(
        violation_id=violation.pk,
        by=w.u[Role.AREA_STEWARD],
        at=NOW - H / 2,
        reaction=reaction,
        note="劝导业主停止违章",
    )
    return violation


def _proposed(w, kind="compensation", **penalty):
    violation = _persuaded(w, caused_loss=True, loss_note="纸箱起火熏黑墙面")
    violation_services.violation_propose_penalty(
        violation_id=violation.pk, by=w.u[Role.PROPERTY_SUPERVISOR], kind=kind, basis=BASIS, **penalty
    )
    return violation


def _effective(w, kind="compensation", **penalty):
    violation = _proposed(w, kind, **penalty)
    violation_services.violation_sign_penalty(violation_id=violation.pk, by=w.u[Role.CS_MANAGER], note="同意")
    return violation


def _vstate(violation):
    return lambda: (
        Violation.objects.filter(pk=violation.pk).values_list("status", "severity").first(),
        list(
            Measure.objects.filter(violation=violation)
            .order_by("pk")
            .values_list("kind", "status", "published_at", "lawyer_letter_on", "filed_on")
        ),
        violation.photos.count(),
        violation.notices.count(),
        violation.follow_ups.count(),
    )


def _von(violation, data):
    return Target({"pk": violation.pk}, data, _vstate(violation))


def violation_new(w):
    def data():
        return {
            "community": w.community.pk,
            "unit": w.unit.pk,
            "location": "",
            "category": "fire",
            "subtype": "fire_lane",
            "observed_at": local(NOW - H / 2),
            "description": "电动车停放在消防通道",
            "loss_note": "",
            "safety_note": "",
            "photos": [_photo()],
        }

    return Target({}, data, _count(Violation.objects))


def _photo():
    from tests.violations.conftest import photo

    return photo()


def violation_notice_issue(w):
    return _von(_violation(w), {"kind": "violation"})


def violation_persuade(w):
    return _von(
        _violation(w),
        {"persuade-at": local(NOW - H / 4), "persuade-reaction": "promised", "persuade-note": "讲解消防规定"},
    )


def violation_rectify(w):
    return _von(_violation(w), {"rectify-requirement": "清理楼道纸箱", "rectify-due_date": "2026-11-25"})


def violation_reinspect(w):
    violation = _violation(w)
    violation_services.violation_set_rectification(
        violation_id=violation.pk,
        by=w.u[Role.PROPERTY_SUPERVISOR],
        requirement="清理楼道纸箱",
        due_date=NOW.date() + 2 * DAY,
    )
    return _von(violation, {"reinspect-rectified": "no", "reinspect-note": "纸箱仍在"})


def violation_propose(w):
    return _von(
        _persuaded(w, caused_loss=True, loss_note="纸箱起火熏黑墙面"),
        {"propose-kind": "compensation", "propose-amount": "800", "propose-basis": BASIS, "propose-note": ""},
    )


def violation_sign(w):
    return _von(_proposed(w, amount=Decimal("800")), {"sign-note": "同意赔偿"})


def violation_refuse(w):
    return _von(_proposed(w, amount=Decimal("800")), {"refuse-note": "先再劝导一次"})


def violation_publish(w):
    return _von(
        _effective(w, "criticism"), {"publish-published_on": "2026-11-23", "publish-where": "小区入口公告栏"}
    )


def _sued(w):
    """After the compensation took effect, legal action is signed too (R-VIO-4)."""
    violation = _effective(w, amount=Decimal("800"))
    violation_services.violation_propose_penalty(
        violation_id=violation.pk,
        by=w.u[Role.PROPERTY_SUPERVISOR],
        kind="legal",
        amount=Decimal("800"),
        basis="《民法典》",
    )
    violation_services.violation_sign_penalty(violation_id=violation.pk, by=w.u[Role.CS_MANAGER])
    return violation


def violation_lawyer_letter(w):
    return _von(_sued(w), {"lawyer-letter-sent_on": "2026-11-23"})


def violation_lawsuit(w):
    violation = _sued(w)
    violation_services.violation_send_lawyer_letter(
        violation_id=violation.pk, by=w.u[Role.PROPERTY_SUPERVISOR], sent_on=NOW.date()
    )
    return _von(
        violation, {"lawsuit-filed_on": "2026-11-23", "lawsuit-court": "示范区人民法院 (2026)民初123号"}
    )


def violation_follow_up(w):
    data = {"follow-up-method": "visit", "follow-up-at": local(NOW), "follow-up-attitude": "业主表示理解"}
    return _von(_effective(w, amount=Decimal("800")), data)


def violation_close(**fields):
    def build(w):
        return _von(_persuaded(w, reaction="stopped", **fields), {"close-note": "业主已清理"})

    return build


def violation_reassess(w):
    return _von(
        _violation(w),
        {"reassess-caused_loss": "on", "reassess-loss_note": "纸箱起火熏黑墙面", "reassess-note": "物业核实"},
    )


def violation_photos(w):
    violation = _violation(w)
    return Target({"pk": violation.pk}, lambda: {"photos-photos": [_photo()]}, _vstate(violation))


# -- visits, the suggestion box, surveys, notices (R-VIS-*, R-COM-*, R-SUR-*) -----------------------------

# The survey steps happen on their own dates: sending in June (R-SUR-1), the statistics in July (R-SUR-7).
JUNE = datetime.datetime(2026, 6, 10, 10, 0, tzinfo=SHANGHAI)
JULY = datetime.datetime(2026, 7, 6, 10, 0, tzinfo=SHANGHAI)


def visit_new(w):
    data = {
        "unit": w.unit.pk,
        "mode": "home",
        "visited_at": local(NOW - H),
        "appointment_made_at": local(NOW - DAY),
        "appointment_with": "业主本人，电话预约",
        "topics": ["security", "repair_skill"],
        "opinions": "希望增加夜间巡逻",
        "signature": "signed",
    }
    return Target({}, data, _count(Visit.objects))


def _october_summary(w, *, prepared=False, decided=False):
    """October's visit summary with one suggestion (R-VIS-3), due now that November runs."""
    survey_services.visit_record(
        by=w.u[Role.CS_SUPERVISOR],
        unit=w.unit2,
        mode="office",
        topics=["cleaning"],
        signature="signed",
        visited_at=datetime.datetime(2026, 10, 20, 10, tzinfo=SHANGHAI),
        opinions="垃圾清运太晚",
    )
    summary, _created = survey_services.visit_summary_open(
        community_id=w.community.pk, month=Month.of(datetime.date(2026, 10, 1))
    )
    if prepared:
        survey_services.visit_summary_prepare(
            summary_id=summary.pk, by=w.u[Role.CS_SUPERVISOR], overview="保洁问题"
        )
    if decided:
        for suggestion in summary.suggestions.all():
            survey_services.suggestion_decide(
                summary_id=summary.pk,
                suggestion_id=suggestion.pk,
                by=w.u[Role.CS_MANAGER],
                decision="adopted",
                note="",
            )
    return summary


def summary_prepare(w):
    summary = _october_summary(w)
    return Target({"pk": summary.pk}, {"overview": "业主最关注保洁"}, _status(VisitSummary, summary.pk))


def suggestion_decide(w):
    summary = _october_summary(w, prepared=True)
    suggestion = summary.suggestions.get()
    return Target(
        {"pk": summary.pk, "suggestion_pk": suggestion.pk},
        {"decision": "adopted", "note": "本月整改"},
        _status(Suggestion, suggestion.pk, "decision"),
    )


def summary_submit(w):
    summary = _october_summary(w, prepared=True, decided=True)
    return Target({"pk": summary.pk}, {}, _status(VisitSummary, summary.pk))


def _box_note(w):
    return survey_services.box_suggestion_post(
        community_id=w.community.pk, text="垃圾桶该清理了", address="203.0.113.9"
    )


def suggestion_answer(w):
    note = _box_note(w)
    return Target({"pk": note.pk}, {"answer": "已安排明早清理"}, _status(BoxSuggestion, note.pk))


def suggestion_no_answer(w):
    note = _box_note(w)
    return Target({"pk": note.pk}, {"reason": "匿名且未留联系方式"}, _status(BoxSuggestion, note.pk))


def _default_template():
    return QuestionnaireTemplate.objects.get(is_default=True)


def round_new(w):
    data = {"community": w.community.pk, "year": 2026, "period": 6, "template": _default_template().pk}
    return Target({}, data, _count(SurveyRound.objects))


def _round(w, *, sent=False):
    survey_round = survey_rounds.survey_round_create(
        by=w.u[Role.CS_SUPERVISOR], community_id=w.community.pk, year=2026, period=6
    )
    if sent:
        survey_round = survey_rounds.survey_round_send(
            round_id=survey_round.pk, by=w.u[Role.CS_SUPERVISOR], sent_on=datetime.date(2026, 6, 1)
        )
    return survey_round


def round_send(w):
    survey_round = _round(w)
    return Target(
        {"pk": survey_round.pk}, {"round-send-sent_on": "2026-06-01"}, _status(SurveyRound, survey_round.pk)
    )


def round_close(w):
    survey_round = _round(w, sent=True)
    return Target(
        {"pk": survey_round.pk}, {"round-close-confirm": "on"}, _status(SurveyRound, survey_round.pk)
    )


def round_grid(w):
    from surveys.round_selectors import round_entrances

    survey_round = _round(w, sent=True)
    questionnaire = Questionnaire.objects.filter(round=survey_round, unit=w.unit).get()
    key = round_entrances(survey_round=survey_round)[0].key
    k0 = survey_round.item_keys[0]
    data = {"entrance": key, "q": [questionnaire.pk], f"q{questionnaire.pk}-{k0}": "1"}
    return Target(
        {"pk": survey_round.pk},
        data,
        lambda: list(Questionnaire.objects.filter(round=survey_round).values_list("returned_at", "answers")),
    )


def _closed_round(w, *, finished=False, published=False):
    from tests.surveys.test_round_report import HAND_WORKED, build_round

    survey_round = build_round(w.community, w.u[Role.CS_SUPERVISOR], sent=10, returned=HAND_WORKED)
    by = w.u[Role.CS_SUPERVISOR]
    if finished or published:
        round_report.round_statistics_finish(round_id=survey_round.pk, by=by, analysis="业主最关注保洁质量。")
    if published:
        round_report.round_publish(round_id=survey_round.pk, by=by, measures="1. 保洁：每日巡查两次。")
    return survey_round


def _round_state(survey_round):
    return lambda: SurveyRound.objects.filter(pk=survey_round.pk).values().first()


def round_finish(w):
    survey_round = _closed_round(w)
    return Target({"pk": survey_round.pk}, {"analysis": "业主最关注保洁质量。"}, _round_state(survey_round))


def round_publish(w):
    survey_round = _closed_round(w, finished=True)
    return Target(
        {"pk": survey_round.pk}, {"measures": "1. 保洁：每日巡查两次。"}, _round_state(survey_round)
    )


def round_quality_copy(w):
    survey_round = _closed_round(w, published=True)
    return Target(
        {"pk": survey_round.pk}, {"sent_on": "2026-07-06", "how": "当面交品质部"}, _round_state(survey_round)
    )


def _templates():
    return lambda: list(
        QuestionnaireTemplate.objects.order_by("pk").values_list("name", "items", "is_default")
    )


def template_new(w):
    return Target({}, {"name": "简版问卷", "items": "秩序维护\n保洁质量\n", "is_active": "on"}, _templates())


def template_edit(w):
    template = survey_rounds.questionnaire_template_create(
        by=w.u[Role.QUALITY], name="简版问卷", lines=["保洁"]
    )
    return Target(
        {"pk": template.pk}, {"name": "简版问卷", "items": "保洁\n绿化", "is_active": "on"}, _templates()
    )


def _notice_form(**fields):
    return {
        "kind": "water_cut",
        "title": "水箱清洗停水通知",
        "body": "届时3栋、5栋停水，请提前储水。",
        "starts_at": local(NOW + 2 * DAY),
        "ends_at": local(NOW + 2 * DAY + 8 * H),
        "signed_by": "",
        **fields,
    }


def _cut(w):
    return survey_notices.notice_create(
        by=w.u[Role.CS_SUPERVISOR],
        community=w.community,
        kind="water_cut",
        title="水箱清洗停水通知",
        body="届时3栋、5栋停水，请提前储水。",
        starts_at=NOW + 2 * DAY,
        ends_at=NOW + 2 * DAY + 8 * H,
    )


def _notice_state(notice):
    return lambda: BoardNotice.objects.filter(pk=notice.pk).values_list("status", "title").first()


def notice_new(w):
    return Target({}, _notice_form(community=w.community.pk), _count(BoardNotice.objects))


def notice_edit(w):
    notice = _cut(w)
    return Target({"pk": notice.pk}, _notice_form(title="改期后的停水通知"), _notice_state(notice))


def notice_publish(w):
    notice = _cut(w)
    return Target({"pk": notice.pk}, {}, _notice_state(notice))


def notice_withdraw(w):
    notice = survey_notices.notice_publish(notice_id=_cut(w).pk, by=w.u[Role.CS_SUPERVISOR])
    return Target({"pk": notice.pk}, {"reason": "施工改期"}, _notice_state(notice))


# -- the working-day calendar -------------------------------------------------------------------------


def calendar_edit(w):
    from propsvc.models import CalendarDay

    data = {"holidays": "2027-01-01 元旦", "workdays": "", "note": "国务院办公厅通知"}
    return Target(
        {"year": 2027},
        data,
        lambda: list(CalendarDay.objects.filter(date__year=2027).values_list("date", "kind")),
    )


# -- the actions -------------------------------------------------------------------------------------


@dataclass
class Action:
    url: str
    build: Callable
    variant: str = ""  # for a URL with several steps (kwargs that pick the step)
    narrowed: frozenset | None = None  # the roles the domain lets act, when narrower than the matrix
    rule: str = ""  # the rule that narrows it
    per_role: bool = False  # build(w, role): each role acts on its own object
    now: datetime.datetime = NOW  # when the action is tried (the survey steps have their own dates)

    @property
    def id(self) -> str:
        return f"{self.url}[{self.variant}]" if self.variant else self.url


def _only(*roles) -> frozenset:
    return frozenset(roles)


# R-CMP-5: a general complaint is handled by the property supervisor or the CS center manager; the quality
# department (which holds the permission for complaints about the company) may not handle it.
HANDLERS_GENERAL = frozenset({Role.PROPERTY_SUPERVISOR, Role.CS_MANAGER})
R_CMP_5 = "R-CMP-5: a general complaint is the property supervisor's or the CS center manager's"

ACTIONS = [
    Action("calendar-edit", calendar_edit),
    # reception
    Action("reception:desk", desk),
    Action("reception:respond", record_respond),
    Action("reception:handle", record_handle),
    Action("reception:pending", record_pending),
    Action("reception:transfer", record_transfer),
    Action("reception:out-of-remit", record_out_of_remit),
    Action("reception:reply", record_reply),
    Action("reception:work-order-sign", work_order_sign),
    Action("reception:work-order-report", work_order_report),
    # archives
    Action("archives:unit-use", unit_use),
    Action("archives:unit-transfer", unit_transfer),
    Action("archives:roster-import", roster_import),
    *(Action("archives:archive-change", archive_change(step), variant=step) for step in archive_views.STEPS),
    Action(
        "archives:archive-change",
        archive_change("contact", window=False),
        variant="contact:no-window",
        narrowed=frozenset(),
        rule="R-ARC-4: the archive is written only inside one's own open look-up",
    ),
    Action("archives:lookup-new", lookup_new),
    Action("archives:lookup-action", lookup_approve, variant="approve"),
    Action("archives:lookup-action", lookup_reject, variant="reject"),
    Action("archives:lookup-action", lookup_register, variant="register"),
    Action("archives:lookup-action", lookup_close, variant="close", per_role=True),
    *(
        Action("archives:privacy-anonymise", privacy_anonymise(kind), variant=kind)
        for kind in ("reception", "box")
    ),
    # complaints: a general complaint about the facilities, the engineering department responsible
    Action("complaints:new", complaint_new),
    Action(
        "complaints:from-record",
        complaint_from_record,
        narrowed=PERMISSIONS[Perm.HANDLE_RECORD] & PERMISSIONS[Perm.REGISTER_COMPLAINT],
        rule="R-CMP-2: the follow-up closes the desk record, "
        "so it also needs reception.handle_record (the desk line's)",
    ),
    Action("complaints:respond", complaint_respond),
    Action("complaints:triage", complaint_triage(), narrowed=HANDLERS_GENERAL, rule=R_CMP_5),
    Action(
        "complaints:triage",
        complaint_triage(category="company", department=None),
        variant="company",
        narrowed=_only(Role.QUALITY),
        rule="R-CMP-5: a complaint about the company is the quality department's",
    ),
    Action(
        "complaints:triage",
        complaint_triage(severity="serious"),
        variant="serious",
        narrowed=_only(Role.CS_MANAGER),
        rule="R-CMP-5: a serious complaint is the CS center manager's",
    ),
    Action(
        "complaints:work-order",
        complaint_work_order,
        narrowed=HANDLERS_GENERAL | {Role.LEADERSHIP},
        rule=R_CMP_5 + "; the leader in charge may issue the order",
    ),
    Action(
        "complaints:result",
        complaint_result,
        narrowed=HANDLERS_GENERAL | DEPARTMENT_ROLES,
        rule="R-CMP-6: the handler or a member of the responsible department reports the result",
    ),
    *(
        Action(f"complaints:{name}", build, narrowed=HANDLERS_GENERAL, rule=R_CMP_5)
        for name, build in (
            ("pause", complaint_pause),
            ("resume", complaint_resume),
            ("unsolvable", complaint_unsolvable),
            ("reply-again", complaint_reply_again),
            ("take-up", complaint_take_up),
            ("accept", complaint_accept),
            ("reject", complaint_reject),
        )
    ),
    Action("complaints:sign-off", complaint_sign_off()),
    Action(
        "complaints:sign-off",
        complaint_sign_off(category="cleaning", department="cleaning"),
        variant="other-department",
        narrowed=frozenset(),
        rule="R-CMP-6: only a head of the responsible department (here cleaning) signs off",
    ),
    Action("complaints:send-back", complaint_send_back),
    Action("complaints:callback", complaint_callback),
    Action(
        "complaints:callback",
        lambda w: complaint_callback(w, severity="major"),
        variant="major",
        narrowed=_only(Role.CS_MANAGER),
        rule="R-CB-1: the CS center manager calls back on a major complaint",
    ),
    Action("complaints:unreachable", complaint_unreachable),
    Action("complaints:reschedule", complaint_reschedule),
    # violations: a general one (boxes piled in the stairwell) at unit 1101, registered by the steward
    Action("violations:new", violation_new),
    Action("violations:notice-issue", violation_notice_issue),
    Action("violations:persuade", violation_persuade),
    Action("violations:rectify", violation_rectify),
    Action("violations:reinspect", violation_reinspect),
    Action("violations:propose", violation_propose),
    Action("violations:sign", violation_sign),
    Action("violations:refuse", violation_refuse),
    Action("violations:publish", violation_publish),
    Action("violations:lawyer-letter", violation_lawyer_letter),
    Action("violations:lawsuit", violation_lawsuit),
    Action("violations:follow-up", violation_follow_up),
    Action("violations:close", violation_close()),
    Action(
        "violations:close",
        violation_close(threatens_safety=True, safety_note="消防车无法通行"),
        variant="major",
        narrowed=_only(Role.CS_MANAGER, Role.LEADERSHIP),
        rule="R-VIO-5: only the superiors close a major violation",
    ),
    Action("violations:reassess", violation_reassess),
    Action("violations:photos", violation_photos),
    # visits and summaries (R-VIS-*), the suggestion box (R-COM-1)
    Action("surveys:new", visit_new),
    Action("surveys:summary-prepare", summary_prepare),
    Action("surveys:suggestion-decide", suggestion_decide),
    Action("surveys:summary-submit", summary_submit),
    Action("surveys:suggestion-answer", suggestion_answer),
    Action("surveys:suggestion-no-answer", suggestion_no_answer),
    # satisfaction surveys (R-SUR-*): a June round, its statistics in July
    Action("surveys:round-new", round_new, now=JUNE),
    Action("surveys:round-send", round_send, now=JUNE),
    Action("surveys:round-close", round_close, now=JUNE),
    Action("surveys:round-grid", round_grid, now=JUNE),
    Action("surveys:round-finish", round_finish, now=JULY),
    Action("surveys:round-publish", round_publish, now=JULY),
    Action("surveys:round-quality-copy", round_quality_copy, now=JULY),
    Action("surveys:template-new", template_new),
    Action("surveys:template-edit", template_edit),
    # bulletin-board notices (R-COM-2): a planned water cut in two days
    Action("surveys:notice-new", notice_new),
    Action("surveys:notice-edit", notice_edit),
    Action("surveys:notice-publish", notice_publish),
    Action("surveys:notice-withdraw", notice_withdraw),
]


# -- the sweep --------------------------------------------------------------------------------------


def _callbacks() -> dict:
    """url name -> view callback, for every named pattern."""
    found = {}

    def walk(resolver, namespace=""):
        for entry in resolver.url_patterns:
            if hasattr(entry, "url_patterns"):
                walk(entry, f"{namespace}{entry.namespace}:" if entry.namespace else namespace)
            elif entry.name:
                found[f"{namespace}{entry.name}"] = entry.callback

    walk(get_resolver())
    return found


def permission_of(action: Action) -> tuple[str, ...]:
    if action.url == "archives:lookup-action":
        return _lookup_action_permission(action.variant)
    if action.url in ACTION_PERMISSION:
        return ACTION_PERMISSION[action.url]
    perm = required_permission(_callbacks()[action.url])
    assert perm, (
        f"{action.url} takes POST but its view has no permission_required decorator: give it one, or name "
        "the permission its service checks in ACTION_PERMISSION (tests/security/test_role_matrix.py)"
    )
    return (perm,)


def matrix_roles(perms: tuple[str, ...]) -> frozenset:
    return frozenset().union(*(PERMISSIONS[p] for p in perms))


def _exempt(name: str) -> bool:
    return name in NOT_ROLE_PROTECTED or name.split(":")[0] in NOT_ROLE_PROTECTED_NAMESPACES


def test_every_state_changing_url_is_swept():
    callbacks = _callbacks()
    swept = {a.url for a in ACTIONS}
    missing = []
    for p in url_patterns():
        if p.name is None or _exempt(p.name) or not takes_post(callbacks[p.name]):
            continue
        if p.name not in swept:
            missing.append(f"{p.key}  ({p.route})")
    assert not missing, (
        "URL patterns that take POST but are not in the role-matrix sweep — add an Action (an object of "
        "community A in a valid state and valid POST data) to ACTIONS in tests/security/test_role_matrix.py, "
        "or, if no role guards it, to NOT_ROLE_PROTECTED with the reason:\n  " + "\n  ".join(missing)
    )
    stale = sorted((swept | set(NOT_ROLE_PROTECTED) | set(ACTION_PERMISSION)) - set(callbacks))
    assert not stale, f"names in the role-matrix sweep that are no URL pattern any more: {stale}"
    for action in ACTIONS:
        assert all(p in PERMISSIONS for p in permission_of(action)), (
            f"{action.id}: a permission not in the matrix"
        )
    for name in ("archives:archive-change", "archives:lookup-action"):
        steps = archive_views.STEPS if name.endswith("change") else archive_views.ACTIONS
        swept_steps = {a.variant.split(":")[0] for a in ACTIONS if a.url == name}
        assert swept_steps == set(steps), f"{name}: every step is swept"


def test_the_domain_only_narrows_the_matrix():
    """A narrowing rule may refuse roles of the matrix, never admit a role the matrix refuses."""
    for action in ACTIONS:
        if action.narrowed is not None:
            assert action.rule, f"{action.id}: say which rule narrows the matrix"
            assert action.narrowed <= matrix_roles(permission_of(action)), action.id


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker):
    """The twelve users and community A, built once for the module inside a transaction that is rolled
    back at its end; each test runs in a savepoint inside it (pytest-django's own), each attempt in
    another (role_matrix.attempt)."""
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast, time_machine.travel(NOW, tick=False), transaction.atomic():
        world = build_world(CommunityFactory(name="阳光花园", code="ygh"))
        world.clients = {}
        for role in ROLES:  # one logged-in browser per role
            world.clients[role] = Client()
            world.clients[role].force_login(world.users[role])
        yield world
        transaction.set_rollback(True)


@pytest.fixture
def world(module_world, db):
    return module_world


def _url(action: Action, kwargs: dict) -> str:
    return reverse(action.url, kwargs=kwargs or None)


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.id)
def test_only_the_matrix_roles_may_act_and_a_refusal_writes_nothing(world, action):
    perms = permission_of(action)
    allowed = matrix_roles(perms)
    succeed = action.narrowed if action.narrowed is not None else allowed
    problems = []
    with time_machine.travel(action.now, tick=False):
        clients = world.clients
        shared = None if action.per_role else action.build(world)
        before = None if action.per_role else fingerprint()  # every attempt starts from it (rolled back)
        for role in ROLES:
            target = action.build(world, role) if action.per_role else shared
            outcome = attempt(clients[role], _url(action, target.kwargs), target, role, before=before)
            where = f"{action.id} as {role.value}"
            if outcome.status >= 500:
                problems.append(f"{where}: {outcome.status}")
            elif role in succeed:
                if outcome.status != 302 or outcome.errors or not outcome.moved:
                    problems.append(
                        f"{where}: expected to succeed, got {outcome.status} {outcome.location} "
                        f"errors={outcome.errors} state {outcome.state_before!r} -> {outcome.state_after!r}"
                    )
            else:
                why = "the matrix" if role not in allowed else action.rule
                if role not in allowed and _decorator_refuses(action) and outcome.status != 403:
                    problems.append(f"{where}: refused by {why}, expected 403, got {outcome.status}")
                if outcome.changed or outcome.moved:
                    problems.append(
                        f"{where}: refused by {why}, yet wrote {outcome.changed} "
                        f"(state {outcome.state_before!r} -> {outcome.state_after!r}, {outcome.status})"
                    )
        # The action's form page, where it has one, is refused to the roles without the permission.
        if takes_get(_callbacks()[action.url]) and not action.per_role:
            url = _url(action, shared.get_kwargs if shared.get_kwargs is not None else shared.kwargs)
            for role in ROLES:
                status = get_status(clients[role], url)
                if role not in allowed and status != 403:
                    problems.append(f"GET {url} ({action.id}) as {role.value}: {status}, expected 403")
                if role in succeed and status != 200:
                    problems.append(f"GET {url} ({action.id}) as {role.value}: {status}, expected 200")
    assert not problems, "the role matrix does not hold:\n  " + "\n  ".join(problems)


def _decorator_refuses(action: Action) -> bool:
    """The view's own decorator (or check) answers 403; for ACTION_PERMISSION the service refuses."""
    return action.url not in ACTION_PERMISSION
