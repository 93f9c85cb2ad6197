"""Query budgets (STYLE.md 22): the list, the export rows, the statistics and the retention job run
the same number of queries for 1 row as for 5."""

from datetime import timedelta

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model

from tests.factories import UnitFactory
from tests.violations.conftest import DAY, MORNING, H, persuade, photo, register
from violations import selectors, services
from violations.models import Notice, Violation

SIZES = [1, 5]


def fresh_user(user):
    """The user as a request sees it: memberships not read yet."""
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def listed(clock, stella, pete, community_a, owner_a, unit_a):
    """n violations at different units, each with a rectification deadline (the overdue flag)."""

    def build(n):
        for i in range(n):
            unit = unit_a if i == 0 else UnitFactory(building__community=community_a)
            violation = register(stella, community_a, unit=unit, owner=owner_a if i == 0 else None)
            services.violation_set_rectification(
                violation_id=violation.pk, by=pete, requirement="清理", due_date=MORNING.date() + DAY
            )
        register(stella, community_a, location="中心花园")  # and one in a public place

    return build


@pytest.mark.parametrize("n", SIZES)
def test_it_lists_violations_in_constant_queries(listed, pete, django_assert_num_queries, n):
    listed(n)
    user = fresh_user(pete)
    with django_assert_num_queries(2):  # pete's memberships; the page, joined, with the overdue flag
        rows = list(selectors.violation_list(user=user, filters=selectors.ViolationFilter()))
        shown = [
            (v.number, v.community.name, v.place, v.who, v.registered_by.username, v.is_overdue) for v in rows
        ]
    assert len(shown) == n + 1


@pytest.mark.parametrize("n", SIZES)
def test_it_streams_the_export_rows_in_constant_queries(listed, pete, django_assert_num_queries, n):
    listed(n)
    user = fresh_user(pete)
    with django_assert_num_queries(2):  # pete's memberships; the rows
        rows = list(selectors.violation_rows_for_export(user=user, filters=selectors.ViolationFilter()))
    assert len(rows) == n + 1


@pytest.mark.parametrize("n", SIZES)
def test_it_counts_by_category_and_month_in_constant_queries(listed, mona, django_assert_num_queries, n):
    listed(n)
    user = fresh_user(mona)
    with django_assert_num_queries(2):  # mona's memberships; one grouped count
        table = selectors.counts_by_category_and_month(user=user, communities=None, year=2026)
    assert table["total"] == n + 1


NOW = MORNING


def expired_case(when, *, stella, pete, mona, sam, unit):
    """A major case closed at `when` with photos, measures, notices, a follow-up and ledger rows."""
    with time_machine.travel(when, tick=False):
        violation = register(
            stella, unit.community, unit=unit, observed_at=when - H, photos=[photo(), photo("b.png", "PNG")],
            threatens_safety=True, safety_note="堵塞消防通道", caused_loss=True, loss_note="车辆刮伤",
        )  # fmt: skip
        pk = violation.pk
        persuade(violation, stella, at_=when - H / 2)
        services.violation_set_rectification(
            violation_id=pk, by=pete, requirement="移走", due_date=(when + timedelta(days=2)).date()
        )
        services.notice_issue(violation_id=pk, by=pete, kind=Notice.Kind.RECTIFICATION)
        services.violation_reinspect(violation_id=pk, by=stella, rectified=False, note="未移走")
        services.violation_propose_penalty(
            violation_id=pk, by=pete, kind="compensation", basis="规约", amount=300
        )
        services.violation_sign_penalty(violation_id=pk, by=mona)
        services.violation_follow_up(violation_id=pk, by=sam, method="phone", at=when, attitude="理解")
        services.violation_close(violation_id=pk, by=mona, note="已赔偿")
    return violation


@pytest.mark.parametrize("n", SIZES)
def test_it_purges_in_constant_queries_per_batch(
    stella, pete, mona, leo, sam, unit_a, service_dept_a, django_assert_num_queries, n
):
    for i in range(n):
        expired_case(
            NOW - relativedelta(years=6, days=i), stella=stella, pete=pete, mona=mona, sam=sam, unit=unit_a
        )
    # The due ids (general, major). Then one batch: savepoint; the due rows re-read under lock; their
    # photo files; their ledger rows and notices deleted; Django's delete of the violations (select
    # them, select their measures, delete the measures' notices, delete photos, notices, events,
    # follow-ups, measures, violations); release. Last, the audit entry.
    with django_assert_num_queries(18):
        removed = services.retention_purge(now=NOW)
    assert len(removed["major"]) == n and not Violation.objects.exists()


def test_it_purges_in_batches_with_the_same_queries_per_batch(
    stella, pete, mona, leo, sam, unit_a, service_dept_a, django_assert_num_queries, monkeypatch
):
    monkeypatch.setattr("violations.services.retention.RETENTION_BATCH", 2)
    for i in range(5):
        expired_case(
            NOW - relativedelta(years=6, days=i), stella=stella, pete=pete, mona=mona, sam=sam, unit=unit_a
        )
    # The due ids (2), three batches of 15 (as above), the audit entry.
    with django_assert_num_queries(2 + 3 * 15 + 1):
        removed = services.retention_purge(now=NOW)
    assert len(removed["major"]) == 5 and not Violation.objects.exists()
