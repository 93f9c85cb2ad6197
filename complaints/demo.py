"""Demo complaints for `seed_demo` (found by name: `<app>.demo.seed`).

Built through the services, as the staff would, so every one has its timeline and deadlines:
one awaiting triage, general ones being handled, a serious one with the leader's work order, one
awaiting the department head's sign-off, one awaiting the owner's answer, one waiting for its
call-back, one closed after a satisfied call-back, one invalid, one paused, one reopened by a
dissatisfied call-back, and the desk's complaint records taken over.
Idempotent: a community that already has complaints is left alone.
"""

import datetime
import random
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from archives.models import Unit
from complaints import services
from complaints.models import Callback, Complaint
from propsvc.models import Community, Department
from reception.models import Kind, ReceptionRecord

CASES = [
    # (subject, details, request, category, severity, stage)
    (
        "电梯频繁故障停运",
        "3号楼电梯本周第三次停运，老人上下楼困难",
        "尽快彻底修好并说明原因",
        "facilities",
        "general",
        "new",
    ),
    (
        "楼道垃圾两天未清运",
        "2单元楼道垃圾桶满溢，有异味",
        "每天按时清运",
        "cleaning",
        "general",
        "processing",
    ),
    (
        "地下车库积水严重",
        "暴雨后车库积水没过脚踝，车辆受损",
        "排水并赔偿洗车费用",
        "facilities",
        "serious",
        "leader",
    ),
    ("保安态度恶劣", "夜间回家时保安出言不逊", "保安当面道歉", "security", "general", "resolved"),
    ("单元门禁对讲失灵", "访客按门铃屋内听不到声音", "尽快修好对讲", "facilities", "general", "signed_off"),
    ("楼道路灯不亮", "5栋1单元8至12层声控灯全部不亮", "更换灯具", "facilities", "general", "accepted"),
    ("门禁卡无法使用", "新办的门禁卡刷不开单元门", "尽快更换", "facilities", "general", "closed"),
    (
        "邻居装修超时施工",
        "周末早上七点就开始电钻施工",
        "按装修管理规定限制施工时间",
        "renovation",
        "general",
        "invalid",
    ),
    (
        "屋顶渗水需更换防水层",
        "顶楼卧室天花板渗水，需等防水材料到货",
        "彻底修好防水",
        "facilities",
        "general",
        "paused",
    ),
    (
        "楼顶水箱夜间噪音",
        "楼顶水箱水泵夜间运行噪音大，影响睡眠",
        "加装减震降噪设施",
        "facilities",
        "general",
        "reopened",
    ),
    ("物业费计费有误", "本月物业费多收了两个月", "核对并退还多收费用", "fees", "general", "processing"),
    (
        "小区发生群体性停车纠纷",
        "二十余名业主聚集在东门抗议车位分配",
        "公开车位分配方案",
        "service",
        "major",
        "major",
    ),
]


def _users(community):
    users = get_user_model().objects
    get = lambda suffix: users.filter(username=f"{community.code}_{suffix}").first()  # noqa: E731
    return {
        "desk": get("desk"),
        "supervisor": get("supervisor"),
        "manager": get("manager"),
        "eng": get("eng"),
        "enghead": get("enghead"),
        "leader": users.filter(username="leader").first(),
    }


def _call_time(now: datetime.datetime) -> datetime.datetime:
    """Today 10:00 local (or yesterday's, before 10:00): a time a call may have been made (R-CB-6)."""
    local = now.astimezone(ZoneInfo(settings.TIME_ZONE))
    call = local.replace(hour=10, minute=0, second=0, microsecond=0)
    return call if call <= local else call - datetime.timedelta(days=1)


