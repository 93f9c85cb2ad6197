"""The benchmark's cases: each page or job that matters, with its target (issue 10, docs/PERFORMANCE.md).

Every page case is one GET through the Django test client as a real staff member; the case
counts the SQL queries it ran and checks the answer is 200 and carries the expected text.
"""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse


@dataclass
class Case:
    key: str
    name: str
    target_ms: float | None  # p95 target; None: judged another way (see notes)
    run: object = None  # () -> number of queries
    max_queries: int | None = None
    notes: list[str] = field(default_factory=list)


class Page:
    """GET a URL as a logged-in user; returns the number of queries."""

    def __init__(self, client: Client, url: str, *, expect: str = "", htmx: bool = False):
        self.client, self.url, self.expect = client, url, expect
        self.headers = {"HX-Request": "true"} if htmx else {}

    def __call__(self) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(self.url, secure=True, headers=self.headers)
        if response.status_code != 200:
            raise AssertionError(f"GET {self.url} answered {response.status_code}")
        if self.expect and self.expect not in response.content.decode():
            raise AssertionError(f"GET {self.url} does not show {self.expect!r}")
        return len(queries)


@dataclass
class Context:
    community: object
    month: object  # complaints.reports.Month: the last full month
    building: object
    complaint: object
    record: object
    desk: Client  # a customer service manager of the community (one community)
    company: Client  # a company-level leader (every community)
    leader: object
    manager: object


def _users(community):
    """The benchmark's own two staff members (created once, kept): one community's CS manager, and
    a company-level leader with the quality role too."""
    from django.contrib.auth import get_user_model

    from propsvc.models import Membership
    from propsvc.roles import Role

    User = get_user_model()
    manager, _ = User.objects.get_or_create(username="bench_cs_manager", defaults={"first_name": "基准"})
    Membership.objects.filter(user=manager).exclude(community=community).delete()
    for role in (Role.CS_MANAGER, Role.ARCHIVIST):
        Membership.objects.get_or_create(user=manager, community=community, role=role)
    leader, _ = User.objects.get_or_create(username="bench_leader", defaults={"first_name": "基准领导"})
    for role in (Role.LEADERSHIP, Role.QUALITY):
        Membership.objects.get_or_create(user=leader, community=None, role=role)
    return manager, leader


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def context() -> Context:
    from archives.models import Building, Unit
    from complaints.models import Complaint
    from complaints.reports import Month
    from propsvc.models import Community
    from reception.models import ReceptionRecord

    # The largest community: the longest lists.
    largest = Unit.objects.values("community").annotate(n=Count("pk")).order_by("-n").first()
    community = Community.objects.get(pk=largest["community"])
    month = Month.current().previous
    building = (
        Building.objects.filter(community=community).annotate(n=Count("units")).order_by("-n", "pk").first()
    )
    complaint = (
        Complaint.objects.filter(community=community, received_at__lt=month.end)
        .annotate(n=Count("callbacks"))
        .filter(n__gt=0)
        .order_by("-received_at")
        .first()
    )
    record = ReceptionRecord.objects.filter(community=community).order_by("-received_at").first()
    manager, leader = _users(community)
    return Context(
        community=community,
        month=month,
        building=building,
        complaint=complaint,
        record=record,
        desk=_client(manager),
        company=_client(leader),
        leader=leader,
        manager=manager,
    )


