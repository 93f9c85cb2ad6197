"""Former owners' personal data (R-ARC-5, PIPL Art. 19, 47): anonymised a set number of years after
their last ownership ended (PROPSVC_FORMER_OWNER_ANONYMISE_YEARS, default 3), by beat every night
(archives.tasks.anonymise_former_owners) or by hand (manage.py anonymise_former_owners). The ownerships,
the unit's archive, its documents and the cases stay; the unit's timeline says 原业主（已匿名）.
"""

import datetime
from collections import Counter, defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from archives.models import (
    ArchiveChange,
    EmergencyContact,
    FamilyMember,
    Owner,
    Ownership,
    UnitEvent,
    Vehicle,
)
from archives.privacy import ANONYMISED, FORMER_OWNER, PERSONAL_HISTORY
from propsvc.models import Community
from propsvc.services import audit_write

COUNTED = ("owners", "family", "emergency", "vehicles", "history", "cases")


def years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def former_owners_due(*, today: datetime.date | None = None, years: int | None = None):
    """Owners not yet anonymised who own nothing now and whose every ownership ended before the
    cutoff (today minus the years): "more than N years ago"."""
    today = today or timezone.localdate()
    years = settings.PROPSVC_FORMER_OWNER_ANONYMISE_YEARS if years is None else years
    cutoff = years_before(today, years)
    ownerships = Ownership.objects.filter(owner=OuterRef("pk"))
    return (
        Owner.objects.filter(anonymised_at__isnull=True)
        .filter(Exists(ownerships))
        .exclude(Exists(ownerships.filter(Q(end_date__isnull=True) | Q(end_date__gte=cutoff))))
    )


def _owner_anonymise(owner: Owner, now) -> Counter:
    from complaints.models import Complaint
    from reception.models import ReceptionRecord

    old_name = owner.name
    owner.name, owner.mobile, owner.wechat, owner.other_phone = FORMER_OWNER, "", "", ""
    owner.anonymised_at = now
    owner.save(update_fields=["name", "mobile", "mobile_tail", "wechat", "other_phone", "anonymised_at",
                              "updated_at"])  # fmt: skip
    counts = Counter(owners=1)
    person = {"name": ANONYMISED, "mobile": ""}
    for key, model, blank in (
        ("family", FamilyMember, person),
        ("emergency", EmergencyContact, person),
        ("vehicles", Vehicle, {"plate": ANONYMISED, "description": "", "parking_space": ""}),
    ):
        rows = model.objects.filter(owner=owner)
        model.objects.filter(owner=owner, removed_at__isnull=True).update(removed_at=now)
        counts[key] += rows.update(**blank)
    counts["history"] += ArchiveChange.objects.filter(owner=owner, kind__regex=PERSONAL_HISTORY).update(
        before={}, after={}
    )
    # The cases stay; the copies of the owner's name and phone on them go.
    for model in (ReceptionRecord, Complaint):
        counts["cases"] += (
            model.objects.filter(owner=owner)
            .filter(~Q(contact_name="") | ~Q(contact_phone=""))
            .update(contact_name=ANONYMISED, contact_phone="", updated_at=now)
        )
    unit_ids = list(owner.ownerships.values_list("unit_id", flat=True).distinct())
    for event in UnitEvent.objects.filter(
        unit_id__in=unit_ids, kind__in=["unit.owner_changed", "unit.owner_registered"]
    ):
        data = dict(event.data)
        for key in ("from", "to"):
            data[key] = [FORMER_OWNER if n == old_name else n for n in data.get(key, [])]
        if data != event.data:
            UnitEvent.objects.filter(pk=event.pk).update(data=data)
    UnitEvent.objects.bulk_create(
        UnitEvent(community_id=owner.community_id, unit_id=unit_id, kind="unit.former_owner_anonymised",
                  data={"owner_id": owner.pk})
        for unit_id in unit_ids
    )  # fmt: skip
    return counts


def former_owners_anonymise(
    *, today: datetime.date | None = None, batch: int | None = None, dry_run: bool = False
) -> dict:
    """R-ARC-5: anonymise the personal fields (name, phones, WeChat, family members, emergency contacts,
    vehicles, their values in the history, the contact copies on the cases) of at most `batch` former
    owners due (former_owners_due); the ownerships, the unit's archive and the cases stay. One
    transaction; the owners are re-read under a row lock (skip locked) so a second run or worker does
    nothing twice. One audit entry `retention.anonymised` per community (counts and owner ids)."""
    today = today or timezone.localdate()
    batch = settings.PROPSVC_FORMER_OWNER_ANONYMISE_BATCH if batch is None else batch
    ids = list(former_owners_due(today=today).order_by("pk").values_list("pk", flat=True)[:batch])
    if dry_run or not ids:
        return {"owners": len(ids), "ids": ids}
    now = timezone.now()
    per_community: dict[int, Counter] = defaultdict(Counter)
    done: dict[int, list[int]] = defaultdict(list)
    with transaction.atomic():
        owners = former_owners_due(today=today).filter(pk__in=ids).select_for_update(skip_locked=True)
        for owner in owners.order_by("pk"):
            per_community[owner.community_id].update(_owner_anonymise(owner, now))
            done[owner.community_id].append(owner.pk)
        communities = Community.objects.in_bulk(list(per_community))
        for community_id, counts in per_community.items():
            audit_write(
                kind="retention.anonymised", community=communities[community_id],
                years=settings.PROPSVC_FORMER_OWNER_ANONYMISE_YEARS, owner_ids=done[community_id],
                **{key: counts[key] for key in COUNTED},
            )  # fmt: skip
    anonymised = sorted(pk for pks in done.values() for pk in pks)
    return {"owners": len(anonymised), "ids": anonymised}
