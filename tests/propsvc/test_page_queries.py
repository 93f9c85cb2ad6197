"""Every list, detail and report page runs the same number of SQL queries however much it shows
(issue 10, STYLE.md 22).

One parametrized test, a page (with its filters and the users who read it) a case: each page is
rendered with a small data set — a few rows of what it lists, each with its related rows — and again
after many more are added: enough to fill more than a page where the page paginates, more events,
work orders, call-backs, measures … of the same case for a detail page, a larger case where a case
has no rows of its own to grow (a visit, a notice, a summary, a survey round). The related rows are
varied on purpose — different staff, units, owners, departments, communities — so that a relation
loaded lazily would show as more queries. Every state is built through the services, at the
suite's frozen Monday morning. Each page is asked for once before it is counted (the session's first
write, the content-type cache), and both counts must be equal and within the page's budget, which
is the real figure: 6–14 queries a page, but for the monthly complaint statistics (34: three months
of figures and the trend, the same whatever the month holds) and the unit's archive inside a look-up
window (23: the current owners are read once for each of the six writing forms; the read is written
to the access log and the audit trail). A failure shows the queries that differ.

Not pages, so not here: POST-only actions, Excel exports and file downloads, htmx fragments (the
bell, the unit look-ups), the forms that only enter data (the desk, a new complaint, violation,
visit, round, template or notice, a change of owner, the roster import, a calendar year) and the
public pages for owners (the suggestion box, the questionnaire online).
"""