def _last_page(count: int, size: int) -> int:
    return max(1, -(-count // size))


def page_cases(ctx: Context) -> list[Case]:
    from complaints.models import Complaint
    from reception.models import ReceptionRecord

    month, community = ctx.month, ctx.community
    first_day = month.first_day
    last_day = month.end.date().fromordinal(month.end.date().toordinal() - 1)
    month_query = {"date_from": first_day.isoformat(), "date_to": last_day.isoformat()}
    in_month = ReceptionRecord.objects.filter(
        community=community, received_at__gte=month.start, received_at__lt=month.end
    ).count()
    all_records = ReceptionRecord.objects.filter(community=community).count()
    closed = Complaint.objects.filter(community=community, status=Complaint.Status.CLOSED).count()
    reception = reverse("reception:list")
    complaints = reverse("complaints:list")
    deep_records = _last_page(in_month, 25)
    deep_all = max(1, _last_page(all_records, 25) // 2)
    deep_closed = max(1, _last_page(closed, 25) // 2)
    report_query = urlencode({"month": str(month)})
    community_report = urlencode({"month": str(month), "communities": community.pk})
    log_query = urlencode(month_query)
    cases = [
        Case("lookup_room", "unit lookup as you type: a room number (1101)", 50,
             Page(ctx.desk, reverse("reception:unit-lookup") + "?unit_query=1101")),
        Case("lookup_name", "unit lookup as you type: an owner's surname (王)", 50,
             Page(ctx.desk, reverse("reception:unit-lookup") + "?unit_query=" + "王")),
        Case("lookup_company", "unit search, every community (company-level user)", 50,
             Page(ctx.company, reverse("archives:search") + "?q=1101", htmx=True)),
        Case("reception_month_p1", f"reception list, one community and month ({in_month:,}), page 1", 100,
             Page(ctx.desk, f"{reception}?{urlencode(month_query)}")),
        Case("reception_month_deep", f"reception list, one community and month, page {deep_records}", 100,
             Page(ctx.desk, f"{reception}?{urlencode({**month_query, 'page': deep_records})}")),
        Case("reception_all_deep", f"reception list, one community ({all_records:,}), page {deep_all}",
             100, Page(ctx.desk, f"{reception}?page={deep_all}")),
        Case("complaints_p1", "complaint list filtered (closed), page 1", 100,
             Page(ctx.desk, f"{complaints}?status=closed")),
        Case("complaints_deep", f"complaint list filtered (closed, {closed:,} rows), page {deep_closed}", 100,
             Page(ctx.desk, f"{complaints}?status=closed&page={deep_closed}")),
        Case("complaints_month", "complaint list filtered (one month)", 100,
             Page(ctx.desk, f"{complaints}?month={month}")),
        Case("complaint_detail", "complaint detail", 50,
             Page(ctx.desk, ctx.complaint.get_absolute_url(), expect=ctx.complaint.number),
             max_queries=15),
        Case("record_detail", "reception record detail", 50,
             Page(ctx.desk, ctx.record.get_absolute_url(), expect=ctx.record.number),
             max_queries=15),
        Case("report_community", "monthly complaint statistics, one community", 150,
             Page(ctx.desk, f"{reverse('complaints:report')}?{report_query}")),
        Case("report_company", "monthly complaint statistics, the whole company", 1000,
             Page(ctx.company, f"{reverse('complaints:report')}?{report_query}")),
        Case("callbacks_community", "call-back statistics, one community", 150,
             Page(ctx.desk, f"{reverse('complaints:callback-report')}?{community_report}")),
        Case("callbacks_company", "call-back statistics, the whole company", 1000,
             Page(ctx.company, f"{reverse('complaints:callback-report')}?{report_query}")),
        Case("catalogue_building", f"archive catalogue of one building ({ctx.building.number})", 100,
             Page(ctx.desk, f"{reverse('archives:catalogue')}?building={ctx.building.pk}")),
        Case("catalogue_print", "archive catalogue of one building, printed (every unit)", 100,
             Page(ctx.desk, f"{reverse('archives:catalogue')}?building={ctx.building.pk}&print=1")),
        Case("access_log_month", "archive access log of a month (company)", 100,
             Page(ctx.company, f"{reverse('archives:access-log')}?{log_query}")),
        Case("home", "home page (my to-do)", 100, Page(ctx.desk, reverse("home"))),
    ]  # fmt: skip
    return cases


def table_counts() -> dict[str, int]:
    """Estimated rows of the big tables (pg_class.reltuples, exact enough and instant)."""
    names = {
        "reception_receptionrecord": "reception records",
        "complaints_complaint": "complaints",
        "complaints_callback": "call-backs",
        "violations_violation": "violations",
        "propsvc_deadline": "ledger deadlines",
        "archives_unit": "units",
        "archives_owner": "owners",
        "archives_accesslog": "access log",
        "propsvc_community": "communities",
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples::bigint FROM pg_class WHERE relname = ANY(%s)", [list(names)]
        )
        found = dict(cursor.fetchall())
        for table in names:  # never analysed (a small table): count it
            if found.get(table, -1) < 0:
                cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 — our own table names
                found[table] = cursor.fetchone()[0]
    return {label: int(found[table]) for table, label in names.items()}


def run_all(*, size: str, warmup: int, runs: int, only: set[str], measure) -> list[dict]:
    from tests.benchmarks import jobs, sql

    ctx = context()
    results = []
    for case in page_cases(ctx):
        if only and case.key not in only:
            continue
        results.append(_run_page(case, warmup=warmup, runs=runs, measure=measure))
    for extra in (sql.report_cases, sql.callback_cases, jobs.scan_cases, jobs.export_cases):
        for row in extra(ctx, size=size, warmup=warmup, runs=runs, measure=measure, only=only):
            results.append(row)
    return _with_ratios(results)


def _with_ratios(results: list[dict]) -> list[dict]:
    """Each statistics page beside its hand-written SQL: page median ÷ SQL median, target ≤ 2;
    the SQL row is placed right after its page."""
    by_key = {row["key"]: row for row in results}
    ordered = []
    for row in results:
        if row["key"].endswith(("_sql", "_fn")):
            continue
        ordered.append(row)
        sql_row, fn_row = by_key.get(f"{row['key']}_sql"), by_key.get(f"{row['key']}_fn")
        if sql_row and fn_row and "median_ms" in sql_row:
            sql_ms = max(sql_row["median_ms"], 0.1)
            ratio = round(fn_row["median_ms"] / sql_ms, 2)
            fn_row["ratio"] = ratio
            fn_row["target"] = "≤ 2× SQL"
            fn_row["met"] = ratio <= 2 and not sql_row.get("error")
            page_ratio = round(row.get("median_ms", 0) / sql_ms, 2)
            fn_row["notes"] = [f"computation ÷ SQL = {ratio}; whole page ÷ SQL = {page_ratio}"]
        ordered += [r for r in (sql_row, fn_row) if r]
    return ordered


def _run_page(case: Case, *, warmup: int, runs: int, measure) -> dict:
    row = {"key": case.key, "name": case.name, "target": f"p95 < {case.target_ms:g} ms"}
    try:
        row |= measure(_Runner(case.run), warmup=warmup, runs=runs)
    except AssertionError as error:
        row["error"] = str(error)
        return row
    row["met"] = row["p95_ms"] < case.target_ms
    if case.max_queries is not None:
        row["target"] += f", ≤ {case.max_queries} q"
        row["met"] = row["met"] and row["queries"] <= case.max_queries
    return row


class _Runner:
    def __init__(self, fn):
        self.fn = fn

    def run(self) -> int:
        return self.fn()
