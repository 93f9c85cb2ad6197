"""complaints.reports: each figure on a hand-built month whose right answers are written here.

October 2026 (Asia/Shanghai), community A, built through the services at frozen times:
  A  received 10-05 10:00, facilities, valid, result at 47 h 59 min  → on time; accepted; call-back
     satisfied
  B  received 10-10 10:00, facilities, valid, result at 48 h 01 min  → late; accepted; call-back
     dissatisfied → reopened, next call-back 10-20 10:00
  C  received 10-15 10:00, renovation, invalid                       → not in the 48-hour rate
  D  received 10-31 23:30, cleaning, not triaged                     → October, not November
  E  received 11-01 00:10, cleaning                                  → November
  F  community B, received 10-08 — never counted for community A
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from complaints import reports, services
from complaints.models import Callback, Complaint
from complaints.reports import Month
from propsvc.models import Department
from propsvc.roles import Role
from tests.conftest import _member
from tests.factories import DepartmentFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
OCTOBER = Month(2026, 10)
NOW = datetime.datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)


def at(month, day, hour, minute=0):
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def month_of_complaints(community_a, community_b, unit_a, unit_b, alice, carol):
    eng = DepartmentFactory(community=community_a, kind=Department.Kind.ENGINEERING)
    cleaning = DepartmentFactory(community=community_a, kind=Department.Kind.CLEANING)
    eng_b = DepartmentFactory(community=community_b, kind=Department.Kind.ENGINEERING)
    pete = _member("pete", community_a, Role.PROPERTY_SUPERVISOR)
    hank = _member("hank", community_a, Role.DEPARTMENT_HEAD, department=eng)

    def register(when, **fields):
        with time_machine.travel(when, tick=False):
            base = {"by": alice, "community": community_a, "unit": unit_a, "channel": "visit",
                    "subject": "投诉", "category": "facilities", "severity": "general", "department": eng,
                    "apology_given": True}  # fmt: skip
            return services.complaint_register(**(base | fields))

    def step(when, fn, **kwargs):
        with time_machine.travel(when, tick=False):
            return fn(**kwargs)

    a = register(at(10, 5, 10))
    step(at(10, 5, 11), services.complaint_triage, complaint_id=a.pk, by=pete, valid=True)
    step(at(10, 7, 9, 59), services.complaint_report_result, complaint_id=a.pk, by=pete, result="修好")
    step(at(10, 7, 11), services.complaint_sign_off, complaint_id=a.pk, by=hank)
    step(at(10, 7, 12), services.complaint_owner_accepts, complaint_id=a.pk, by=pete)
    cb = Callback.objects.get(complaint=a)
    step(at(10, 10, 12), services.callback_record, callback_id=cb.pk, by=pete, called_at=at(10, 10, 12),
         quality_rating="satisfied", effect_rating="satisfied", satisfaction="satisfied")  # fmt: skip

    b = register(at(10, 10, 10))
    step(at(10, 10, 11), services.complaint_triage, complaint_id=b.pk, by=pete, valid=True)
    step(at(10, 12, 10, 1), services.complaint_report_result, complaint_id=b.pk, by=pete, result="修好")
    step(at(10, 12, 11), services.complaint_sign_off, complaint_id=b.pk, by=hank)
    step(at(10, 12, 12), services.complaint_owner_accepts, complaint_id=b.pk, by=pete)
    cb = Callback.objects.get(complaint=b)
    step(at(10, 15, 12), services.callback_record, callback_id=cb.pk, by=pete, called_at=at(10, 15, 12),
         quality_rating="basic", effect_rating="dissatisfied", satisfaction="dissatisfied",
         assignee=hank, fix_note="重新检修", next_callback_at=at(10, 20, 10))  # fmt: skip

    c = register(at(10, 15, 10), category="renovation")
    step(at(10, 15, 11), services.complaint_triage, complaint_id=c.pk, by=pete, valid=False,
         explanation="施工时间符合规定", basis="装修管理规定第八条")  # fmt: skip

    register(at(10, 31, 23, 30), category="cleaning", department=cleaning)
    register(at(11, 1, 0, 10), category="cleaning", department=cleaning)
    with time_machine.travel(at(10, 8, 10), tick=False):
        services.complaint_register(
            by=carol, community=community_b, unit=unit_b, channel="visit", subject="B", category="facilities",
            severity="general", department=eng_b, apology_given=True,
        )  # fmt: skip
    return Complaint.objects.filter(community=community_a)


def test_it_counts_a_month_in_shanghai_time(month_of_complaints):
    figures = reports.complaint_figures(scope=month_of_complaints, month=OCTOBER, now=NOW)
    assert figures["total"] == 4  # A B C D; D at 10-31 23:30 is October, E is November
    assert (figures["valid"], figures["invalid"], figures["untriaged"]) == (2, 1, 1)
    assert figures["by_category"] == {"facilities": 2, "renovation": 1, "cleaning": 1}
    assert figures["by_department"] == {"engineering": 3, "cleaning": 1}
    assert figures["by_severity"] == {"general": 4}
    assert figures["by_channel"] == {"visit": 4}
    assert figures["reopened"] == 1
    assert reports.complaint_figures(scope=month_of_complaints, month=OCTOBER.plus(1), now=NOW)["total"] == 1


def test_it_reads_the_48_hour_rate_from_the_ledger(month_of_complaints):
    """DOMAIN R-CMP-4: 47 h 59 min is on time, 48 h 01 min is late; invalid ones are left out."""
    resolve = reports.complaint_figures(scope=month_of_complaints, month=OCTOBER, now=NOW)["resolve"]
    assert (resolve["decided"], resolve["on_time"], resolve["late"], resolve["rate"]) == (2, 1, 1, 50.0)


def test_it_reads_the_first_response_rate_from_the_ledger(month_of_complaints):
    """DOMAIN R-REC-3: the apology on a visit is the first response, at once."""
    first = reports.complaint_figures(scope=month_of_complaints, month=OCTOBER, now=NOW)["first_response"]
    assert (first["decided"], first["on_time"], first["rate"]) == (4, 4, 100.0)


def test_it_counts_what_was_open_and_overdue_at_month_end(month_of_complaints):
    figures = reports.complaint_figures(scope=month_of_complaints, month=OCTOBER, now=NOW)
    # A closed on 10-10 and C on 10-15; B (reopened, a fix due 10-20) and D (new) are open
    assert figures["open_at_end"] == 2
    # B's fix was due 10-20 10:00 and not met by the end of October
    assert figures["overdue_at_end"] == 1


def test_it_counts_the_months_call_backs(month_of_complaints):
    """DOMAIN R-CB-5."""
    figures = reports.callback_figures(scope=month_of_complaints, month=OCTOBER, now=NOW)
    assert figures["due"] == 3  # A's 10-10, B's 10-15 and B's next on 10-20
    assert (figures["done"], figures["unreachable"]) == (2, 0)
    assert (figures["satisfaction_satisfied"], figures["satisfaction_dissatisfied"]) == (1, 1)
    assert (figures["quality_rating_satisfied"], figures["quality_rating_basic"]) == (1, 1)
    assert figures["satisfaction_rate"] == 50.0
    assert (figures["dissatisfied"], figures["dissatisfied_open"]) == (1, 1)


def test_the_compared_months_call_back_figures_equal_the_full_ones(month_of_complaints):
    """The previous month and last year read only the key figures (one query); they are the same
    numbers as the full figures give."""
    full = reports.callback_figures(scope=month_of_complaints, month=OCTOBER, now=NOW)
    key = reports.callback_key_figures(scope=month_of_complaints, month=OCTOBER)
    assert (
        key
        == {"done": full["done"], "satisfaction_rate": full["satisfaction_rate"]}
        == {
            "done": 2,
            "satisfaction_rate": 50.0,
        }
    )


def test_it_cuts_the_pareto_at_80_percent():
    rows = reports.pareto({"a": 50, "b": 30, "c": 15, "d": 5})
    assert [(r["key"], r["cumulative"], r["main"]) for r in rows] == [
        ("a", 50.0, True),
        ("b", 80.0, True),  # reaches 80%: still a main issue
        ("c", 95.0, False),
        ("d", 100.0, False),
    ]


def test_it_draws_a_twelve_month_trend(month_of_complaints):
    trend = reports.trend(scope=month_of_complaints, month=Month(2026, 11))
    assert len(trend) == 12 and trend[0][0] == Month(2025, 12)
    assert dict((str(m), n) for m, n in trend)["2026-10"] == 4
    assert trend[-1] == (Month(2026, 11), 1)


def test_it_reads_the_figures_in_a_fixed_number_of_queries(
    month_of_complaints, django_assert_max_num_queries
):
    with django_assert_max_num_queries(11):
        reports.complaint_figures(scope=month_of_complaints, month=OCTOBER, now=NOW)
    with django_assert_max_num_queries(4):
        reports.callback_figures(scope=month_of_complaints, month=OCTOBER, now=NOW)


# -- the page and the Excel file --------------------------------------------------------------------


def _excel(response):
    from io import BytesIO

    from openpyxl import load_workbook

    return load_workbook(BytesIO(b"".join(response.streaming_content)))


@pytest.fixture
def pete_client(client, month_of_complaints):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="pete"))
    return client


def test_it_shows_the_month_with_drill_downs(pete_client):
    with time_machine.travel(NOW, tick=False):
        r = pete_client.get("/complaints/statistics/?month=2026-10")
    assert r.status_code == 200
    report = r.context["report"]
    assert report["figures"]["total"] == 4
    assert report["key_rows"][0]["current"] == 4 and report["key_rows"][0]["previous"] == 0
    page = r.content.decode()
    assert "/complaints/?month=2026-10&amp;community=" in page  # every number links to its list
    assert 'id="report-data"' in page and "chart.umd.min.js" in page


def test_it_drills_down_to_the_same_complaints(pete_client, community_a):
    with time_machine.travel(NOW, tick=False):
        r = pete_client.get(f"/complaints/?month=2026-10&community={community_a.pk}&category=facilities")
    assert r.context["page"].paginator.count == 2  # A and B, as the report's category row says


def test_it_keeps_another_communitys_complaints_out_of_the_report(pete_client, community_b):
    """A property supervisor of A who ticks community B still sees only A."""
    with time_machine.travel(NOW, tick=False):
        r = pete_client.get(f"/complaints/statistics/?month=2026-10&communities={community_b.pk}")
    assert r.status_code == 200
    assert r.context["report"]["figures"]["total"] == 4  # community B's complaint is not counted
    assert [c.name for c in r.context["communities"]] == ["阳光花园"]


def test_it_refuses_the_statistics_to_the_front_desk(client, alice):
    client.force_login(alice)
    assert client.get("/complaints/statistics/").status_code == 403


def test_it_exports_the_same_numbers_as_the_page(pete_client):
    with time_machine.travel(NOW, tick=False):
        page = pete_client.get("/complaints/statistics/?month=2026-10").context["report"]
        workbook = _excel(pete_client.get("/complaints/statistics/export/?month=2026-10"))
    sheet = workbook.worksheets[0]
    rows = {row[0]: row[1:] for row in sheet.iter_rows(min_row=4, values_only=True)}
    for row in page["key_rows"]:
        assert rows[row["label"]][0] == row["current"], row["key"]
    from django.utils.translation import gettext

    trend = workbook[gettext("12-month trend")]
    assert trend._charts and workbook[gettext("Pareto of categories")]._charts  # native Excel charts
    assert dict(trend.iter_rows(min_row=2, values_only=True))["2026-10"] == 4


def test_it_builds_the_page_in_a_fixed_number_of_queries(pete_client, month_of_complaints, alice, unit_a):
    """The same queries however many complaints the month holds: 3 months × (13 complaint figures +
    3 call-back figures), the trend, the call-backs per community (3), session, user, memberships."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as ctx:
            assert pete_client.get("/complaints/statistics/?month=2026-10").status_code == 200
        return len(ctx.captured_queries)

    before = count()
    pete = get_user_model().objects.get(username="pete")
    eng = month_of_complaints.first().department
    for day in (20, 21, 22, 23, 24):
        with time_machine.travel(at(10, day, 9), tick=False):
            c = services.complaint_register(
                by=alice, community=unit_a.community, unit=unit_a, channel="visit", subject="又一起",
                category="facilities", severity="general", department=eng, apology_given=True,
            )  # fmt: skip
            services.complaint_triage(complaint_id=c.pk, by=pete, valid=True)
            services.complaint_report_result(complaint_id=c.pk, by=pete, result="好了")
    assert count() == before <= 60