import datetime
import io
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from archives.models import Unit
from propsvc.models import Department
from propsvc.roles import Role
from tests.conftest import _member
from tests.factories import (
    BuildingFactory,
    ChargeListFactory,
    CommunityFactory,
    DepartmentFactory,
    ExportJobFactory,
    MonthlyReportFactory,
    NotificationFactory,
    OwnershipFactory,
    UnitFactory,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Monday morning at the service center, Shanghai time (the other test modules' MORNING).
MORNING = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
H = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
MORE = 24  # rows added for the large data set: with the first two, more than a page of 25


def at(day: int, hour: int = 10, minute: int = 0, *, month: int = 11, year: int = 2026) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Some thirty actors get a password through UserFactory; the default hasher makes setup crawl.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    # Photos, archive documents, monthly reports and charge lists are written under a temporary root.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def clock():
    with time_machine.travel(MORNING, tick=False) as traveller:
        yield traveller


# -- the people and the register ------------------------------------------------------------------------


# Who works where: community ("a", "b" or None for the company), role, department (World attribute).
PEOPLE = {
    "alice": ("a", Role.RECEPTIONIST, None),
    "rita": ("a", Role.RECEPTIONIST, None),
    "erin": ("a", Role.DEPARTMENT_STAFF, "eng"),
    "ella": ("a", Role.DEPARTMENT_STAFF, "eng"),
    "hank": ("a", Role.DEPARTMENT_HEAD, "eng"),
    "cleo": ("a", Role.DEPARTMENT_STAFF, "cleaning"),
    "cody": ("a", Role.DEPARTMENT_HEAD, "cleaning"),
    "sid": ("a", Role.DEPARTMENT_STAFF, "security"),
    "seth": ("a", Role.DEPARTMENT_HEAD, "security"),
    "pete": ("a", Role.PROPERTY_SUPERVISOR, None),
    "pat": ("a", Role.PROPERTY_SUPERVISOR, None),
    "sam": ("a", Role.CS_SUPERVISOR, None),
    "sue": ("a", Role.CS_SUPERVISOR, None),
    "mona": ("a", Role.CS_MANAGER, None),
    "nora": ("a", Role.CS_MANAGER, None),
    "dave": ("a", Role.ARCHIVIST, None),
    "dora": ("a", Role.ARCHIVIST, None),
    "stella": ("a", Role.AREA_STEWARD, None),
    "stan": ("a", Role.AREA_STEWARD, None),
    "carol": ("b", Role.RECEPTIONIST, None),
    "pia": ("b", Role.PROPERTY_SUPERVISOR, None),
    "mike": ("b", Role.CS_MANAGER, None),
    "cora": ("b", Role.CS_SUPERVISOR, None),
    "quinn": (None, Role.QUALITY, None),
    "leo": (None, Role.LEADERSHIP, None),
    "fiona": (None, Role.FINANCE, None),
    "ada": (None, Role.ADMIN, None),
    "adam": (None, Role.ADMIN, None),
}


class World:
    """Two communities with their departments; the staff of PEOPLE, each made the first time a page
    names them (w.pete); households made on demand, each with its own owner, spread over three
    buildings and two entrances."""

    def __init__(self, community_a, community_b):
        self.a, self.b = community_a, community_b
        kinds = Department.Kind  # (the customer service department answers the suggestion box)
        for kind in (kinds.ENGINEERING, kinds.CLEANING, kinds.SECURITY, kinds.CUSTOMER_SERVICE):
            setattr(self, kind, DepartmentFactory(community=community_a, kind=kind))
        self.eng = self.engineering
        self.eng_b = DepartmentFactory(community=community_b, kind=Department.Kind.ENGINEERING)
        DepartmentFactory(community=None, kind=Department.Kind.QUALITY)
        self._n = itertools.count()

    def __getattr__(self, name: str):
        if name not in PEOPLE:
            raise AttributeError(name)
        where, role, department = PEOPLE[name]
        community = {"a": self.a, "b": self.b, None: None}[where]
        user = _member(name, community, role, department=getattr(self, department) if department else None)
        setattr(self, name, user)
        return user

    def household(self, community=None, *, use=Unit.Use.OCCUPIED, co_owner=False, name=None) -> Unit:
        """A new unit with its owner (unit.owner), and a co-owner when asked."""
        community = community or self.a
        n = next(self._n)
        building = BuildingFactory(community=community, number=("3", "5", "7")[n % 3])
        unit = UnitFactory(
            building=building,
            entrance=1 + (n // 3) % 2,
            floor=1 + n // 6,
            room=f"{1 + n // 6}{n % 6 + 1:02d}",
            use=use,
        )
        unit.owner = OwnershipFactory(unit=unit, owner__name=name or f"业主{n:03d}").owner
        if co_owner:
            OwnershipFactory(unit=unit, owner__name=f"共有人{n:03d}")
        return unit


@pytest.fixture
def world(clock, community_a, community_b):
    return World(community_a, community_b)


def client_for(user) -> Client:
    """A browser with the user logged in."""
    other = Client()
    other.force_login(user)
    return other


# -- the pages ----------------------------------------------------------------------------------------------

View = tuple[object, str]  # (user, url)
Build = Callable[[World], tuple[list[View], Callable[[], list[View] | None]]]


@dataclass(frozen=True)
class Page:
    budget: int  # the real figure: the queries of one render, small or large (the most of its views)
    build: Build  # (views, grow): grow adds the rows, and may name other views (a larger case)
    grows: bool  # the page gets longer with more rows (a report's table of figures only changes)


PAGES: dict[str, Page] = {}


def page(name: str, budget: int, *, grows: bool = True):
    def register(build: Build) -> Build:
        PAGES[name] = Page(budget, build, grows)
        return build

    return register


def cycle(*items):
    return itertools.cycle(items).__next__


# -- reception ---------------------------------------------------------------------------------------------


def _records(w: World, n: int, start: int = 0, *, community=None) -> None:
    """n desk records of different kinds, channels and outcomes, by either receptionist, each at its own
    household; every third transferred to engineering, cleaning or security."""
    from reception import services

    by, department = cycle(w.alice, w.rita), cycle(w.eng, w.cleaning, w.security)
    if community is w.b:
        by, department = cycle(w.carol), cycle(w.eng_b)
    for i in range(start, start + n):
        unit = w.household(community)
        fields = {
            "kind": ("repair", "consultation", "complaint")[i % 3],
            "channel": ("visit", "phone")[i % 2],
        }
        if i % 3 == 0:
            fields |= {
                "outcome": "transferred",
                "department": department(),
                "task": "上门检修",
                "work_order_due_at": MORNING + 8 * H,
            }
        elif i % 3 == 1:
            fields |= {"outcome": "handled", "outcome_note": "当场答复"}
        else:
            fields |= {"received_at": MORNING - 30 * H}  # its first response overdue
        services.record_log(
            by=by(), community=unit.community, unit=unit, owner=unit.owner, subject=f"事项{i}", **fields
        )


@page("reception: record list (all, my queue, overdue, a kind)", budget=9)
def reception_list(w: World):
    _records(w, 3)  # one of each outcome: transferred, handled, overdue
    _records(w, 1, start=900, community=w.b)
    urls = [
        "/reception/",
        "/reception/?view=mine",
        "/reception/?view=overdue",
        "/reception/?kind=consultation",
    ]
    views = [(w.alice, url) for url in urls] + [(w.leo, "/reception/")]  # leo: every community

    def grow():
        _records(w, MORE, start=3)
        _records(w, 3, start=901, community=w.b)

    return views, grow


def _work_orders(w: World, n: int, start: int = 0) -> None:
    """n work orders to engineering — from desk records and from complaints — signed for by either
    member or the head, some done."""
    from complaints import services as complaints
    from reception import services

    by, signer = cycle(w.alice, w.rita), cycle(w.erin, w.ella, w.hank)
    for i in range(start, start + n):
        unit = w.household()
        if i % 2:
            record = services.record_log(
                by=by(),
                community=w.a,
                unit=unit,
                owner=unit.owner,
                kind="repair",
                subject=f"维修{i}",
                outcome="transferred",
                department=w.eng,
                task=f"上门检修{i}",
                work_order_due_at=MORNING + 8 * H,
            )
            order = record.work_orders.get()
        else:
            complaint = complaints.complaint_register(
                by=by(),
                community=w.a,
                unit=unit,
                owner=unit.owner,
                channel="visit",
                subject=f"投诉{i}",
                category="facilities",
                severity="general",
                department=w.eng,
                apology_given=True,
            )
            complaints.complaint_triage(complaint_id=complaint.pk, by=w.pete, valid=True)
            order = complaints.complaint_issue_work_order(
                complaint_id=complaint.pk,
                by=w.pete,
                department=w.eng,
                task=f"检修{i}",
                due_at=MORNING + 5 * H,
                responsible_person=w.erin,
            )
        if i % 3:
            person = signer()
            services.work_order_sign(work_order_id=order.pk, by=person)
            if i % 3 == 2:
                services.work_order_report(work_order_id=order.pk, by=person, result="已修复")


@page("reception: work-order inbox (all, one status)", budget=8)
def work_order_list(w: World):
    _work_orders(w, 2)
    views = [(w.erin, "/reception/work-orders/"), (w.hank, "/reception/work-orders/?status=signed")]
    return views, lambda: _work_orders(w, MORE, start=2)


@page("reception: record detail", budget=10)
def record_detail(w: World):
    """A record transferred, set pending, transferred again …: a work order and two events a round."""
    from reception import services

    unit = w.household(co_owner=True)
    record = services.record_log(
        by=w.alice,
        community=w.a,
        unit=unit,
        owner=unit.owner,
        kind="repair",
        subject="厨房水管漏水",
        outcome="transferred",
        department=w.eng,
        task="上门检修",
        work_order_due_at=MORNING + 8 * H,
    )

    def grow():
        by, department = cycle(w.rita, w.alice), cycle(w.cleaning, w.security, w.eng)
        signer = {w.eng.pk: w.ella, w.cleaning.pk: w.cleo, w.security.pk: w.sid}
        for i in range(6):
            services.record_set_pending(
                record_id=record.pk,
                by=by(),
                note=f"等待配件{i}",
                promised_reply_at=MORNING + (9 + i) * H,
                reply_method="phone",
            )
            dept = department()
            order = services.record_transfer(
                record_id=record.pk, by=by(), department=dept, task=f"复查{i}", due_at=MORNING + (10 + i) * H
            )
            services.work_order_sign(work_order_id=order.pk, by=signer[dept.pk])
            services.work_order_report(work_order_id=order.pk, by=signer[dept.pk], result=f"完成{i}")

    return [(w.alice, f"/reception/{record.pk}/")], grow


@page("reception: work-order detail", budget=8)
def work_order_detail(w: World):
    """A desk record's work order: sent; then signed for and done (every step it has)."""
    from reception import services

    unit = w.household()
    record = services.record_log(
        by=w.alice,
        community=w.a,
        unit=unit,
        owner=unit.owner,
        kind="repair",
        subject="电梯异响",
        outcome="transferred",
        department=w.eng,
        task="检修电梯",
        work_order_due_at=MORNING + 8 * H,
    )
    order = record.work_orders.get()

    def grow():
        services.work_order_sign(work_order_id=order.pk, by=w.ella)
        services.work_order_report(work_order_id=order.pk, by=w.ella, result="已更换导轨")

    return [(w.erin, f"/reception/work-orders/{order.pk}/")], grow


# -- complaints --------------------------------------------------------------------------------------------

# How far _complaint takes a complaint: its status, or "called" (the call-back recorded).
NEW, PROCESSING, RESOLVED = "new", "processing", "resolved"
ACCEPTED, CALLED, INVALID = "accepted", "called", "invalid"
STATES = [NEW, PROCESSING, RESOLVED, ACCEPTED, CALLED, INVALID]


def _complaint(w: World, i: int, state: str, *, community=None, orders: bool = True):
    """A complaint at its own household, taken to `state` through the services by varied staff:
    registered by either receptionist, handled by either property supervisor, passed to one of three
    departments (a work order to one of their members), signed off by its head, called back by the
    supervisor, the property supervisor or a receptionist (satisfied, basically, or not: reopened)."""
    from complaints import services
    from complaints.models import Callback
    from reception import services as reception

    in_b = community is w.b
    unit = w.household(community)
    department = w.eng_b if in_b else (w.eng, w.cleaning, w.security)[i % 3]
    member, head = (None, None) if in_b else ((w.erin, w.cleo, w.sid)[i % 3], (w.hank, w.cody, w.seth)[i % 3])
    serious = not in_b and i % 4 == 3
    late = state in (NEW, PROCESSING) and i % 3 != 2  # written in two days ago: its deadlines are overdue
    channel = "online" if late else ("visit", "phone")[i % 2]
    handler = w.pia if in_b else (w.mona, w.nora)[i % 2] if serious else (w.pete, w.pat)[i % 2]
    complaint = services.complaint_register(
        by=w.carol if in_b else (w.alice, w.rita)[i % 2],
        community=unit.community,
        unit=unit,
        owner=unit.owner,
        channel=channel,
        subject=f"投诉{i}",
        details="详情",
        request="尽快处理",
        category=("facilities", "cleaning", "security")[i % 3],
        severity="serious" if serious else "general",
        department=department,
        apology_given=not late,
        received_at=timezone.now() - (60 if late else 1) * H,
    )
    pk = complaint.pk
    if state == NEW:
        return complaint
    if state == INVALID:
        return services.complaint_triage(
            complaint_id=pk, by=handler, valid=False, explanation="符合规定", basis="管理规约"
        )
    services.complaint_triage(complaint_id=pk, by=handler, valid=True, plan="派单处理")
    if orders and member is not None and i % 2:
        order = services.complaint_issue_work_order(
            complaint_id=pk,
            by=handler,
            department=department,
            task=f"处理{i}",
            due_at=timezone.now() + 6 * H,
            responsible_person=member,
        )
        if state != PROCESSING:
            reception.work_order_sign(work_order_id=order.pk, by=member)
            reception.work_order_report(work_order_id=order.pk, by=member, result="已处理")
    if state == PROCESSING:
        return complaint
    services.complaint_report_result(complaint_id=pk, by=handler, result=f"已解决{i}")
    if state == RESOLVED:
        return complaint
    if head is None:
        head = _member(f"head{i}", community, Role.DEPARTMENT_HEAD, department=department)
    services.complaint_sign_off(complaint_id=pk, by=head)
    services.complaint_owner_accepts(complaint_id=pk, by=handler)
    if state == ACCEPTED:
        return complaint
    callback = Callback.objects.get(complaint_id=pk, status=Callback.Status.PLANNED)
    caller = w.mike if in_b else w.mona if serious else (w.sam, w.pete, w.alice)[i % 3]
    rating = ("satisfied", "basic", "dissatisfied")[i % 3]
    extra = (
        {
            "assignee": w.pia if in_b else member,
            "fix_note": "再次检修",
            "next_callback_at": timezone.now() + DAY,
        }
        if rating == "dissatisfied"
        else {}
    )
    services.callback_record(
        callback_id=callback.pk,
        by=caller,
        called_at=timezone.now() - H,
        quality_rating=rating,
        effect_rating=rating,
        satisfaction=rating,
        **extra,
    )
    return complaint


def _complaints(
    w: World, n: int, *, start: int = 0, states=STATES, community=None, orders: bool = True
) -> None:
    for i in range(start, start + n):
        _complaint(w, i, states[i % len(states)], community=community, orders=orders)


@page("complaints: list (all, each queue, month, status, a statistics drill-down)", budget=9)
def complaint_list(w: World):
    _complaints(w, len(STATES))
    _complaints(w, 1, start=900, community=w.b)
    urls = [
        "",
        "?view=triage",
        "?view=mine",
        "?view=overdue",
        "?month=2026-11",
        "?status=processing",
        "?month=2026-11&validity=valid&open_at=2026-11&community={a}",
    ]
    views = [(w.pete, f"/complaints/{url.format(a=w.a.pk)}") for url in urls]
    views += [
        (w.hank, "/complaints/?view=department"),
        (w.hank, "/complaints/?view=sign_off"),
        (w.quinn, "/complaints/"),
    ]  # quinn: every community

    def grow():
        _complaints(w, MORE, start=len(STATES))
        _complaints(w, 3, start=901, community=w.b)

    return views, grow


def _complaint_rounds(w: World, pk: int, rounds: range) -> None:
    """Each round: work orders to three departments, each signed for and done by its member; a pause;
    the result; the head's sign-off; the owner accepts (a call-back is planned). After a round, an
    unreachable attempt, then a dissatisfied call-back reopens the complaint for the next one."""
    from complaints import services
    from complaints.models import Callback, Complaint
    from complaints.selectors import complaint_work_orders
    from reception import services as reception

    complaint = Complaint.objects.get(pk=pk)
    teams = [(w.eng, w.erin), (w.cleaning, w.cleo), (w.security, w.sid)]
    for round_ in rounds:
        if round_:
            callback = Callback.objects.get(complaint_id=pk, status=Callback.Status.PLANNED)
            services.callback_unreachable(callback_id=callback.pk, by=w.pete, attempted_at=MORNING - H)
            services.callback_record(
                callback_id=callback.pk,
                by=(w.sam, w.alice)[round_ % 2],
                called_at=MORNING - H / 2,
                quality_rating="dissatisfied",
                effect_rating="basic",
                satisfaction="dissatisfied",
                assignee=(w.cleo, w.sid)[round_ % 2],
                fix_note="再次检修",
                next_callback_at=MORNING + DAY,
            )
        for department, member in teams if round_ else teams[:1]:
            services.complaint_issue_work_order(
                complaint_id=pk,
                by=(w.pete, w.pat)[round_ % 2],
                department=department,
                task=f"第{round_}轮",
                due_at=MORNING + 6 * H,
                responsible_person=member,
            )
        for order in complaint_work_orders(complaint=complaint):
            if order.status == "sent":
                reception.work_order_sign(work_order_id=order.pk, by=order.responsible_person)
                reception.work_order_report(
                    work_order_id=order.pk, by=order.responsible_person, result="完成"
                )
        services.complaint_pause(complaint_id=pk, by=(w.pete, w.pat)[round_ % 2], reason=f"等配件{round_}")
        services.complaint_resume(complaint_id=pk, by=w.pete)
        services.complaint_report_result(
            complaint_id=pk, by=(w.pete, w.pat)[round_ % 2], result=f"结果{round_}"
        )
        services.complaint_sign_off(complaint_id=pk, by=w.hank)
        services.complaint_owner_accepts(complaint_id=pk, by=w.pete)


@page("complaints: detail", budget=14)
def complaint_detail(w: World):
    """A complaint accepted by the owner, its call-back planned; then two more rounds (more work orders,
    pauses, results, sign-offs, call-backs by other people)."""
    from complaints import services

    unit = w.household(co_owner=True)
    complaint = services.complaint_register(
        by=w.alice,
        community=w.a,
        unit=unit,
        owner=unit.owner,
        channel="visit",
        subject="电梯频繁故障",
        details="本周第三次停运",
        request="尽快修好",
        category="facilities",
        severity="general",
        department=w.eng,
        apology_given=True,
    )
    services.complaint_triage(complaint_id=complaint.pk, by=w.pete, valid=True, plan="派工程部检修")
    _complaint_rounds(w, complaint.pk, range(1))
    return [(w.mona, f"/complaints/{complaint.pk}/")], lambda: _complaint_rounds(w, complaint.pk, range(1, 3))


@page("complaints: call-backs (due, mine, done in a month: the statistics' drill-down)", budget=8)
def callback_list(w: World):
    _complaints(w, 2, states=[ACCEPTED])
    _complaints(w, 2, start=2, states=[CALLED])
    _complaints(w, 1, start=900, states=[ACCEPTED], community=w.b)
    views = [
        (w.sam, "/complaints/callbacks/"),
        (w.pete, "/complaints/callbacks/?mine=1"),
        (w.mona, "/complaints/callbacks/?month=2026-11"),
        (w.leo, "/complaints/callbacks/"),
    ]

    def grow():
        _complaints(w, MORE, start=4, states=[ACCEPTED], orders=False)  # more than a page due
        _complaints(w, 6, start=4 + MORE, states=[CALLED], orders=False)
        _complaints(w, 2, start=901, states=[ACCEPTED], community=w.b)

    return views, grow


@page(
    "complaints: monthly statistics (one community, several) and call-back statistics", budget=34, grows=False
)
def complaint_statistics(w: World):
    _complaints(w, len(STATES))
    _complaints(w, 2, start=100, community=w.b)
    with time_machine.travel(at(20, month=10), tick=False):  # last month's, for the comparisons
        _complaints(w, 2, start=200, states=[RESOLVED, CALLED])
    views = [
        (w.pete, "/complaints/statistics/?month=2026-11"),
        (w.leo, f"/complaints/statistics/?month=2026-11&communities={w.a.pk}&communities={w.b.pk}"),
        (w.mona, "/complaints/statistics/callbacks/?month=2026-11"),
        (w.leo, "/complaints/statistics/callbacks/?month=2026-11"),
    ]

    def grow():
        _complaints(w, 2 * len(STATES), start=len(STATES))
        _complaints(w, 4, start=102, community=w.b)
        with time_machine.travel(at(20, month=10), tick=False):
            _complaints(w, 4, start=202)

    return views, grow


@page("complaints: monthly report files", budget=7)  # the count and the page: filtered in SQL
def report_archive(w: World):
    from complaints import services
    from complaints.reports import Month

    _complaints(w, 2, states=[CALLED])
    services.monthly_report_build(month=Month(2026, 10))

    def grow():  # three files a month (the two communities and the company), as the build leaves them
        for month in range(1, 10):
            for community in (w.a, w.b, None):
                MonthlyReportFactory(
                    community=community, month=datetime.date(2026, month, 1), complaints=month
                )

    return [(w.leo, "/complaints/statistics/files/"), (w.mona, "/complaints/statistics/files/")], grow


# -- violations ---------------------------------------------------------------------------------------------


def _photo(name: str = "现场.jpg") -> SimpleUploadedFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 40, 40)).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


KINDS = [("fire", "fire_lane"), ("sanitation", "piling"), ("renovation", "structure"), ("order", "parking")]


def _violation(w: World, i: int, *, community=None, observed_at=None, major=False):
    """A violation seen by a steward, a receptionist or department staff, at its own household (every
    fifth in a public place)."""
    from violations import services

    in_b = community is w.b
    unit = None if i % 5 == 4 else w.household(community)
    category, subtype = KINDS[i % len(KINDS)]
    facts = {"threatens_safety": True, "safety_note": "堵塞通道"} if major else {}
    return services.violation_register(
        by=w.pia if in_b else (w.stella, w.stan, w.alice, w.erin)[i % 4],
        community=community or w.a,
        unit=unit,
        owner=unit.owner if unit else None,
        location="" if unit else f"{i}号楼东侧通道",
        category=category,
        subtype=subtype,
        description=f"违规{i}",
        observed_at=observed_at or timezone.now() - H,
        **facts,
    )


def _violations(w: World, n: int, start: int = 0) -> None:
    """n violations; every other one with a rectification deadline set by either property supervisor,
    every third persuaded, some overdue (their deadline set a week ago)."""
    from violations import services

    for i in range(start, start + n):
        overdue = i % 4 == 1
        with time_machine.travel(MORNING - 7 * DAY if overdue else MORNING, tick=False):
            violation = _violation(w, i)
            if i % 3 == 0:
                services.violation_persuade(
                    violation_id=violation.pk,
                    by=w.stella,
                    at=timezone.now() - H / 2,
                    reaction="refused",
                    note="劝导",
                )
            if i % 2:
                services.violation_set_rectification(
                    violation_id=violation.pk,
                    by=(w.pete, w.pat)[i // 2 % 2],
                    requirement="清理",
                    due_date=timezone.localdate() + DAY,
                )


@page("violations: list (all, overdue, month, status; every community)", budget=9)
def violation_list(w: World):
    _violations(w, 2)
    _violation(w, 900, community=w.b)
    urls = ["", "?overdue=on", "?month=2026-11", "?status=rectifying"]
    views = [(w.pete, f"/violations/{url}") for url in urls] + [(w.leo, "/violations/")]

    def grow():
        _violations(w, MORE, start=2)
        for i in range(3):
            _violation(w, 901 + i, community=w.b)

    return views, grow


def _case_round(w: World, pk: int, round_: int) -> None:
    """One more round on a case: photos, two persuasions, a notice, the re-inspection finds it not
    rectified, a new deadline and its notice — each step by someone else."""
    from violations import services

    services.violation_add_photos(
        violation_id=pk, by=(w.stan, w.alice)[round_ % 2], photos=[_photo(), _photo()]
    )
    for by in (w.alice, w.stan):
        services.violation_persuade(
            violation_id=pk, by=by, at=timezone.now() - H / 3, reaction="promised", note=f"第{round_}次劝导"
        )
    services.notice_issue(violation_id=pk, by=w.pat, kind="violation")
    services.violation_reinspect(
        violation_id=pk, by=(w.stan, w.stella)[round_ % 2], rectified=False, note="未整改"
    )
    services.violation_set_rectification(
        violation_id=pk,
        by=(w.pat, w.pete)[round_ % 2],
        requirement=f"第{round_}次限期整改",
        due_date=timezone.localdate() + (2 + round_) * DAY,
    )
    services.notice_issue(violation_id=pk, by=w.pete, kind="rectification")


def _case(w: World):
    """A violation with a loss recorded, persuaded, under a rectification deadline, with its notice."""
    from violations import services

    unit = w.household(co_owner=True)
    violation = services.violation_register(
        by=w.stella,
        community=w.a,
        unit=unit,
        owner=unit.owner,
        category="sanitation",
        subtype="piling",
        description="楼道堆放纸箱",
        observed_at=timezone.now() - H,
        photos=[_photo()],
        caused_loss=True,
        loss_note="邻居车辆刮伤",
    )
    services.violation_persuade(
        violation_id=violation.pk, by=w.stella, at=timezone.now() - H / 2, reaction="refused", note="劝导"
    )
    services.violation_set_rectification(
        violation_id=violation.pk, by=w.pete, requirement="清理纸箱", due_date=timezone.localdate() + DAY
    )
    notice = services.notice_issue(violation_id=violation.pk, by=w.pete, kind="rectification")
    return violation, notice


@page("violations: detail", budget=13)
def violation_detail(w: World):
    violation, _notice = _case(w)

    def grow():
        for round_ in range(3):
            _case_round(w, violation.pk, round_)

    return [(w.pete, f"/violations/{violation.pk}/"), (w.mona, f"/violations/{violation.pk}/")], grow


@page("violations: a notice, printed", budget=12)
def violation_notice(w: World):
    violation, notice = _case(w)

    def grow():
        for round_ in range(3):
            _case_round(w, violation.pk, round_)

    return [(w.pete, f"/violations/{violation.pk}/notices/{notice.pk}/")], grow


@page("violations: statistics (one community, every community)", budget=9, grows=False)
def violation_statistics(w: World):
    for i in range(2):
        _violation(w, i, observed_at=at(3, month=1 + i))

    def grow():
        for i in range(2, 2 + MORE):
            _violation(w, i, observed_at=at(3, month=1 + i % 11), major=i % 5 == 0)
        for i in range(4):
            _violation(w, 100 + i, community=w.b, observed_at=at(5, month=2 + i))

    views = [
        (w.mona, "/violations/statistics/"),
        (w.leo, "/violations/statistics/?year=2026"),
        (w.leo, f"/violations/statistics/?community={w.b.pk}"),
    ]
    return views, grow


@page("violations: charges to collect", budget=8)
def charge_lists(w: World):
    """October's lists built by the service (a compensation signed in it), then two years more of
    lists as the monthly job leaves them: more than a page of 50."""
    from violations import services

    with time_machine.travel(at(10, month=10), tick=False):
        unit = w.household()
        violation = services.violation_register(
            by=w.stella,
            community=w.a,
            unit=unit,
            owner=unit.owner,
            category="sanitation",
            subtype="piling",
            description="楼道堆放纸箱",
            observed_at=timezone.now() - H,
            caused_loss=True,
            loss_note="车辆刮伤",
        )
        services.violation_persuade(
            violation_id=violation.pk, by=w.stella, at=timezone.now() - H / 2, reaction="refused", note="劝导"
        )
        services.violation_propose_penalty(
            violation_id=violation.pk, by=w.pete, kind="compensation", basis="管理规约", amount=Decimal("300")
        )
        services.violation_sign_penalty(violation_id=violation.pk, by=w.mona)
    services.charge_list_build(month=services.Month.of(datetime.date(2026, 10, 1)))

    def grow():
        for back in range(1, 27):  # the 26 months before October 2026
            year, month = divmod(2026 * 12 + 9 - back, 12)
            for community in (w.a, w.b):
                ChargeListFactory(
                    community=community, month=datetime.date(year, month + 1, 1), count=back, total=back * 100
                )

    return [
        (w.fiona, "/violations/charges/"),
        (w.mona, "/violations/charges/"),
        (w.leo, "/violations/charges/"),
    ], grow


# -- archives -----------------------------------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _window(w: World, unit, by, *, archivist=None):
    """A look-up of the unit's archive: asked for by `by`, approved by a CS center manager, registered
    by an archivist — the window is open (R-ARC-4)."""
    from archives import services

    lookup = services.lookup_request(by=by, unit_id=unit.pk, reason="业主委托办理车位登记")
    services.lookup_approve(request_id=lookup.pk, by=w.nora if by == w.mona else w.mona, note="同意")
    archivist = archivist or (w.dora if by == w.dave else w.dave)
    return services.lookup_register(request_id=lookup.pk, by=archivist)


@page("archives: home (my to-do; every community)", budget=10)
def home(w: World):
    from reception import services

    def todo(n, start):  # letters answered later: each a first response due on the one who logged it
        for i in range(start, start + n):
            unit = w.household()
            services.record_log(
                by=w.alice,
                community=w.a,
                unit=unit,
                owner=unit.owner,
                kind="repair",
                channel="letter",
                subject=f"来信{i}",
                received_at=timezone.now() - (30 if i % 2 else 1) * H,
            )

    todo(2, 0)

    def grow():
        todo(MORE + 10, 2)  # more than the 30 shown
        for i in range(4):
            community = CommunityFactory(name=f"新小区{i}")
            UnitFactory.create_batch(3, building__community=community, use=Unit.Use.RENTED)

    return [(w.alice, "/"), (w.leo, "/"), (w.dave, "/"), (w.pete, "/"), (w.hank, "/")], grow


@page("archives: community (its buildings)", budget=7)
def community(w: World):
    for _ in range(6):
        w.household()

    def grow():
        for number in range(10, 10 + MORE):
            building = BuildingFactory(community=w.a, number=str(number))
            for entrance in (1, 2):
                unit = UnitFactory(building=building, entrance=entrance, use=Unit.Use.VACANT)
                OwnershipFactory(unit=unit)

    return [(w.alice, f"/archives/communities/{w.a.pk}/")], grow


@page("archives: building (its units and owners)", budget=8)
def building(w: World):
    units = [w.household() for _ in range(2)]

    def grow():
        for _ in range(3 * MORE):
            w.household(co_owner=True)  # a third of them in the same building

    return [(w.alice, f"/archives/buildings/{units[0].building_id}/")], grow


@page("archives: unit (owners past and present, its events)", budget=8)
def unit(w: World):
    from archives import services

    unit = w.household(co_owner=True)
    services.unit_change_use(unit_id=unit.pk, by=w.alice, use=Unit.Use.RENTED, note="出租")

    def grow():
        uses = cycle(Unit.Use.OCCUPIED, Unit.Use.RENOVATING, Unit.Use.RENTED)
        for year in range(2021, 2026):
            by = (w.dave, w.mona)[year % 2]
            owners = [{"name": f"新业主{year}", "mobile": f"1390000{year}"}]
            if year % 2:
                owners.append({"name": f"共有人{year}", "mobile": f"1370000{year}"})
            services.ownership_transfer(
                unit_id=unit.pk, by=by, owners=owners, start_date=datetime.date(year, 3, 1), reason="买卖过户"
            )
            services.unit_change_use(unit_id=unit.pk, by=(w.alice, w.stella, w.dave)[year % 3], use=uses())

    return [(w.alice, f"/archives/units/{unit.pk}/"), (w.dave, f"/archives/units/{unit.pk}/")], grow


@page("archives: search (owner name, room, phone tail)", budget=7)
def search(w: World):
    def households(numbers):  # room 1101 of other buildings, owners 王…, phones ending 5678
        for number in numbers:
            unit = UnitFactory(
                building__community=w.a,
                building__number=str(number),
                entrance=number % 2 + 1,
                floor=11,
                room="1101",
            )
            OwnershipFactory(unit=unit, owner__name=f"王{number}", owner__mobile=f"139{number:04d}5678")
            if number % 2:
                OwnershipFactory(unit=unit, owner__name=f"李{number}", owner__mobile=f"137{number:04d}1234")

    households(range(20, 22))
    views = [
        (w.alice, "/archives/search/?q=王"),
        (w.alice, "/archives/search/?q=1101"),
        (w.alice, "/archives/search/?q=5678"),
    ]
    return views, lambda: households(range(22, 22 + MORE))  # more than the 20 shown


@page("archives: catalogue (on screen, printed for one building)", budget=8)
def catalogue(w: World):
    units = [w.household(co_owner=True) for _ in range(2)]

    def grow():
        for i in range(110):  # more than a page of 100
            w.household(co_owner=i % 2 == 0)

    building_pk = units[0].building_id
    views = [
        (w.alice, "/archives/catalogue/"),
        (w.alice, f"/archives/catalogue/?building={building_pk}&print=1"),
        (w.leo, "/archives/catalogue/"),
    ]
    return views, grow


@page("archives: a unit's archive (inside a window; outside it)", budget=23)
def archive(w: World):
    from archives import services

    unit = w.household(co_owner=True)
    owners = [o.owner for o in unit.ownerships.select_related("owner")]
    _window(w, unit, w.dave)
    for owner in owners:
        for group in ("family", "emergency", "vehicles"):
            services.consent_record(
                unit_id=unit.pk,
                by=w.dave,
                owner_id=owner.pk,
                group=group,
                purpose="物业服务联系",
                given_on=timezone.localdate(),
            )
    services.lookup_close(request_id=_window(w, unit, w.alice).pk, by=w.alice)  # alice's, closed

    def add(i, by):
        owner = owners[i % 2]
        add_row = lambda group, **fields: services.personal_row_add(  # noqa: E731
            unit_id=unit.pk, by=by, owner_id=owner.pk, group=group, reason="业主要求登记", **fields
        )
        add_row("family", name=f"家属{i}", relation="子女", mobile=f"1350000{i:04d}")
        add_row("emergency", name=f"联系人{i}", relation="朋友", mobile=f"1360000{i:04d}")
        add_row("vehicles", plate=f"沪A{i:05d}", description="白色轿车", parking_space=f"B{i}")
        services.document_add(
            unit_id=unit.pk,
            by=by,
            part=("basic", "renovation", "other")[i % 3],
            title=f"资料{i}",
            upload=SimpleUploadedFile(f"资料{i}.pdf", PDF, content_type="application/pdf"),
        )

    add(0, w.dave)

    def grow():
        _window(w, unit, w.mona, archivist=w.dora)
        for i in range(1, 12):
            add(i, (w.dave, w.mona)[i % 2])
            services.contact_change(
                unit_id=unit.pk,
                by=(w.mona, w.dave)[i % 2],
                owner_id=owners[i % 2].pk,
                mobile=f"1380000{i:04d}",
                other_phone="",
                wechat=f"wx{i}",
                reason="业主更换号码",
            )
        other = w.household()
        for i in range(5):  # alice's earlier look-ups of this unit, each closed, and one asked now
            lookup = _window(w, unit if i < 4 else other, w.alice)
            services.lookup_close(request_id=lookup.pk, by=w.alice)
        services.lookup_request(by=w.alice, unit_id=unit.pk, reason="再次核对")

    views = [
        (w.dave, f"/archives/units/{unit.pk}/archive/"),
        (w.alice, f"/archives/units/{unit.pk}/archive/"),
    ]
    return views, grow


def _lookups(w: World, n: int) -> None:
    """n look-ups by different staff of different units: asked, approved, registered, closed or refused."""
    from archives import services

    for i in range(n):
        unit = w.household()
        by = (w.alice, w.rita, w.pete, w.sam)[i % 4]
        lookup = services.lookup_request(by=by, unit_id=unit.pk, reason=f"核对{i}")
        if i % 5 == 1:
            services.lookup_reject(request_id=lookup.pk, by=w.mona, note="理由不充分")
        elif i % 5 >= 2:
            services.lookup_approve(request_id=lookup.pk, by=(w.mona, w.nora)[i % 2])
            if i % 5 >= 3:
                services.lookup_register(request_id=lookup.pk, by=(w.dave, w.dora)[i % 2])
            if i % 5 == 4:
                services.lookup_close(request_id=lookup.pk, by=by)


@page("archives: look-ups (mine, to approve, to register, open, all)", budget=8)
def lookups(w: World):
    _lookups(w, 5)
    views = [
        (w.alice, "/archives/lookups/"),
        (w.mona, "/archives/lookups/?view=approve"),
        (w.dave, "/archives/lookups/?view=register"),
        (w.mona, "/archives/lookups/?view=open"),
        (w.mona, "/archives/lookups/?view=all"),
    ]
    return views, lambda: _lookups(w, 52)  # more than a page of 50


@page("archives: access log", budget=9)
def access_log(w: World):
    from archives import services

    windows = [_window(w, w.household(), by) for by in (w.alice, w.rita, w.pete, w.dave)]
    document = services.document_add(
        unit_id=windows[3].unit_id,
        by=w.dave,
        part="basic",
        title="购房合同",
        upload=SimpleUploadedFile("合同.pdf", PDF, content_type="application/pdf"),
    )

    def log(n):
        for i in range(n):
            window = windows[i % 4]
            services.access_log_write(
                lookup=window,
                user=window.requested_by,
                what="document" if i % 4 == 3 else "page",
                address=f"10.0.0.{i % 250}",
                document=document if i % 4 == 3 else None,
            )

    log(2)
    views = [(w.mona, "/archives/access-log/"), (w.leo, "/archives/access-log/?unit=101")]  # leo: one unit
    return views, lambda: log(60)  # more than a page of 50


# -- owner visits, the suggestion box, survey rounds, notices -----------------------------------------------

MODES = ["office", "phone", "home", "outdoors"]
TOPICS = ["security", "cleaning", "greening", "repair_skill", "facilities", "staff"]


def _visits(w: World, n: int, start: int = 0, *, community=None, opinions: bool = True) -> list:
    """n visits this month, each of its own household, by the supervisors and the center manager, in
    every mode, about different topics, with the owner's opinion."""
    from surveys import services

    in_b = community is w.b
    visits = []
    for i in range(start, start + n):
        mode = MODES[i % len(MODES)]
        when = timezone.now() - H - i % 50 * datetime.timedelta(minutes=1)
        appointment = (
            {"appointment_made_at": when - DAY, "appointment_with": "业主本人"} if mode == "home" else {}
        )
        visits.append(
            services.visit_record(
                by=w.cora if in_b else (w.sam, w.pete, w.mona, w.sue)[i % 4],
                unit=w.household(community),
                mode=mode,
                topics=TOPICS[i % 3 : i % 3 + 1 + i % 4],
                visited_at=when,
                signature="signed",
                opinions=f"意见{i}" if opinions else "",
                **appointment,
            )
        )
    return visits


@page("surveys: visits (all, one mode, one month)", budget=10)
def visit_list(w: World):
    _visits(w, 3)  # at the center, by phone, at home
    _visits(w, 1, start=900, community=w.b)
    views = [
        (w.sam, "/surveys/"),
        (w.pete, "/surveys/?mode=home"),
        (w.mona, "/surveys/?month=2026-11"),
        (w.leo, "/surveys/"),
    ]

    def grow():
        _visits(w, 2 * MORE, start=3)
        _visits(w, 3, start=901, community=w.b)

    return views, grow


@page("surveys: a visit", budget=6)
def visit_detail(w: World):
    """One visit has no rows of its own to grow: a plain one, then one with every topic, an appointment
    and a long opinion."""
    from surveys import services

    plain = _visits(w, 1, opinions=False)[0]

    def grow():
        when = timezone.now() - 2 * H
        visit = services.visit_record(
            by=w.mona,
            unit=w.household(co_owner=True),
            mode="home",
            topics=TOPICS,
            visited_at=when,
            signature="refused",
            opinions="希望增设快递柜。" * 20,
            appointment_made_at=when - DAY,
            appointment_with="业主本人，电话预约",
        )
        return [(w.sam, f"/surveys/{visit.pk}/")]

    return [(w.sam, f"/surveys/{plain.pk}/")], grow


@page("surveys: the month's quota (one community, every community)", budget=8, grows=False)
def quota(w: World):
    _visits(w, 2)
    _visits(w, 1, start=500, community=w.b)

    def grow():
        _visits(w, MORE, start=2)
        for i in range(4):  # and more communities
            community = CommunityFactory(name=f"新小区{i}")
            UnitFactory.create_batch(3 + i, building__community=community)

    views = [(w.sam, "/surveys/quota/"), (w.leo, "/surveys/quota/"), (w.leo, "/surveys/quota/?month=2026-10")]
    return views, grow


def _summary(w: World, month: int, visits: int):
    """The month's summary (R-VIS-4): `visits` visits recorded in it, opened after the month, prepared by
    the supervisor; the center head decided on every other suggestion."""
    from surveys import services
    from surveys.models import Month

    with time_machine.travel(at(month, month=month), tick=False):  # the visits of the month …
        _visits(w, visits, start=100 * month)
    with time_machine.travel(at(3, month=month + 1), tick=False):  # … summed up early the next
        summary, _created = services.visit_summary_open(
            community_id=w.a.pk, month=Month.of(datetime.date(2026, month, 1))
        )
        services.visit_summary_prepare(summary_id=summary.pk, by=w.sam, overview="本月业户主要关注设施维修。")
        for i, suggestion in enumerate(summary.suggestions.order_by("pk")):
            if i % 2 == 0:
                services.suggestion_decide(
                    summary_id=summary.pk,
                    suggestion_id=suggestion.pk,
                    by=w.mona,
                    decision=("adopted", "passed")[i // 2 % 2],
                    note="已安排",
                )
    return summary


@page("surveys: a monthly visit summary", budget=10)
def summary(w: World):
    small = _summary(w, 9, 2)

    def grow():
        large = _summary(w, 10, MORE)
        return [(w.sam, f"/surveys/summaries/{large.pk}/"), (w.mona, f"/surveys/summaries/{large.pk}/")]

    return [(w.sam, f"/surveys/summaries/{small.pk}/"), (w.mona, f"/surveys/summaries/{small.pk}/")], grow


def _notes(w: World, n: int, start: int = 0) -> None:
    """n notes in the box, from different addresses, some with a contact; answered by different staff,
    or marked unanswerable."""
    from surveys import services

    for i in range(start, start + n):
        contact = {"contact": f"3栋{i}室 1380000{i:04d}", "contact_consent": True} if i % 2 else {}
        note = services.box_suggestion_post(
            community_id=w.a.pk,
            text=f"建议{i}：垃圾桶该清理了",
            address=f"10.1.{i // 200}.{i % 200}",
            **contact,
        )
        if i % 3 == 1:
            services.box_suggestion_answer(
                suggestion_id=note.pk, by=(w.alice, w.sam, w.pete)[i % 3], answer="已安排"
            )
        elif i % 3 == 2 and not contact:
            services.box_suggestion_no_answer(suggestion_id=note.pk, by=w.sam, reason="无联系方式，已转保洁")


@page("surveys: the suggestion box inbox (all, awaiting an answer)", budget=8)
def suggestions(w: World):
    _notes(w, 3)
    views = [(w.alice, "/surveys/suggestions/"), (w.sam, "/surveys/suggestions/?status=new")]
    return views, lambda: _notes(w, 2 * MORE, start=3)


def _rounds(w: World, years: range, *, community=None) -> None:
    from surveys import rounds

    for year in years:
        for period in (6, 12):
            by = w.cora if community is w.b else (w.sam, w.sue, w.mona)[year % 3]
            rounds.survey_round_create(by=by, community_id=(community or w.a).pk, year=year, period=period)


@page("surveys: survey rounds (all, every community, drafts)", budget=9)
def round_list(w: World):
    _survey_round(w, households=3, returned=2)
    _rounds(w, range(2024, 2025))

    def grow():
        _rounds(w, range(2010, 2024))
        _rounds(w, range(2020, 2024), community=w.b)

    views = [
        (w.sam, "/surveys/rounds/"),
        (w.quinn, "/surveys/rounds/"),
        (w.pete, "/surveys/rounds/?status=draft"),
    ]
    return views, grow


def _survey_round(
    w: World, *, households: int, returned: int, year: int = 2026, period: int = 6, publish=False
):
    """A round of community A sent on the 1st of its month to `households` new households (and the
    ones already there): `returned` forms typed in on paper by the supervisors, with a suggestion on
    every other one, two more answered online; closed by the center manager. Published on request."""
    from surveys import round_report, rounds
    from surveys.models import Questionnaire
    from surveys.rounds import PaperRow

    codes = ["1", "2", "3", "0", "", "1"]
    with time_machine.travel(datetime.datetime(year, period, 10, 10, tzinfo=SHANGHAI), tick=False):
        for i in range(households):
            w.household(use=(Unit.Use.OCCUPIED, Unit.Use.RENTED)[i % 2], co_owner=i % 3 == 0)
        survey_round = rounds.survey_round_create(by=w.sam, community_id=w.a.pk, year=year, period=period)
        survey_round = rounds.survey_round_send(
            round_id=survey_round.pk, by=w.sam, sent_on=datetime.date(year, period, 1)
        )
        keys = survey_round.item_keys
        forms = list(Questionnaire.objects.filter(round=survey_round).order_by("pk"))
        rows = [
            PaperRow(
                questionnaire_id=q.pk,
                codes={k: codes[(i + j) % len(codes)] for j, k in enumerate(keys)},
                suggestion=f"建议{i}" if i % 2 else "",
                suggestion_topic=keys[i % len(keys)] if i % 2 else "",
            )
            for i, q in enumerate(forms[:returned])
        ]
        for by, half in ((w.sam, rows[::2]), (w.sue, rows[1::2])):
            rounds.questionnaire_returns_enter(round_id=survey_round.pk, by=by, rows=half)
        for q in forms[returned : returned + 2]:
            rounds.questionnaire_answer_online(
                token=q.token, answers={keys[0]: "basic", keys[1]: "dissatisfied"}
            )
        survey_round = rounds.survey_round_close(round_id=survey_round.pk, by=w.mona)
    if publish:
        with time_machine.travel(datetime.datetime(year, period, 28, 10, tzinfo=SHANGHAI), tick=False):
            round_report.round_statistics_finish(
                round_id=survey_round.pk, by=w.sam, analysis="业主最关注保洁质量。"
            )
            round_report.round_publish(
                round_id=survey_round.pk, by=w.mona, measures="1. 保洁：每日巡查两次。"
            )
    return survey_round


def _round_views(w: World, survey_round, *, published: bool) -> list[View]:
    base = f"/surveys/rounds/{survey_round.pk}/"
    views = [
        (w.sam, base),
        (w.quinn, base),
        (w.sam, f"{base}statistics/"),
        (w.quinn, f"{base}statistics/"),
        (w.sam, f"{base}statistics/print/"),
    ]
    if published:
        return [*views, (w.sam, f"{base}publication/")]
    return [*views, (w.sam, f"{base}returns/"), (w.sam, f"{base}forms/?entrance=all")]


@page("surveys: a round, collection closed (page, returns grid, forms, statistics, print)", budget=11)
def survey_round(w: World):
    small = _survey_round(w, households=4, returned=2)

    def grow():  # last December's round, of every household there is now
        large = _survey_round(w, households=MORE, returned=16, year=2025, period=12)
        return _round_views(w, large, published=False)

    return _round_views(w, small, published=False), grow


@page("surveys: a round, results published (page, statistics, print, publication)", budget=11)
def published_round(w: World):
    small = _survey_round(w, households=4, returned=2, publish=True)

    def grow():
        large = _survey_round(w, households=MORE, returned=16, year=2025, period=12, publish=True)
        return _round_views(w, large, published=True)

    return _round_views(w, small, published=True), grow


@page("surveys: questionnaire templates", budget=6)
def templates(w: World):
    from surveys import rounds

    def make(n, start):
        for i in range(start, start + n):
            rounds.questionnaire_template_create(
                by=(w.quinn, w.ada)[i % 2], name=f"问卷{i}", lines=["秩序维护", "保洁", f"项目{i}"]
            )

    make(1, 0)
    return [(w.quinn, "/surveys/rounds/templates/"), (w.ada, "/surveys/rounds/templates/")], lambda: make(
        MORE, 1
    )


NOTICE_KINDS = ["other", "water_cut", "unplanned_cut", "power_cut"]


def _notices(w: World, n: int, start: int = 0, *, community=None) -> None:
    """n notices of every kind, written by the supervisors and the center manager, most published by
    someone else, one withdrawn."""
    from surveys import notices

    in_b = community is w.b
    for i in range(start, start + n):
        kind = NOTICE_KINDS[i % len(NOTICE_KINDS)]
        times = {}
        if kind in ("water_cut", "power_cut"):
            times = {"starts_at": timezone.now() + 3 * DAY, "ends_at": timezone.now() + 3 * DAY + 4 * H}
        elif kind == "unplanned_cut":
            times = {"starts_at": timezone.now() - 5 * H, "ends_at": timezone.now() - 2 * H}
        writer = w.cora if in_b else (w.sam, w.pete, w.mona)[i % 3]
        notice = notices.notice_create(
            by=writer, community=community or w.a, kind=kind, title=f"通知{i}", body="因设备检修……", **times
        )
        if i % 4:
            notices.notice_publish(notice_id=notice.pk, by=w.cora if in_b else (w.mona, w.sam, w.pete)[i % 3])
        if i % 7 == 3 and i % 4:
            notices.notice_withdraw(notice_id=notice.pk, by=w.mona, reason="时间调整")


@page("surveys: notices (all, published, one kind)", budget=9)
def notice_list(w: World):
    _notices(w, 2)
    _notices(w, 1, start=900, community=w.b)
    views = [
        (w.alice, "/surveys/notices/"),
        (w.sam, "/surveys/notices/?status=published"),
        (w.pete, "/surveys/notices/?kind=water_cut"),
        (w.leo, "/surveys/notices/"),
    ]
    return views, lambda: _notices(w, 2 * MORE, start=2)


@page("surveys: a notice (its page, printed)", budget=6)
def notice_detail(w: World):
    """A notice has no rows of its own to grow: a short draft, then a published planned cut with a long
    text, later withdrawn."""
    from surveys import notices

    def views(pk):
        return [
            (w.sam, f"/surveys/notices/{pk}/"),
            (w.alice, f"/surveys/notices/{pk}/"),
            (w.sam, f"/surveys/notices/{pk}/print/"),
        ]

    draft = notices.notice_create(by=w.sam, community=w.a, kind="other", title="通知", body="停车场划线。")

    def grow():
        start = timezone.now() + 3 * DAY
        notice = notices.notice_create(
            by=w.pete,
            community=w.a,
            kind="water_cut",
            title="计划停水通知",
            body="因二次供水设备检修，" * 40,
            starts_at=start,
            ends_at=start + 6 * H,
            signed_by="阳光花园客户服务中心",
        )
        notices.notice_publish(notice_id=notice.pk, by=w.mona)
        notices.notice_withdraw(notice_id=notice.pk, by=w.sam, reason="检修改期")
        return views(notice.pk)

    return views(draft.pk), grow


@page("surveys: fee accounts of each community", budget=7)
def fee_accounts(w: World):
    from surveys import notices

    def publish(community, by):
        notice = notices.notice_create(
            by=by,
            community=community,
            kind="fee_account",
            title="物业费收支公示",
            body="收支明细见附表",
            period_from=datetime.date(2026, 7, 1),
            period_to=datetime.date(2026, 9, 30),
        )
        notices.notice_publish(notice_id=notice.pk, by=by)

    publish(w.a, w.mona)
    publish(w.b, w.mike)

    def grow():
        for i in range(6):
            community = CommunityFactory(name=f"新小区{i}")
            manager = _member(f"manager{i}", community, Role.CS_MANAGER)
            if i % 2:
                publish(community, manager)
        notices.fee_account_deadlines_open()

    return [(w.leo, "/surveys/notices/fee-accounts/"), (w.ada, "/surveys/notices/fee-accounts/")], grow


# -- the notification centre and the working-day calendar -------------------------------------------------


@page("notifications (all, unread only)", budget=9)
def notifications(w: World):
    def send(n, start):
        links = ["/reception/", "/complaints/", "/violations/", "/surveys/notices/", ""]
        for i in range(start, start + n):
            notification = NotificationFactory(recipient=w.sam, text=f"通知{i}", link=links[i % len(links)])
            if i % 3 == 0:
                notification.read_at = timezone.now()
                notification.save(update_fields=["read_at"])

    send(2, 0)
    views = [(w.sam, "/notifications/"), (w.sam, "/notifications/?unread=1")]
    return views, lambda: send(2 * MORE, 2)  # more than a page of 30 unread


CALENDAR_2027 = {
    "holidays": "2027-01-01 元旦\n2027-02-08~2027-02-12 春节\n",
    "workdays": "2027-02-20 春节调休",
}
CALENDAR_2027_FULL = {
    "holidays": "2027-01-01 元旦\n2027-02-08~2027-02-12 春节\n2027-04-05 清明节\n"
    "2027-05-03~2027-05-05 劳动节\n2027-06-09 端午节\n2027-09-15 中秋节\n2027-10-01~2027-10-07 国庆节\n",
    "workdays": "2027-02-20 春节调休\n2027-05-08 劳动节调休\n2027-09-26 国庆节调休\n2027-10-09 国庆节调休",
    "note": "国办发明电〔2026〕X号",
}


@page("the working-day calendar (the years, one year)", budget=7, grows=False)
def calendar(w: World):
    """The years from 2004 seeded by the migration; 2027 entered by the administrator, then entered
    again in full, and five past years corrected by another administrator."""
    from propsvc.models import CalendarYear
    from propsvc.workdays import calendar_year_lines

    ada = client_for(w.ada)
    assert ada.post("/calendar/2027/edit/", CALENDAR_2027).status_code == 302

    def grow():
        assert ada.post("/calendar/2027/edit/", CALENDAR_2027_FULL).status_code == 302
        adam = client_for(w.adam)
        for year in range(2020, 2025):
            lines = calendar_year_lines(year=year)
            assert (
                adam.post(
                    f"/calendar/{year}/edit/",
                    {**lines, "note": f"更正：按国办发明电〔{year - 1}〕号文件补录"},
                ).status_code
                == 302
            )
        assert CalendarYear.objects.filter(entered_by=w.adam).count() == 5

    views = [(w.alice, "/calendar/"), (w.ada, "/calendar/"), (w.alice, "/calendar/2027/")]
    return views, grow


@page("my exports", budget=6)
def export_list(w: World):
    from propsvc.models import ExportJob

    statuses = [
        ExportJob.Status.QUEUED,
        ExportJob.Status.RUNNING,
        ExportJob.Status.DONE,
        ExportJob.Status.FAILED,
    ]

    def jobs(n, start):
        for i in range(start, start + n):
            ExportJobFactory(
                requested_by=w.sam,
                kind=("complaints", "violations", "visits")[i % 3],
                status=statuses[i % 4],
                rows_written=i * 1000,
                stored_path=f"exports/page-queries-{i}.xlsx",
                file_name=f"导出{i}.xlsx",
            )

    jobs(2, 0)
    return [(w.sam, "/exports/")], lambda: jobs(55, 2)  # more than the 50 shown


# -- the test ----------------------------------------------------------------------------------------------


class Browser:
    """One logged-in client per user; each page is asked for once before it is counted (a warm-up:
    the session's first write, the content-type cache, whichever test runs first)."""

    def __init__(self):
        self.clients, self.seen = {}, set()

    def render(self, user, url: str) -> tuple[list[str], str]:
        if user.pk not in self.clients:
            self.clients[user.pk] = client_for(user)
        client = self.clients[user.pk]
        if (user.pk, url.split("?")[0]) not in self.seen:
            self.seen.add((user.pk, url.split("?")[0]))
            client.get(url)
        with CaptureQueriesContext(connection) as queries:
            r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)
        return [q["sql"] for q in queries.captured_queries], r.content.decode()


def _difference(small: list[str], large: list[str]) -> str:
    import difflib

    return "\n".join(difflib.unified_diff(small, large, "small", "large", n=0, lineterm=""))


def _shows_more(page_: Page, small: str, large: str) -> bool:
    """The added rows are on the page: it is longer (a report: its figures changed)."""
    if page_.grows:
        return len(large) > len(small)
    token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
    return token.sub("", large) != token.sub("", small)


@pytest.mark.parametrize("name", list(PAGES))
def test_it_renders_the_page_in_constant_queries(world, name):
    page_ = PAGES[name]
    views, grow = page_.build(world)
    browser = Browser()
    small = [browser.render(user, url) for user, url in views]
    views = grow() or views
    large = [browser.render(user, url) for user, url in views]
    problems = []
    for (user, url), (sql_small, html_small), (sql_large, html_large) in zip(
        views, small, large, strict=True
    ):
        if not _shows_more(page_, html_small, html_large):
            problems.append(f"{user} {url}: the added rows are not on the page")
        if len(sql_small) != len(sql_large):
            problems.append(
                f"{user} {url}: {len(sql_small)} queries with the small data set, {len(sql_large)} with the "
                "large one\n" + _difference(sql_small, sql_large)
            )
        elif len(sql_large) > page_.budget:
            problems.append(f"{user} {url}: {len(sql_large)} queries, the budget is {page_.budget}")
    assert not problems, "\n".join(problems)
