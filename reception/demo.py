"""Demo reception records for `seed_demo` (found by name: `<app>.demo.seed`).

Built through the services, as the desk would: some closed at the counter, some pending, one
sent to engineering and signed, and a few letters nobody has answered (overdue in the lists).
Idempotent: a community that already has records is left alone.
"""

import datetime
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from archives.models import Unit
from propsvc.models import Community, Department
from reception import services
from reception.models import ReceptionRecord

SUBJECTS = [
    ("repair", "厨房水管漏水", "transferred"),
    ("repair", "楼道声控灯不亮", "transferred"),
    ("consultation", "咨询物业费缴纳方式", "handled"),
    ("consultation", "咨询装修申报流程", "handled"),
    ("complaint", "楼上夜间噪音扰民", "pending"),
    ("suggestion", "建议增加电动车充电桩", "pending"),
    ("praise", "表扬保安帮忙搬运重物", "handled"),
    ("other", "询问快递柜位置", "handled"),
    ("consultation", "咨询自来水管道归属", "out_of_remit"),
    ("repair", "地下车库渗水", ""),
]


def seed(*, stdout, seed: int) -> None:
    rng = random.Random(seed)
    users = get_user_model().objects
    now = timezone.now()
    for community in Community.objects.order_by("pk"):
        if ReceptionRecord.objects.filter(community=community).exists():
            continue
        desk = users.filter(username=f"{community.code}_desk").first()
        eng = users.filter(username=f"{community.code}_eng").first()
        department = Department.objects.filter(community=community, kind=Department.Kind.ENGINEERING).first()
        units = list(Unit.objects.filter(community=community).order_by("pk")[:200])
        if not (desk and department and units):
            continue
        for i, (kind, subject, outcome) in enumerate(SUBJECTS * 2):
            received = now - datetime.timedelta(hours=rng.randint(1, 60), minutes=rng.randint(0, 59))
            unit = rng.choice(units)
            fields = {
                "by": desk,
                "community": community,
                "unit": unit,
                "owner": next((o.owner for o in unit.ownerships.current().select_related("owner")), None),
                "kind": kind,
                "subject": subject,
                "channel": rng.choice(["visit", "visit", "phone", "online", "letter"])
                if outcome
                else "letter",
                "received_at": received,
            }
            if outcome == "handled":
                fields |= {"outcome": outcome, "outcome_note": "已当场答复业主"}
            elif outcome == "out_of_remit":
                fields |= {"outcome": outcome, "outcome_note": "属自来水公司管辖，已告知供水服务热线"}
            elif outcome == "pending":
                fields |= {
                    "outcome": outcome,
                    "outcome_note": "需与相关方核实后答复",
                    "promised_reply_at": now + datetime.timedelta(hours=rng.randint(2, 30)),
                    "reply_method": "phone",
                }
            elif outcome == "transferred":
                fields |= {
                    "outcome": outcome,
                    "department": department,
                    "task": f"{subject}，请上门处理",
                    "work_order_due_at": now + datetime.timedelta(hours=rng.randint(3, 20)),
                }
            record = services.record_log(**fields)
            if outcome == "transferred" and eng and i % 2 == 0:
                work_order = record.work_orders.get()
                services.work_order_sign(work_order_id=work_order.pk, by=eng)
        stdout.write(f"{community.name}: {len(SUBJECTS) * 2} reception records")
