"""Charges to finance (R-VIO-7): the month's list of signed compensations per community."""

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from propsvc.models import Community, Membership
from propsvc.roles import Role
from propsvc.services import notification_send
from violations.models import (
    ChargeList,
    Measure,
)
from violations.services.base import (
    Kind,
    _tz,
)


@dataclass(frozen=True)
class Month:
    """A calendar month in Asia/Shanghai (R-TIME-2)."""

    first: date

    @classmethod
    def of(cls, day: date) -> "Month":
        return cls(day.replace(day=1))

    @classmethod
    def current(cls) -> "Month":
        return cls.of(timezone.localdate())

    @property
    def previous(self) -> "Month":
        return Month.of(self.first - timedelta(days=1))

    @property
    def next(self) -> "Month":
        return Month.of(self.first + timedelta(days=32))

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time.min, tzinfo=_tz())

    @property
    def end(self) -> datetime:
        return self.next.start

    def __str__(self) -> str:
        return f"{self.first:%Y-%m}"


def charge_rows(*, community_id: int, month: Month):
    """The approved charges of one community and month: compensations signed within the month."""
    return (
        Measure.objects.filter(
            community_id=community_id,
            kind=Kind.COMPENSATION,
            status=Measure.Status.EFFECTIVE,
            signed_at__gte=month.start,
            signed_at__lt=month.end,
        )
        .select_related("violation__unit__building", "violation__owner", "signed_by")
        .order_by("signed_at", "pk")
    )


def charge_list_build(*, month: Month | None = None, only_missing: bool = False) -> list[ChargeList]:
    """R-VIO-7: at month end, the list of charges to collect of every community as an Excel file,
    kept (one per community and month; a rerun replaces it) and announced to finance. A community
    with no charges gets a list that says so, so finance sees every month accounted for."""
    from violations.exports import charges_workbook_bytes

    month = month or Month.current().previous
    communities = Community.objects.order_by("name")
    if only_missing:
        # The daily beat run (tasks.build_charge_lists) makes up only what a missed month end left
        # out; a list already sent to finance stays as it is.
        communities = communities.exclude(
            pk__in=ChargeList.objects.filter(month=month.first).values("community_id")
        )
    built = []
    with translation.override(settings.LANGUAGE_CODE):
        for community in communities:
            rows = list(charge_rows(community_id=community.pk, month=month))
            content = charges_workbook_bytes(community=community, month=month, rows=rows)
            built.append(_store_charge_list(community, month, rows, content))
        finance_roles = Membership.objects.filter(
            role=Role.FINANCE, community__isnull=True, user__is_active=True
        )
        finance = [m.user for m in finance_roles.select_related("user")]
        if not built:
            return built
        total = sum((c.total for c in built), Decimal("0"))
        from django.urls import reverse

        notification_send(
            recipients=finance,
            text=_(
                "The charges to collect for %(month)s are ready: %(count)d charges, %(total)s yuan in all."
            )
            % {"month": str(month), "count": sum(c.count for c in built), "total": f"{total:.2f}"},
            link=reverse("violations:charges") + f"?month={month}",
            email=True,
        )
    return built


@transaction.atomic
def _store_charge_list(community, month: Month, rows, content: bytes) -> ChargeList:
    charge_list = (
        ChargeList.objects.select_for_update().filter(community=community, month=month.first).first()
    )
    old_name = charge_list.file.name if charge_list and charge_list.file else ""
    if charge_list is None:
        charge_list = ChargeList(community=community, month=month.first)
    charge_list.count = len(rows)
    charge_list.total = sum((r.amount for r in rows), Decimal("0"))
    filename = f"{community.code}-{month}-charges-{secrets.token_hex(4)}.xlsx"
    charge_list.file.save(filename, ContentFile(content), save=False)
    charge_list.save()
    if old_name and old_name != charge_list.file.name:
        storage = charge_list.file.storage
        transaction.on_commit(lambda: storage.delete(old_name))
    return charge_list
