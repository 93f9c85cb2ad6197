"""Demo owner archives for `seed_demo` (found by name: `<app>.demo.seed`).

Built through the services, as the staff would: the archivist asks for a look-up of a few units, the
CS center manager approves it, the archivist registers it and, inside the window, records the owners'
consents, family members, emergency contacts, vehicles and a document in each part, then ends the
look-up. The queues have work too: a receptionist's look-up awaiting approval and a supervisor's
awaiting registration. Idempotent: a community that already has look-ups is left alone.
"""

import datetime

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from archives import services
from archives.models import AccessLog, ArchivePart, ConsentGroup, LookupRequest, Unit
from propsvc.models import Community

# A one-page PDF, as a scanner would send (the archive checks the content, not the name).
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)

FAMILY = [("李秀英", "配偶", "13900001111"), ("王小明", "子女", "")]
DOCUMENTS = [
    (ArchivePart.BASIC, "收楼交接单"),
    (ArchivePart.RENOVATION, "装修申请表及施工图"),
    (ArchivePart.OTHER, "车位租赁协议"),
]


def _user(community, suffix):
    return get_user_model().objects.filter(username=f"{community.code}_{suffix}").first()


def seed(*, stdout, seed: int) -> None:
    for community in Community.objects.order_by("pk"):
        if LookupRequest.objects.filter(community=community).exists():
            continue
        archivist, manager = _user(community, "archive"), _user(community, "manager")
        desk, supervisor = _user(community, "desk"), _user(community, "supervisor")
        units = list(
            Unit.objects.filter(community=community, ownerships__end_date__isnull=True)
            .distinct()
            .order_by("pk")[:4]
        )
        if not (archivist and manager and desk and supervisor and len(units) == 4):
            continue
        for unit in units[:2]:
            _fill(unit, archivist=archivist, manager=manager)
        services.lookup_request(
            by=desk, unit_id=units[2].pk, reason="业主来电要求核对紧急联系人信息", minutes=60
        )
        pending = services.lookup_request(
            by=supervisor, unit_id=units[3].pk, reason="办理车位登记，核对车辆信息"
        )
        services.lookup_approve(request_id=pending.pk, by=manager, note="同意，限本次车位登记使用")
        stdout.write(f"{community.name}: 2 owner archives filled, 4 look-ups")


def _fill(unit, *, archivist, manager) -> None:
    lookup = services.lookup_request(
        by=archivist, unit_id=unit.pk, reason="建立业户档案：录入家庭成员、车辆和收楼资料"
    )
    services.lookup_approve(request_id=lookup.pk, by=manager)
    services.lookup_register(request_id=lookup.pk, by=archivist)
    owner = unit.ownerships.current().select_related("owner").first().owner
    today = timezone.localdate()
    for group, purpose in [
        (ConsentGroup.CONTACT, "履行物业服务合同，通知物业服务事项"),
        (ConsentGroup.FAMILY, "紧急情况下联系家庭成员"),
        (ConsentGroup.EMERGENCY, "业主无法联系时的紧急联系"),
        (ConsentGroup.VEHICLES, "车辆出入和车位管理"),
    ]:
        services.consent_record(
            unit_id=unit.pk, by=archivist, owner_id=owner.pk, group=group, purpose=purpose,
            given_on=today - datetime.timedelta(days=30),
        )  # fmt: skip
    reason = "业主入住登记"
    for name, relation, mobile in FAMILY:
        services.personal_row_add(unit_id=unit.pk, by=archivist, owner_id=owner.pk, group="family", reason=reason,
                                  name=name, relation=relation, mobile=mobile)  # fmt: skip
    services.personal_row_add(unit_id=unit.pk, by=archivist, owner_id=owner.pk, group="emergency", reason=reason,
                              name="王建军", relation="兄弟", mobile="13700002222")  # fmt: skip
    services.personal_row_add(unit_id=unit.pk, by=archivist, owner_id=owner.pk, group="vehicles", reason=reason,
                              plate=f"苏E{unit.pk:05d}", description="白色大众朗逸", parking_space=f"B-{unit.pk:03d}")  # fmt: skip
    for part, title in DOCUMENTS:
        upload = SimpleUploadedFile(f"{title}.pdf", PDF, content_type="application/pdf")
        services.document_add(unit_id=unit.pk, by=archivist, part=part, title=title, upload=upload)
    # The archivist checks the file once it is complete: a page view and a download, both logged.
    services.access_log_write(lookup=lookup, user=archivist, what=AccessLog.What.PAGE, address="10.0.0.12")
    document = unit.documents.order_by("pk").first()
    services.access_log_write(
        lookup=lookup, user=archivist, what=AccessLog.What.DOCUMENT, document=document, address="10.0.0.12"
    )
    services.lookup_close(request_id=lookup.pk, by=archivist)
