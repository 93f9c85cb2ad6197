"""The month's charges to collect, sent to finance (DOMAIN.md R-VIO-7, R-TIME-2).

services.charge_list_build writes one ChargeList (an Excel file) per community and month: the
compensations signed within that calendar month, Shanghai time. Only signed compensations are
charges; a proposal not yet signed, a refused one and a signed public criticism are not.
"""

import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import gettext

from propsvc.models import Notification
from tests.factories import CommunityFactory, UnitFactory
from tests.violations.conftest import SHANGHAI, H, persuade, register
from violations import services
from violations.models import ChargeList
from violations.services import Month

OCTOBER = Month(date(2026, 10, 1))
NOVEMBER = Month(date(2026, 11, 1))


def moment(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def propose(clock, *, steward, handler, unit, when, kind="compensation", amount=None, owner=None):
    """Seen, persuaded (the owner refused) and a penalty proposed at `when`, through the services."""
    clock.move_to(when)
    violation = register(
        steward, unit.community, unit=unit, owner=owner, observed_at=when - H,
        caused_loss=True, loss_note="损坏公共绿地草坪",
    )  # fmt: skip
    persuade(violation, steward, at_=when - H / 2)
    services.violation_propose_penalty(
        violation_id=violation.pk, by=handler, kind=kind, basis="《管理规约》第二十条", amount=amount
    )
    return violation


def sign(clock, violation, signer, when):
    clock.move_to(when)
    return services.violation_sign_penalty(violation_id=violation.pk, by=signer)


@pytest.fixture
def charges(clock, stella, pete, mona, leo, pia, mike, unit_a, owner_a, community_a, unit_b):
    """Signed compensations around the October month end, and what is not a charge."""
    unit = lambda: UnitFactory(building__community=community_a)  # noqa: E731
    a = {"steward": stella, "handler": pete}
    cases = {}
    cases["oct1"] = propose(clock, **a, unit=unit(), when=moment(9, 30, 20), amount=Decimal("50.00"))
    sign(clock, cases["oct1"], mona, moment(10, 1, 0, 10))  # 30 Sep 16:10 UTC, but October in Shanghai
    cases["oct15"] = propose(clock, **a, unit=unit(), when=moment(10, 15, 9), amount=Decimal("123.45"))
    sign(clock, cases["oct15"], leo, moment(10, 15, 14))
    cases["oct31"] = propose(
        clock, **a, unit=unit_a, owner=owner_a, when=moment(10, 31, 20), amount=Decimal("300")
    )
    sign(clock, cases["oct31"], mona, moment(10, 31, 23, 30))  # R-TIME-2: still October
    cases["nov1"] = propose(clock, **a, unit=unit(), when=moment(10, 31, 21), amount=Decimal("450.00"))
    sign(clock, cases["nov1"], mona, moment(11, 1, 0, 10))  # 31 Oct 16:10 UTC, but November in Shanghai
    cases["sep30"] = propose(clock, **a, unit=unit(), when=moment(9, 30, 9), amount=Decimal("60.00"))
    sign(clock, cases["sep30"], mona, moment(9, 30, 23, 50))
    cases["unsigned"] = propose(clock, **a, unit=unit(), when=moment(10, 20, 9), amount=Decimal("999.00"))
    cases["refused"] = propose(clock, **a, unit=unit(), when=moment(10, 21, 9), amount=Decimal("777.00"))
    clock.move_to(moment(10, 21, 15))
    services.violation_refuse_penalty(violation_id=cases["refused"].pk, by=mona, note="以劝导为主")
    cases["criticism"] = propose(clock, **a, unit=unit(), when=moment(10, 22, 9), kind="criticism")
    sign(clock, cases["criticism"], mona, moment(10, 22, 15))
    cases["b"] = propose(
        clock, steward=pia, handler=pia, unit=unit_b, when=moment(10, 25, 9), amount=Decimal("200")
    )
    sign(clock, cases["b"], mike, moment(10, 25, 11))
    clock.move_to(moment(12, 1, 6, 10))
    return cases


def sheet(charge_list: ChargeList) -> list[tuple]:
    with charge_list.file.open("rb") as handle:
        workbook = openpyxl.load_workbook(io.BytesIO(handle.read()))
    return list(workbook.active.iter_rows(values_only=True))


def lines(charge_list: ChargeList) -> list[tuple]:
    """The charge lines (title, community and header rows, and the total row, left out)."""
    rows = sheet(charge_list)
    return [(r[1], r[6], r[9]) for r in rows[3:-1]]


def test_it_lists_exactly_the_months_signed_compensations_of_each_community(
    charges, community_a, community_b
):
    built = services.charge_list_build(month=OCTOBER)
    assert [c.community for c in built] == sorted([community_a, community_b], key=lambda c: c.name)
    lists = {c.community_id: c for c in ChargeList.objects.filter(month=date(2026, 10, 1))}
    assert set(lists) == {community_a.pk, community_b.pk}

    a = lists[community_a.pk]
    assert lines(a) == [
        (charges["oct1"].number, 50.0, datetime(2026, 10, 1, 0, 10)),
        (charges["oct15"].number, 123.45, datetime(2026, 10, 15, 14, 0)),
        (charges["oct31"].number, 300.0, datetime(2026, 10, 31, 23, 30)),
    ]
    assert (a.count, a.total) == (3, Decimal("473.45"))
    rows = sheet(a)
    assert rows[-1][6] == pytest.approx(473.45)
    assert community_a.name in rows[1][0]
    oct31 = next(r for r in rows if r[1] == charges["oct31"].number)
    assert oct31[2] == "3栋2单元1101室" and oct31[3] == "王建国"

    b = lists[community_b.pk]
    assert lines(b) == [(charges["b"].number, 200.0, datetime(2026, 10, 25, 11, 0))]
    assert (b.count, b.total) == (1, Decimal("200.00"))


def test_it_counts_a_signature_after_midnight_in_the_next_month(charges, community_a, community_b):
    """R-TIME-2: signed 1 November 00:10 Shanghai time belongs to November."""
    services.charge_list_build(month=NOVEMBER)
    a = ChargeList.objects.get(community=community_a, month=date(2026, 11, 1))
    assert lines(a) == [(charges["nov1"].number, 450.0, datetime(2026, 11, 1, 0, 10))]
    assert (a.count, a.total) == (1, Decimal("450.00"))
    b = ChargeList.objects.get(community=community_b, month=date(2026, 11, 1))
    assert (b.count, b.total) == (0, Decimal("0"))
    with translation.override(settings.LANGUAGE_CODE):
        assert sheet(b)[3:] == [(gettext("No charges to collect this month."),) + (None,) * 9]


def test_it_replaces_a_months_list_on_a_rerun(
    charges, clock, mona, community_a, django_capture_on_commit_callbacks
):
    services.charge_list_build(month=OCTOBER)
    first = {c.community_id: (c.pk, c.file.name) for c in ChargeList.objects.filter(month=date(2026, 10, 1))}
    clock.move_to(moment(10, 28, 10))  # the one still awaiting a signature is signed in October after all
    services.violation_sign_penalty(violation_id=charges["unsigned"].pk, by=mona)
    clock.move_to(moment(12, 2, 6, 10))
    with django_capture_on_commit_callbacks(execute=True):
        services.charge_list_build(month=OCTOBER)
    again = {c.community_id: (c.pk, c.file.name) for c in ChargeList.objects.filter(month=date(2026, 10, 1))}
    assert ChargeList.objects.filter(month=date(2026, 10, 1)).count() == 2
    assert set(again) == set(first)
    storage = ChargeList._meta.get_field("file").storage
    for community_id, (pk, old_name) in first.items():
        new_pk, new_name = again[community_id]
        assert new_pk == pk and new_name != old_name
        assert not storage.exists(old_name) and storage.exists(new_name)
    a = ChargeList.objects.get(community=community_a, month=date(2026, 10, 1))
    assert (a.count, a.total) == (4, Decimal("1472.45"))
    assert charges["unsigned"].number in [n for n, _amount, _at in lines(a)]


def test_it_builds_only_the_missing_lists_when_asked(charges, fiona):
    services.charge_list_build(month=OCTOBER)
    before = {c.pk: (c.file.name, c.updated_at) for c in ChargeList.objects.all()}
    assert services.charge_list_build(month=OCTOBER, only_missing=True) == []
    assert {c.pk: (c.file.name, c.updated_at) for c in ChargeList.objects.all()} == before
    assert Notification.objects.filter(recipient=fiona).count() == 1  # nothing new, nothing announced
    newcomer = CommunityFactory(name="碧水湾", code="bsw")
    built = services.charge_list_build(month=OCTOBER, only_missing=True)
    assert [c.community for c in built] == [newcomer]
    assert {
        c.pk: (c.file.name, c.updated_at) for c in ChargeList.objects.exclude(community=newcomer)
    } == before


def test_it_tells_finance_once_with_a_link_to_the_month(charges, fiona, mona, leo):
    before = {u.pk: Notification.objects.filter(recipient=u).count() for u in (mona, leo)}
    services.charge_list_build(month=OCTOBER)
    notification = Notification.objects.get(recipient=fiona)
    assert notification.link == "/violations/charges/?month=2026-10"
    assert "2026-10" in notification.text and "673.45" in notification.text
    assert Notification.objects.filter(link__startswith="/violations/charges/").count() == 1
    assert {u.pk: Notification.objects.filter(recipient=u).count() for u in (mona, leo)} == before


def test_it_schedules_the_lists_daily_with_beat():
    from propsvc.celery import app
    from violations.tasks import build_charge_lists

    entry = app.conf.beat_schedule["build-violation-charge-lists"]
    assert entry["task"] == build_charge_lists.name == "violations.tasks.build_charge_lists"


def test_it_builds_last_months_lists_once_from_the_task(charges, clock, fiona, community_a):
    """The beat task runs daily: on 1 December it builds November, on later days nothing."""
    from violations.tasks import build_charge_lists

    clock.move_to(moment(12, 1, 6, 10))
    assert build_charge_lists() == 2
    assert ChargeList.objects.filter(month=date(2026, 11, 1)).count() == 2
    a = ChargeList.objects.get(community=community_a, month=date(2026, 11, 1))
    assert (a.count, a.total) == (1, Decimal("450.00"))
    clock.move_to(moment(12, 2, 6, 10))
    assert build_charge_lists() == 0
    assert ChargeList.objects.count() == 2
    assert list(Notification.objects.filter(recipient=fiona).values_list("link", flat=True)) == [
        "/violations/charges/?month=2026-11"
    ]


def test_it_builds_a_chosen_month_from_the_command(charges):
    out = io.StringIO()
    call_command("build_charge_lists", "--month", "2026-10", stdout=out)
    assert "2026-10 ygh: 3 charges, 473.45 yuan" in out.getvalue()
    assert "2026-10 chy: 1 charges, 200.00 yuan" in out.getvalue()