def seed(*, stdout, seed: int) -> None:
    rng = random.Random(seed + 4)
    now = timezone.now()
    for community in Community.objects.order_by("pk"):
        if Complaint.objects.filter(community=community).exists():
            continue
        people = _users(community)
        units = list(Unit.objects.filter(community=community).order_by("pk")[:300])
        departments = {d.kind: d for d in Department.objects.filter(community=community)}
        if not (all(people.values()) and units and departments):
            continue
        count = 0
        for subject, details, request, category, severity, stage in CASES:
            unit = rng.choice(units)
            received = now - datetime.timedelta(hours=rng.randint(3, 40))
            complaint = services.complaint_register(
                by=people["desk"],
                community=community,
                unit=unit,
                owner=next((o.owner for o in unit.ownerships.current().select_related("owner")), None),
                channel="visit" if stage != "new" else "online",
                subject=subject,
                details=details,
                request=request,
                category=category,
                severity=severity,
                department=departments.get(_department_kind(category)),
                received_at=received,
                apology_given=stage != "new",
            )
            _advance(complaint, stage=stage, people=people, departments=departments, now=now)
            count += 1
        # The desk's complaint records that are still open are taken over as complaints.
        records = ReceptionRecord.objects.filter(
            community=community, kind=Kind.COMPLAINT, status__in=["open", "pending"]
        ).order_by("pk")[:2]
        for record in records:
            services.complaint_open_from_record(
                record_id=record.pk,
                by=people["desk"],
                category="neighbours",
                severity="general",
                department=departments[Department.Kind.CUSTOMER_SERVICE],
                apology_given=True,
            )
            count += 1
        stdout.write(f"{community.name}: {count} complaints")


def _department_kind(category: str) -> str:
    from complaints.models import CATEGORY_DEPARTMENT

    return CATEGORY_DEPARTMENT[category]


def _advance(complaint, *, stage, people, departments, now):
    pk = complaint.pk
    supervisor, manager = people["supervisor"], people["manager"]
    if stage in ("new", "major"):
        return
    if stage == "invalid":
        services.complaint_triage(
            complaint_id=pk,
            by=supervisor,
            valid=False,
            explanation="周末装修时间为8:00—12:00、14:00—18:00，已向业主说明并提醒施工方遵守",
            basis="《小区装修管理规定》第八条",
        )
        return
    handler = manager if complaint.severity != "general" else supervisor
    services.complaint_triage(
        complaint_id=pk, by=handler, valid=True, plan="安排责任部门处理，48小时内回复业主"
    )
    if stage == "processing":
        return
    if stage == "leader":
        services.complaint_issue_work_order(
            complaint_id=pk,
            by=people["leader"],
            analysis="排水泵故障导致积水，需检修排水系统并评估车辆损失",
            department=departments[Department.Kind.ENGINEERING],
            task="检修车库排水泵，清理排水沟，统计受损车辆",
            responsible_person=people["enghead"],
            due_at=now + datetime.timedelta(hours=20),
        )
        return
    if stage == "paused":
        services.complaint_pause(complaint_id=pk, by=supervisor, reason="防水材料订货中，预计三天后到货")
        return
    result = "已处理完毕，业主现场确认问题解决"
    services.complaint_report_result(complaint_id=pk, by=supervisor, result=result)
    if stage == "resolved":
        return
    head = Complaint.objects.get(pk=pk).department
    signer = people["enghead"] if head.kind == Department.Kind.ENGINEERING else None
    if signer is None:
        return  # only the engineering head exists in the demo; other departments wait for sign-off
    services.complaint_sign_off(complaint_id=pk, by=signer)
    if stage == "signed_off":
        return
    services.complaint_owner_accepts(complaint_id=pk, by=supervisor, note="业主对处理结果表示认可")
    if stage == "accepted":
        return
    callback = Callback.objects.get(complaint_id=pk, status=Callback.Status.PLANNED)
    satisfied = stage == "closed"
    services.callback_record(
        callback_id=callback.pk,
        by=supervisor,
        called_at=_call_time(now),
        quality_rating="satisfied" if satisfied else "basic",
        effect_rating="satisfied" if satisfied else "dissatisfied",
        satisfaction="satisfied" if satisfied else "dissatisfied",
        shortcomings="" if satisfied else "夜间噪音仍然明显",
        suggestions="希望加强日常巡查",
        assignee=None if satisfied else people["enghead"],
        fix_note="" if satisfied else "水泵加装减震垫并调整夜间运行时段",
        next_callback_at=None if satisfied else services.next_call_time(now + datetime.timedelta(days=2)),
    )
