"""Demo violations for `seed_demo` (found by name: `<app>.demo.seed`).

Built through the services, as the staff would, so each has its measures, timeline and deadlines:
a blocked fire lane (major) being rectified, litter stopped after persuasion and closed, things
piled in a stairwell past their deadline, a load-bearing wall altered (major) whose compensation
the CS center manager signed (with its notice and the follow-up), a car parked in the fire lane
of the garage awaiting the manager's signature on a public criticism, and a refusal to pay fees.
One compensation is dated last month, so the charges page has a list for finance to download.
Idempotent: a community that already has violations is left alone.
"""

import datetime
import io
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from archives.models import Unit
from propsvc.models import Community
from violations import services
from violations.models import Measure, Notice, Violation


def _photo(color) -> SimpleUploadedFile:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 480), color)
    draw = ImageDraw.Draw(image)
    for x in range(0, 640, 40):
        draw.line([(x, 0), (x + 200, 480)], fill=(255, 255, 255), width=6)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=70)
    return SimpleUploadedFile("现场照片.jpg", buffer.getvalue(), content_type="image/jpeg")


def _users(community):
    users = get_user_model().objects
    get = lambda suffix: users.filter(username=f"{community.code}_{suffix}").first()  # noqa: E731
    return {
        "steward": get("steward"),
        "supervisor": get("supervisor"),
        "manager": get("manager"),
        "desk": get("desk"),
    }


def seed(*, stdout, seed: int) -> None:
    rng = random.Random(seed + 6)
    now = timezone.now()
    seeded = False
    for community in Community.objects.order_by("pk"):
        if Violation.objects.filter(community=community).exists():
            continue
        people = _users(community)
        units = list(
            Unit.objects.filter(community=community, ownerships__end_date__isnull=True)
            .distinct()
            .order_by("pk")[:200]
        )
        if not (all(people.values()) and units):
            continue
        count = _seed_community(community, people, units, rng, now)
        seeded = True
        stdout.write(f"{community.name}: {count} violations")
    if seeded:  # last month's charges to collect, as beat builds them on the 1st (R-VIO-7)
        services.charge_list_build(month=services.Month.current().previous)


def _register(community, people, unit, rng, now, **fields):
    fields.setdefault("observed_at", now - datetime.timedelta(hours=rng.randint(5, 120)))
    owner = None
    if unit is not None:
        owner = next((o.owner for o in unit.ownerships.current().select_related("owner")), None)
    return services.violation_register(
        by=people["steward"], community=community, unit=unit, owner=owner, **fields
    )


