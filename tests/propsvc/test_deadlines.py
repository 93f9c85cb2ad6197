"""The deadline ledger: opening (warn time), meeting, reassigning, and the to-do selectors."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from propsvc.models import Deadline
from propsvc.selectors import deadline_list_for_case, deadline_list_open_for_user
from propsvc.services import deadline_meet, deadline_reassign
from tests.factories import UnitFactory
from tests.propsvc.conftest import NOW


def test_it_warns_4_hours_before_a_24_hour_first_response(frozen, open_deadline, alice):
    deadline = open_deadline(
        kind="reception.first_response", due_in=timedelta(hours=24), responsible_user=alice
    )
    assert deadline.due_at == NOW + timedelta(hours=24)
    assert deadline.warn_at == NOW + timedelta(hours=20)


def test_it_uses_the_setting_for_the_kind(frozen, open_deadline, alice, settings):
    settings.PROPSVC_DEADLINE_WARN_BEFORE = {"reception.reply": timedelta(hours=1)}
    deadline = open_deadline(kind="reception.reply", due_in=timedelta(hours=48), responsible_user=alice)
    assert deadline.warn_at == NOW + timedelta(hours=47)


def test_it_lets_the_caller_choose_the_warning_time(frozen, open_deadline, alice):
    deadline = open_deadline(
        due_in=timedelta(hours=24), responsible_user=alice, warn_before=timedelta(hours=8)
    )
    assert deadline.warn_at == NOW + timedelta(hours=16)


def test_it_warns_4_hours_before_a_long_deadline_of_a_kind_without_setting(frozen, open_deadline, alice):
    deadline = open_deadline(kind="reception.work_order", due_in=timedelta(days=3), responsible_user=alice)
    assert deadline.warn_at == NOW + timedelta(days=3, hours=-4)


def test_it_warns_a_sixth_of_the_time_left_before_a_short_deadline(frozen, open_deadline, alice):
    deadline = open_deadline(kind="reception.reply", due_in=timedelta(hours=6), responsible_user=alice)
    assert deadline.warn_at == NOW + timedelta(hours=5)


def test_it_never_warns_before_now(frozen, open_deadline, alice):
    # first_response warns 4 h ahead, but this one is due in 1 h: warn at once
    deadline = open_deadline(
        kind="reception.first_response", due_in=timedelta(hours=1), responsible_user=alice
    )
    assert deadline.warn_at == NOW


def test_it_refuses_a_warning_after_the_due_time_in_the_database(frozen, open_deadline, alice):
    deadline = open_deadline(responsible_user=alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        Deadline.objects.filter(pk=deadline.pk).update(warn_at=deadline.due_at + timedelta(minutes=1))


def test_it_meets_only_the_given_kind(frozen, open_deadline, alice, bob, unit_a):
    open_deadline(case=unit_a, kind="reception.first_response", responsible_user=alice)
    open_deadline(case=unit_a, kind="reception.reply", responsible_user=alice)
    assert deadline_meet(case=unit_a, kind="reception.first_response", by=bob) == 1
    rows = {d.kind: d for d in deadline_list_for_case(case=unit_a)}
    assert rows["reception.first_response"].met_by == bob
    assert rows["reception.first_response"].met_at == NOW
    assert rows["reception.reply"].met_at is None
    assert deadline_meet(case=unit_a) == 1  # all the rest
    assert deadline_meet(case=unit_a) == 0  # nothing open any more


def test_it_tells_whether_it_was_met_late(frozen, open_deadline, alice, unit_a):
    deadline = open_deadline(case=unit_a, due_in=timedelta(hours=2), responsible_user=alice)
    assert not deadline.is_overdue
    frozen.shift(timedelta(hours=3))
    deadline.refresh_from_db()
    assert deadline.is_overdue
    deadline_meet(case=unit_a, by=alice)
    deadline.refresh_from_db()
    assert deadline.met_late and not deadline.is_overdue


def test_it_reassigns_open_rows_and_keeps_the_department(frozen, open_deadline, engineering, eric, unit_a):
    deadline = open_deadline(case=unit_a, kind="reception.work_order", responsible_department=engineering)
    assert deadline_reassign(case=unit_a, kind="reception.work_order", responsible_user=eric) == 1
    deadline.refresh_from_db()
    assert deadline.responsible_user == eric and deadline.responsible_department == engineering


def test_it_lists_my_open_deadlines_soonest_first(frozen, open_deadline, alice, community_b, carol):
    later = open_deadline(due_in=timedelta(hours=30), responsible_user=alice)
    sooner = open_deadline(due_in=timedelta(hours=2), responsible_user=alice)
    met = open_deadline(due_in=timedelta(hours=1), responsible_user=alice)
    deadline_meet(case=met.case)
    open_deadline(
        responsible_user=carol, community=community_b, case=UnitFactory(building__community=community_b)
    )
    assert list(deadline_list_open_for_user(user=alice)) == [sooner, later]


def test_it_lists_department_deadlines_until_a_member_takes_one(
    frozen, open_deadline, engineering, eric, ella
):
    deadline = open_deadline(kind="reception.work_order", responsible_department=engineering)
    assert list(deadline_list_open_for_user(user=eric)) == [deadline]
    assert list(deadline_list_open_for_user(user=ella)) == [deadline]
    deadline_reassign(case=deadline.case, kind="reception.work_order", responsible_user=ella)
    assert list(deadline_list_open_for_user(user=eric)) == []
    assert list(deadline_list_open_for_user(user=ella)) == [deadline]


def test_it_scopes_my_list_to_communities_i_may_see(frozen, open_deadline, alice, community_b):
    # a row naming alice in a community she no longer works in stays out of her list
    open_deadline(
        responsible_user=alice, community=community_b, case=UnitFactory(building__community=community_b)
    )
    assert list(deadline_list_open_for_user(user=alice)) == []


@pytest.mark.parametrize("n", [1, 5])
def test_it_lists_my_to_do_in_constant_queries(frozen, open_deadline, alice, django_assert_num_queries, n):
    for _ in range(n):
        open_deadline(responsible_user=alice)
    alice.refresh_from_db()  # drop cached memberships
    with django_assert_num_queries(2):  # memberships (scope), deadlines joined with community
        rows = list(deadline_list_open_for_user(user=alice))
        assert [r.community.name for r in rows]


def test_it_lists_a_cases_deadlines_by_due_time(frozen, open_deadline, alice, unit_a, unit_b):
    second = open_deadline(
        case=unit_a, kind="reception.reply", due_in=timedelta(hours=30), responsible_user=alice
    )
    first = open_deadline(case=unit_a, due_in=timedelta(hours=24), responsible_user=alice)
    open_deadline(case=unit_b, responsible_user=alice)
    assert list(deadline_list_for_case(case=unit_a)) == [first, second]
    assert first.case == unit_a


def test_it_refuses_a_naive_due_time(alice, community_a, unit_a):
    from propsvc.services import deadline_open

    with pytest.raises(ValueError, match="timezone-aware"):
        deadline_open(
            case=unit_a,
            community=community_a,
            kind="reception.reply",
            title="x",
            link="/",
            due_at=timezone.now().replace(tzinfo=None),
            responsible_user=alice,
        )
