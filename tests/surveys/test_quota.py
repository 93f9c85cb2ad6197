"""R-VIS-1: the month's visit quota per community — a share of OCCUPIED households (自住/出租) that
depends on the community's size in households (every unit), rounded up — and the progress.

The expected numbers are worked out by hand: 4% of 300 = 12; 5% of 301 = 15.05 → 16; 5% of 500 = 25;
6% of 501 = 30.06 → 31; 6% of 800 = 48; 7% of 801 = 56.07 → 57.
"""

import pytest
from django.contrib.auth import get_user_model

from surveys import selectors, services
from surveys.models import Month, quota_percent, visit_quota
from tests.factories import CommunityFactory, UnitFactory
from tests.surveys.conftest import MORNING, H, at, households, visit


@pytest.mark.parametrize(
    ("size", "expected"),
    [(300, 12), (301, 16), (500, 25), (501, 31), (800, 48), (801, 57)],
)
def test_it_sets_the_quota_by_community_size_with_every_household_occupied(size, expected):
    assert visit_quota(households=size, occupied=size) == expected


@pytest.mark.parametrize(
    ("size", "occupied", "expected"),
    [
        (300, 250, 10),  # 4% of 250 = 10 exactly: not rounded up to 11
        (300, 251, 11),  # 4% of 251 = 10.04 → 11
        (301, 200, 10),  # 5% of 200 = 10 exactly
        (500, 333, 17),  # 5% of 333 = 16.65 → 17
        (501, 301, 19),  # 6% of 301 = 18.06 → 19
        (800, 450, 27),  # 6% of 450 = 27 exactly
        (801, 1, 1),  # 7% of 1 = 0.07 → 1
        (801, 700, 49),  # 7% of 700 = 49 exactly
        (120, 0, 0),  # nobody lives there: nothing owed
        (0, 0, 0),
    ],
)
def test_it_takes_the_share_of_occupied_households_and_rounds_up(size, occupied, expected):
    assert visit_quota(households=size, occupied=occupied) == expected


@pytest.mark.parametrize(
    ("size", "percent"), [(1, 4), (300, 4), (301, 5), (500, 5), (501, 6), (800, 6), (801, 7), (5000, 7)]
)
def test_it_picks_the_band_by_households(size, percent):
    assert quota_percent(size) == percent


def test_it_counts_every_unit_as_a_household_and_only_owner_occupied_or_rented_as_occupied(clock, sam):
    community = sam.memberships.get().community
    # 301 households → the 5% band; 200 owner-occupied + 50 rented = 250 occupied; 51 vacant.
    households(community, 301, lived_in=200, rented=50)
    (line,) = selectors.quota_for_month(user=sam, communities=[community.pk], month=Month.current())
    assert (line.households, line.occupied, line.percent) == (301, 250, 5)
    assert line.quota == 13  # 5% of 250 = 12.5 → 13
    assert (line.visits, line.progress, line.remaining, line.is_met) == (0, 0, 13, False)


def test_it_computes_the_largest_band_from_the_register(clock, sam):
    community = sam.memberships.get().community
    households(community, 801, lived_in=701)  # 7% of 701 = 49.07 → 50
    (line,) = selectors.quota_for_month(user=sam, communities=[community.pk], month=Month.current())
    assert (line.households, line.occupied, line.quota) == (801, 701, 50)


def test_it_shows_progress_as_visits_counted_this_month(clock, sam, community_a):
    units = households(community_a, 100)  # 4% of 100 = 4
    for i, unit in enumerate(units[:3]):
        visit(sam, unit, visited_at=MORNING - (i + 1) * H)
    (line,) = selectors.quota_for_month(user=sam, communities=[community_a.pk], month=Month.current())
    assert (line.quota, line.visits, line.progress, line.remaining) == (4, 3, 75, 1)
    visit(sam, units[3])
    (line,) = selectors.quota_for_month(user=sam, communities=[community_a.pk], month=Month.current())
    assert (line.visits, line.progress, line.is_met) == (4, 100, True)


def test_it_counts_a_visit_in_the_month_of_its_shanghai_date(clock, sam, community_a):
    """R-TIME-2: 30 November 21:30 in Shanghai is 13:30 UTC and belongs to November."""
    units = households(community_a, 10)
    clock.move_to(at(1, 9, month=12))
    visit(sam, units[0], mode="home", visited_at=at(30, 21, 30), appointment_made_at=at(29, 10),
          appointment_with="业主本人")  # fmt: skip
    visit(sam, units[1], visited_at=at(1, 8, 30, month=12))
    november = selectors.quota_for_month(
        user=sam, communities=[community_a.pk], month=Month.of(at(1, 0).date())
    )
    december = selectors.quota_for_month(user=sam, communities=[community_a.pk], month=Month.current())
    assert (november[0].visits, december[0].visits) == (1, 1)


def test_it_does_not_count_a_refused_second_visit_or_a_call_back(clock, sam, community_a):
    units = households(community_a, 50)
    visit(sam, units[0])
    with pytest.raises(services.SurveyError):
        visit(sam, units[0], visited_at=MORNING - 2 * H)
    with pytest.raises(services.SurveyError):
        visit(sam, units[1], mode="phone", is_callback=True)
    (line,) = selectors.quota_for_month(user=sam, communities=[community_a.pk], month=Month.current())
    assert line.visits == 1


def test_it_keeps_the_quota_of_a_summarised_month_as_it_stood(clock, sam, community_a):
    units = households(community_a, 100)  # 4 owed in November
    clock.move_to(at(1, 0, 30, month=12))
    services.visit_summary_open(community_id=community_a.pk, month=Month.current().previous)
    UnitFactory.create_batch(3, building=units[0].building, entrance=5)  # three more households since
    november = Month.current().previous
    (line,) = selectors.quota_for_month(user=sam, communities=[community_a.pk], month=november)
    assert (line.households, line.quota, line.summary is not None) == (100, 4, True)
    (now,) = selectors.quota_for_month(user=sam, communities=[community_a.pk], month=Month.current())
    assert now.households == 103


def test_it_shows_only_the_communities_asked_for_and_visible(clock, sam, community_a, community_b):
    households(community_a, 10)
    lines = selectors.quota_for_month(user=sam, communities=None, month=Month.current())
    assert [line.community for line in lines] == [community_a]


@pytest.mark.parametrize("n", [1, 3])
def test_it_reads_the_quota_in_constant_queries(db, clock, django_assert_num_queries, n):
    from propsvc.roles import Role
    from tests.factories import MembershipFactory, UserFactory

    user = UserFactory(username="area")
    communities = [CommunityFactory(code=f"q{i}", name=f"小区{i}") for i in range(n)]
    for community in communities:
        MembershipFactory(user=user, community=community, role=Role.CS_MANAGER)
    for community in communities:
        unit = UnitFactory(building__community=community)
        services.visit_record(by=user, unit=unit, mode="office", topics=["security"], signature="signed",
                              visited_at=MORNING - H)  # fmt: skip
    fresh = get_user_model().objects.get(pk=user.pk)
    # memberships; communities with households and occupied; visits per community; the summaries
    with django_assert_num_queries(4):
        lines = selectors.quota_for_month(user=fresh, communities=None, month=Month.current())
    assert [line.visits for line in lines] == [1] * n
