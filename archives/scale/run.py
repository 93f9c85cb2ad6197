"""The order of the seed: check, empty, staff (ORM), drop indexes, COPY every table, rebuild, analyse.

All of it in one transaction: a failure at any point leaves the database as it was. Emptying is one
TRUNCATE … CASCADE from the communities and the loaded tables: every table that refers to a community
goes with them, whole (surveys, monthly reports, charge lists, the audit trail — AuditEntry has a
community column; its append-only trigger fires on UPDATE and DELETE, not TRUNCATE), and the
notifications, which name cases. Users, role groups, content types and the working-day calendar
stay; company-level memberships of other users are put back (archives.scale.staff).
"""

import time

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from archives.models import AccessLog, Building, LookupRequest, Owner, Ownership, Unit
from archives.scale import access, plan, register, staff
from archives.scale.clock import Clock
from archives.scale.complaints import ComplaintWriter
from archives.scale.copy import Loader, advance_sequences, drop_secondary, referencing_tables
from archives.scale.reception import RecordWriter
from archives.scale.violations import ViolationWriter
from archives.scale.world import Labels, SeedRandom, World
from complaints.models import Callback, Complaint, ComplaintEvent, ComplaintPause
from propsvc.models import CalendarDay, Community, Deadline, DigestItem, Notification
from reception.models import ReceptionEvent, ReceptionRecord, WorkOrder
from violations.models import FollowUp, Measure, Violation, ViolationEvent

LOADED = [
    Building,
    Unit,
    Owner,
    Ownership,
    ReceptionRecord,
    WorkOrder,
    ReceptionEvent,
    Complaint,
    ComplaintPause,
    Callback,
    ComplaintEvent,
    Violation,
    Measure,
    FollowUp,
    ViolationEvent,
    Deadline,
    LookupRequest,
    AccessLog,
]
CASE_TYPES = [ReceptionRecord, WorkOrder, Complaint, Violation]
# Emptied by a reseed besides what refers to a community: notifications name cases that will be gone.
ALSO_EMPTIED = [Notification, DigestItem]


class SeedError(Exception):
    pass


def existing_data() -> dict[str, int]:
    counts = {
        "communities": Community.objects.count(),
        "units": Unit.objects.count(),
        "reception records": ReceptionRecord.objects.count(),
        "complaints": Complaint.objects.count(),
        "violations": Violation.objects.count(),
    }
    return {label: n for label, n in counts.items() if n}


def seed(*, sizes, seed_value: int, write, verbosity: int, force: bool) -> dict[str, int]:
    if connection.vendor != "postgresql":
        raise SeedError(f"seed_scale loads with PostgreSQL COPY; this database is {connection.vendor}.")
    found = existing_data()
    if found and not force:
        listed = ", ".join(f"{n:,} {label}" for label, n in found.items())
        raise SeedError(f"The database already holds data ({listed}); use --force to replace it.")
    if found and not staff.seeded_here():
        # --force empties every case table and the audit trail: only ever on a benchmark database.
        raise SeedError(
            "The database holds data that seed_scale did not make (no seeded staff); --force replaces "
            "only a database seed_scale filled. Use an empty database for benchmarks."
        )
    started = time.perf_counter()
    freeze = (
        not connection.in_atomic_block
    )  # COPY FREEZE needs the table emptied in the same (sub)transaction

    def say(message: str, level: int = 1) -> None:
        if verbosity >= level:
            write(message)

    with transaction.atomic():
        cursor = connection.cursor()
        for setting in ("synchronous_commit = off", "maintenance_work_mem = '512MB'", "work_mem = '256MB'"):
            cursor.execute(f"SET LOCAL {setting}")
        keep = staff.company_memberships_to_keep()
        roots = [Community._meta.db_table] + [m._meta.db_table for m in LOADED + ALSO_EMPTIED]
        emptied = referencing_tables(cursor, roots)
        cursor.execute(f"TRUNCATE {', '.join(roots)} RESTART IDENTITY CASCADE")
        say(f"emptied {len(emptied)} tables: {', '.join(emptied)}", 2)
        holidays = frozenset(CalendarDay.objects.filter(kind="holiday").values_list("date", flat=True))
        clock = Clock(timezone.now(), holidays=holidays)
        rng = SeedRandom(f"{seed_value}-staff")
        places = staff.create_places(rng, sizes, clock)
        company = staff.create_departments(places)
        memberships = staff.create_staff(rng, places, company, keep=keep)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks on the tables changed below
        content_types = {
            f"{m._meta.app_label}.{m._meta.model_name}": ContentType.objects.get_for_model(m).pk
            for m in CASE_TYPES
        }
        world = World(clock=clock, places=places, company=company, content_types=content_types)
        world.weigh_places()
        labels = Labels()
        say(
            f"{len(places)} communities, {memberships:,} staff memberships "
            f"({time.perf_counter() - started:.1f} s)"
        )
        tables = [m._meta.db_table for m in LOADED]
        secondary = drop_secondary(cursor, tables)
        if not secondary.indexes or not secondary.foreign_keys:
            raise SeedError(
                "The loaded tables have no secondary indexes or foreign keys: the schema is not the "
                "migrations'; recreate the database (createdb, migrate) and seed again."
            )
        say(
            f"dropped {len(secondary.indexes)} indexes, {len(secondary.uniques)} unique constraints and "
            f"{len(secondary.foreign_keys)} foreign keys of {len(tables)} tables",
            2,
        )
        loader = Loader(connection.connection, freeze=freeze)
        loader.start()
        try:
            _generate(world, loader, labels, sizes, seed_value, secondary, say)
        finally:
            loader.finish()
        if secondary.pending:
            raise SeedError(f"{secondary.pending} indexes or constraints were not rebuilt")
        advance_sequences(cursor, tables)
        _report(loader, say, time.perf_counter() - started)
    rows = {sink.table: sink.rows for sink in loader.sinks.values()}
    total = sum(rows.values())
    elapsed = time.perf_counter() - started
    say(f"seeded {total:,} rows in {elapsed:.0f} s ({total / max(elapsed, 0.001):,.0f} rows/s overall)")
    return rows