# -- the report that writes itself on the 1st ---------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_it_builds_last_months_files_once_however_often_it_runs(month_of_complaints, media, community_a):
    from django.contrib.auth import get_user_model

    from complaints.models import MonthlyReport
    from propsvc.models import Community, Notification

    _member("lena", None, Role.LEADERSHIP)
    first_of_november = datetime.datetime(2026, 11, 1, 8, 0, tzinfo=SHANGHAI)
    with time_machine.travel(first_of_november, tick=False):
        services.monthly_report_build()
        services.monthly_report_build()  # a rerun replaces, never duplicates
    reports_ = MonthlyReport.objects.all()
    assert reports_.count() == Community.objects.count() + 1  # every community and the company
    assert {r.month for r in reports_} == {datetime.date(2026, 10, 1)}
    assert len(list(media.rglob("*.xlsx"))) == reports_.count()
    mine = reports_.get(community=community_a)
    assert mine.complaints == 4
    users = get_user_model().objects
    assert Notification.objects.filter(
        recipient=users.get(username="pete"), link="/complaints/statistics/files/"
    ).exists()
    assert Notification.objects.filter(recipient=users.get(username="lena")).exists()


def test_it_lets_only_the_right_people_download_a_stored_report(
    client, month_of_complaints, media, community_b, carol
):
    from django.contrib.auth import get_user_model

    from complaints.models import MonthlyReport

    with time_machine.travel(datetime.datetime(2026, 11, 1, 8, 0, tzinfo=SHANGHAI), tick=False):
        services.monthly_report_build()
    pete = get_user_model().objects.get(username="pete")
    client.force_login(pete)
    page = client.get("/complaints/statistics/files/")
    listed = {r.community_id for r in page.context["page"]}
    assert listed == {pete.memberships.get().community_id}  # not B's, not the company's
    own = MonthlyReport.objects.get(community_id=pete.memberships.get().community_id)
    r = client.get(f"/complaints/statistics/files/{own.pk}/")
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    other = MonthlyReport.objects.get(community=community_b)
    assert client.get(f"/complaints/statistics/files/{other.pk}/").status_code == 404
    company = MonthlyReport.objects.get(community__isnull=True)
    assert client.get(f"/complaints/statistics/files/{company.pk}/").status_code == 404


