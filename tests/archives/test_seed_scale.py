"""`seed_scale`: the benchmark data — the small size loads in seconds, every row is valid, the shapes
are there, the pages render, the app can go on inserting, and the same seed gives the same data."""

import datetime
import hashlib
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, Q
from django.db.models.functions import ExtractMonth
from django.test import Client
from django.utils import timezone

from archives.models import AccessLog, Building, Unit
from archives.scale.run import LOADED
from archives.scale.sizes import SIZES
from archives.scale.staff import STAFF_PASSWORD
from complaints.models import Callback, Complaint
from complaints.services import KIND_CALLBACK, KIND_FIRST_RESPONSE, KIND_RESOLVE
from propsvc.models import CalendarYear, Community, Deadline, Department, Membership
from propsvc.roles import Role
from reception.models import ReceptionRecord
from violations.models import Violation

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
NOW = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
SMALL = SIZES["small"]
TABLES = [m._meta.db_table for m in LOADED]


def schema() -> dict[str, set]:
    """The loaded tables' indexes (name, columns, unique, partial) and constraints (definition, validated)
    as the catalog has them. A rebuilt partial index's WHERE is deparsed with other casts, so its
    definition text is not compared."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.relname, i.relname, x.indkey::text, x.indisunique, x.indpred IS NOT NULL "
            "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
            "WHERE t.oid = ANY(%s::regclass[])",
            [TABLES],
        )
        indexes = set(cursor.fetchall())
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), convalidated "
            "FROM pg_constraint WHERE conrelid = ANY(%s::regclass[])",
            [TABLES],
        )
        constraints = set(cursor.fetchall())
    return {"indexes": indexes, "constraints": constraints}


def fingerprint() -> str:
    rows = [
        list(Complaint.objects.order_by("pk").values_list("pk", "status", "received_at", "subject", "unit")),
        list(ReceptionRecord.objects.order_by("pk").values_list("pk", "status", "kind", "received_at")),
        list(Unit.objects.order_by("pk").values_list("pk", "building__number", "room", "area")),
        list(Deadline.objects.order_by("pk").values_list("pk", "kind", "due_at", "met_at")),
        list(Community.objects.order_by("code").values_list("code", "name")),
    ]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the module, inside a transaction rolled back at the end (the test database is
    the session's; the seed empties tables and the access log is append-only)."""
    from django.db import transaction

    if connection.vendor != "postgresql":
        pytest.skip("seed_scale loads with PostgreSQL COPY; the test database is SQLite")
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            before = schema()
            with time_machine.travel(NOW, tick=False):
                call_command("seed_scale", size="small", verbosity=0)
            yield {"schema": before, "fingerprint": fingerprint()}
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def test_it_loads_the_small_size(seeded):
    assert Community.objects.count() == SMALL.communities
    assert Unit.objects.count() == SMALL.units
    assert get_user_model().objects.filter(memberships__isnull=False).exists()
    assert ReceptionRecord.objects.count() == SMALL.records
    assert Complaint.objects.count() == SMALL.complaints
    assert Violation.objects.count() == SMALL.violations
    assert AccessLog.objects.count() == SMALL.access_logs
    from archives.models import Owner

    assert Owner.objects.count() == SMALL.owners
    # every obligation is in the ledger: about 1.8 rows per case (roughly 5 million at the large size)
    cases = SMALL.records - SMALL.records_as_complaints + SMALL.complaints + SMALL.violations
    assert 1.5 * cases < Deadline.objects.count() < 2.2 * cases
    # departments of every kind in each community, and the staff to handle everything
    assert Department.objects.filter(community__isnull=False).count() == 5 * SMALL.communities
    for role in (Role.RECEPTIONIST, Role.CS_MANAGER, Role.PROPERTY_SUPERVISOR, Role.DEPARTMENT_HEAD):
        communities = Membership.objects.filter(role=role).values("community").distinct()
        assert communities.count() == SMALL.communities


def test_every_index_and_constraint_is_back_and_validated(seeded):
    # The load drops the secondary indexes, unique constraints and foreign keys and builds them again:
    # building them checks every row (a duplicate or a dangling reference would have failed the seed).
    after = schema()
    assert after == seeded["schema"]
    assert len(after["indexes"]) > 100
    assert all(validated for *_, validated in after["constraints"])