def _seed_community(community, people, units, rng, now) -> int:
    steward, supervisor, manager, desk = (
        people["steward"],
        people["supervisor"],
        people["manager"],
        people["desk"],
    )
    today = timezone.localdate()

    fire = _register(
        community, people, rng.choice(units), rng, now,
        category="fire", subtype="fire_lane", location="楼栋东侧消防通道",
        description="业主电动车和杂物长期停放在消防通道，宽度不足两米，消防车无法通行",
        threatens_safety=True, safety_note="堵塞消防通道，发生火情时消防车无法进入",
        photos=[_photo((170, 60, 50))],
    )  # fmt: skip
    services.violation_persuade(violation_id=fire.pk, by=steward, at=now - datetime.timedelta(hours=2),
                                reaction="promised", note="向业主说明消防通道不得占用，业主答应三天内清走")  # fmt: skip
    services.violation_set_rectification(violation_id=fire.pk, by=supervisor, requirement="清走消防通道内的电动车和杂物",
                                         due_date=today + datetime.timedelta(days=3))  # fmt: skip
    services.notice_issue(violation_id=fire.pk, by=supervisor, kind=Notice.Kind.RECTIFICATION)

    litter = _register(
        community, people, rng.choice(units), rng, now,
        category="sanitation", subtype="litter", description="业主将装修垃圾袋放在单元门口，未投放到指定地点",
    )  # fmt: skip
    services.violation_persuade(violation_id=litter.pk, by=steward, at=now - datetime.timedelta(hours=3),
                                reaction="stopped", note="业主当场将垃圾搬到装修垃圾临时堆放点")  # fmt: skip
    services.violation_close(violation_id=litter.pk, by=supervisor, note="劝导后业主已自行清理，现场恢复整洁")

    piling = _register(
        community, people, rng.choice(units), rng, now,
        category="sanitation", subtype="piling", description="楼道内堆放旧家具和纸箱，占用公共通道",
    )  # fmt: skip
    services.violation_persuade(violation_id=piling.pk, by=steward, at=now - datetime.timedelta(hours=4),
                                reaction="refused", note="业主称过几天再处理")  # fmt: skip
    services.violation_set_rectification(violation_id=piling.pk, by=supervisor, requirement="清理楼道内堆放的物品",
                                         due_date=today)  # fmt: skip
    services.violation_reinspect(
        violation_id=piling.pk, by=steward, rectified=False, note="复查时物品仍在楼道，未清理"
    )

    wall = _register(
        community, people, rng.choice(units), rng, now,
        category="renovation", subtype="load_bearing",
        description="装修时拆除卧室与客厅之间的承重墙，楼下住户天花板出现裂缝",
        caused_loss=True, loss_note="楼下住户天花板开裂，需修复，估价3800元",
        threatens_safety=True, safety_note="承重结构受损，危及楼栋安全",
        photos=[_photo((90, 90, 110)), _photo((120, 100, 80))],
    )  # fmt: skip
    services.violation_persuade(violation_id=wall.pk, by=steward, at=now - datetime.timedelta(hours=5),
                                reaction="stopped", note="已要求施工队立即停工")  # fmt: skip
    services.violation_propose_penalty(violation_id=wall.pk, by=supervisor, kind=Measure.Kind.COMPENSATION,
                                       amount=Decimal("3800.00"),
                                       basis="《管理规约》第十二条：业主装修造成他人损失的，应当依法赔偿")  # fmt: skip
    services.violation_sign_penalty(
        violation_id=wall.pk, by=manager, note="同意，由客服中心与业主沟通赔偿事宜"
    )
    services.notice_issue(violation_id=wall.pk, by=supervisor, kind=Notice.Kind.VIOLATION)
    services.violation_follow_up(violation_id=wall.pk, by=desk, method="visit", at=now - datetime.timedelta(minutes=30),
                                 attitude="业主理解处理决定，同意修复楼下天花板并赔偿")  # fmt: skip
    # Demo only: date the signature in last month, so last month's charges list has a line.
    last_month = timezone.localtime(now).replace(day=1) - datetime.timedelta(days=3)
    Measure.objects.filter(violation=wall, kind=Measure.Kind.COMPENSATION).update(signed_at=last_month)

    parking = _register(
        community, people, None, rng, now,
        category="order", subtype="parking", location="地下车库B区消防通道",
        description="一辆白色轿车（车牌苏E·5K8**）停在车库消防通道，多次张贴提示仍未挪车",
    )  # fmt: skip
    services.violation_persuade(violation_id=parking.pk, by=steward, at=now - datetime.timedelta(hours=6),
                                reaction="refused", note="电话联系车主，车主拒绝挪车")  # fmt: skip

    fees = _register(
        community, people, rng.choice(units), rng, now,
        category="fees", subtype="fee_refusal", description="业主连续14个月无故拒交物业服务费，多次催缴未果",
    )  # fmt: skip
    services.violation_persuade(violation_id=fees.pk, by=desk, at=now - datetime.timedelta(hours=7),
                                reaction="refused", note="上门沟通，业主仍拒绝缴费")  # fmt: skip
    services.violation_propose_penalty(violation_id=fees.pk, by=supervisor, kind=Measure.Kind.CRITICISM,
                                       basis="《管理规约》第二十条：无故拒交物业费的，可在小区内通报批评")  # fmt: skip
    return 6