def test_it_schedules_the_monthly_report_at_eight_on_the_first():
    from propsvc.celery import app

    entry = app.conf.beat_schedule["build-monthly-complaint-reports"]
    assert entry["task"] == "complaints.tasks.build_monthly_reports"
    schedule = entry["schedule"]
    assert (schedule.day_of_month, schedule.hour, schedule.minute) == ({1}, {8}, {0})


def test_it_reports_the_time_to_resolve(month_of_complaints):
    figures = reports.complaint_figures(scope=month_of_complaints, month=OCTOBER, now=NOW)
    # A: 47 h 59 min; B's result was superseded when its call-back reopened it, so only A counts
    assert figures["resolved_n"] == 1
    assert figures["median_hours"] == figures["mean_hours"] == 48.0


def test_it_counts_complaints_by_community(month_of_complaints, community_a):
    figures = reports.complaint_figures(scope=month_of_complaints, month=OCTOBER, now=NOW)
    assert figures["by_community"] == {community_a.pk: 4}
    assert figures["community_names"] == {community_a.pk: "阳光花园"}


def test_it_drills_every_key_figure_down_to_a_list_of_the_same_size(pete_client):
    with time_machine.travel(NOW, tick=False):
        r = pete_client.get("/complaints/statistics/?month=2026-10")
        rows = {row["key"]: row["current"] for row in r.context["report"]["key_rows"]}
        links = r.context["key_links"]
        for key in ("total", "valid", "invalid", "open_at_end", "overdue_at_end", "reopened", "paused"):
            listed = pete_client.get(f"/complaints/?{links[key]}").context["page"].paginator.count
            assert listed == rows[key], key
        done = pete_client.get("/complaints/callbacks/?month=2026-10").context["page"].paginator.count
        assert done == rows["callbacks_done"]