# The tables each phase completes; once complete, a table's indexes, constraints and statistics are
# rebuilt by the database while the next phase is generated.
PHASE_TABLES = {
    "register": [Building, Unit, Owner, Ownership],
    "complaints": [Complaint, ComplaintPause, Callback, ComplaintEvent],
    "records": [ReceptionRecord, WorkOrder, ReceptionEvent],
    "violations": [Violation, Measure, FollowUp, ViolationEvent],
    "access": [LookupRequest, AccessLog, Deadline],
}


def _generate(world, loader, labels, sizes, seed_value, secondary, say) -> None:
    started = time.perf_counter()
    complete: set[str] = set()

    def phase(name):
        return SeedRandom(f"{seed_value}-{name}")

    def done(name):
        complete.update(m._meta.db_table for m in PHASE_TABLES[name])
        secondary.finish(loader, complete)
        say(f"{name} generated ({time.perf_counter() - started:.0f} s)")

    register.load(world, loader, phase("register"), owners_wanted=sizes.owners)
    done("register")
    the_plan = plan.make(world, phase("plan"), sizes)
    complaints = ComplaintWriter(world, loader, labels, phase("complaints"))
    complaints.write_all(the_plan)
    done("complaints")
    records = RecordWriter(world, loader, labels, phase("records"), complaints.work_orders)
    records.write_all(the_plan, complaints.desk_records)
    done("records")
    ViolationWriter(world, loader, labels, phase("violations")).write_all(sizes.violations)
    done("violations")
    access.load(world, loader, phase("access"), sizes.access_logs)
    done("access")


def _report(loader, say, elapsed) -> None:
    say(f"{'table':<32} {'rows':>12} {'COPY s':>8} {'rows/s':>10} {'rebuild s':>10}")
    rebuilt: dict[str, float] = {}
    for table, _what, seconds in loader.statements:
        rebuilt[table] = rebuilt.get(table, 0.0) + seconds
    for sink in sorted(loader.sinks.values(), key=lambda s: -s.rows):
        rate = sink.rows / sink.seconds if sink.seconds else 0
        say(
            f"{sink.table:<32} {sink.rows:>12,} {sink.seconds:>8.1f} {rate:>10,.0f} "
            f"{rebuilt.get(sink.table, 0):>10.1f}"
        )
    for table, what, seconds in loader.statements:
        say(f"  {table} {what}: {seconds:.1f} s", 2)
    copy = sum(s.seconds for s in loader.sinks.values())
    say(
        f"the database spent {copy:.0f} s in COPY and {sum(rebuilt.values()):.0f} s rebuilding indexes, "
        f"constraints and statistics; the generators waited {loader.waited:.0f} s for it"
    )