def test_the_rows_agree_with_each_other(seeded):
    assert not Complaint.objects.filter(status="closed", closed_at__isnull=True).exists()
    assert not Complaint.objects.filter(validity="valid", status="closed", callbacks__isnull=True).exists()
    closed_valid = Complaint.objects.filter(validity="valid", status="closed")
    assert not closed_valid.exclude(callbacks__status__in=["done", "unreachable"]).exists()
    assert Callback.objects.filter(status="unreachable", attempts=3).exists()
    assert Callback.objects.filter(status="done", attempts=1).exists()  # reached at the second try
    # a desk record followed up as a complaint names it, and the complaint names the record
    followed = ReceptionRecord.objects.filter(outcome="complaint")
    assert followed.count() == SMALL.records_as_complaints
    pairs = dict(Complaint.objects.filter(record__isnull=False).values_list("record_id", "pk"))
    assert all(pairs[r.pk] == int(r.handover_number[2:]) for r in followed)
    # status and the ledger: the first response of every complaint, met unless it is still to come
    assert Deadline.objects.filter(kind=KIND_FIRST_RESPONSE).count() == SMALL.complaints
    being_handled = Complaint.objects.filter(
        validity="valid", severity="general", status__in=["processing", "paused"], reopen_count=0
    )
    assert Deadline.objects.filter(kind=KIND_RESOLVE, met_at__isnull=True).count() == being_handled.count()
    assert (
        not Deadline.objects.filter(kind=KIND_CALLBACK, met_at__isnull=True)
        .exclude(object_id__in=Callback.objects.filter(status="planned").values("complaint"))
        .exists()
    )
    # most cases are closed, the last days have open ones, and no open row is far in the past
    assert Complaint.objects.filter(status="closed").count() > 0.95 * SMALL.complaints
    assert Complaint.objects.exclude(status="closed").exists()
    long_ago = timezone.now() - datetime.timedelta(days=90)
    assert not Deadline.objects.filter(met_at__isnull=True, due_at__lt=long_ago).exists()
    # R-VIO-8: closed general violations are kept one year
    year_ago = timezone.now() - datetime.timedelta(days=365)
    assert not Violation.objects.filter(severity="general", status="closed", closed_at__lt=year_ago).exists()


def test_summer_brings_more_complaints_than_winter(seeded):
    months = dict(
        Complaint.objects.annotate(m=ExtractMonth("received_at"))
        .values("m")
        .annotate(n=Count("pk"))
        .values_list("m", "n")
    )
    summer = sum(months[m] for m in (6, 7, 8))
    winter = sum(months[m] for m in (12, 1, 2))
    assert summer > 1.3 * winter
    # office hours: most contacts come in between 08:00 and 18:00 (local time)
    local = ReceptionRecord.objects.filter(
        Q(received_at__hour__gte=8) & Q(received_at__hour__lt=18)
    ).count()  # USE_TZ: __hour is in the current time zone, Asia/Shanghai
    assert local > 0.7 * SMALL.records


def test_a_seeded_manager_sees_the_complaints_and_a_complaint(seeded):
    assert CalendarYear.objects.filter(year=2026).exists()  # the working-day calendar is untouched
    client = Client()
    assert client.login(username="sc001_manager", password=STAFF_PASSWORD)
    community = Community.objects.get(code="sc001")
    complaint = Complaint.objects.filter(community=community, status="closed", reopen_count=0).last()
    assert client.get("/complaints/").status_code == 200
    response = client.get(complaint.get_absolute_url())
    assert response.status_code == 200
    assert complaint.number in response.content.decode()
    assert client.get("/reception/").status_code == 200
    assert client.get("/complaints/statistics/").status_code == 200


def test_the_app_goes_on_inserting_after_the_seed(seeded):
    community = Community.objects.get(code="sc001")
    manager = get_user_model().objects.get(username="sc001_manager")
    department = Department.objects.get(community=community, kind="engineering")
    complaint = Complaint.objects.create(
        community=community, received_by=manager, received_at=timezone.now(), subject="测试",
        category="facilities", department=department,
    )  # fmt: skip
    assert complaint.pk == SMALL.complaints + 1
    record = ReceptionRecord.objects.create(
        community=community, received_by=manager, received_at=timezone.now(), subject="测试", kind="repair",
        contact_name="张三",
    )  # fmt: skip
    assert record.pk == SMALL.records + 1
    building = Building.objects.create(community=community, number="99")
    unit = Unit.objects.create(community=community, building=building, entrance=1, floor=1, room="1", area=9)
    assert unit.pk == SMALL.units + 1
    now = timezone.now()
    deadline = Deadline.objects.create(
        community=community, content_type_id=1, object_id=1, kind="x", title="x", due_at=now, warn_at=now
    )
    assert deadline.pk == Deadline.objects.count()


def test_the_same_seed_gives_the_same_data(seeded):
    with time_machine.travel(NOW, tick=False):
        call_command("seed_scale", size="small", force=True, verbosity=0)
    assert fingerprint() == seeded["fingerprint"]


def test_it_refuses_a_database_that_holds_data_unless_forced(seeded):
    with pytest.raises(CommandError, match=r"already holds data.*--force"):
        call_command("seed_scale", size="small", verbosity=0)