def test_it_totals_the_call_backs_per_community(pete_client, community_a):
    """DOMAIN R-CB-5."""
    with time_machine.travel(NOW, tick=False):
        r = pete_client.get("/complaints/statistics/callbacks/?month=2026-10")
    assert r.status_code == 200
    (row,) = r.context["rows"]
    assert (row["community"], row["due"], row["done"], row["dissatisfied_open"]) == (community_a.pk, 3, 2, 1)
    assert row["satisfaction_rate"] == 50.0


def test_the_community_path_counts_the_same_call_backs(month_of_complaints, community_a, community_b):
    """The statistics views pass the communities, so call-backs and their ledger rows are read by
    their own community column; the numbers equal those read through the complaints."""
    for communities in ([community_a.pk], [community_a.pk, community_b.pk]):
        scope = month_of_complaints.filter(community__in=communities)
        by_scope = reports.callback_figures(scope=scope, month=OCTOBER, now=NOW)
        by_community = reports.callback_figures(scope=scope, month=OCTOBER, now=NOW, communities=communities)
        assert by_scope == by_community
        assert by_scope["due"] or by_scope["done"]
        rows = reports.callback_figures_by_community(scope=scope, month=OCTOBER, now=NOW)
        assert rows == reports.callback_figures_by_community(
            scope=scope, month=OCTOBER, now=NOW, communities=communities
        )
        report = reports.monthly_report(scope=scope, month=OCTOBER, now=NOW)
        assert report == reports.monthly_report(scope=scope, month=OCTOBER, now=NOW, communities=communities)
