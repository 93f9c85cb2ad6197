"""Recording a visit (R-VIS-1 … R-VIS-3, R-VIS-5, R-CB-6): once a month per household, never a
call-back, home visits by appointment and in the day; every refusal writes nothing."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from surveys import services
from surveys.models import Month, Visit, VisitEvent
from tests.factories import UnitFactory
from tests.surveys.conftest import DAY, MORNING, H, at, home_visit, visit


@pytest.fixture(autouse=True)
def _english():
    # Messages are asserted in the msgid language (the lead translates them).
    with translation.override("en"):
        yield


def _nothing_written():
    return Visit.objects.count() == 0 and VisitEvent.objects.count() == 0


def test_it_records_a_visit_with_the_household_and_its_owner(clock, sam, unit_a, owner_a):
    recorded = visit(
        sam, unit_a, topics=["repair_timeliness", "security", "security"], opinions="  报修响应太慢  "
    )
    recorded.refresh_from_db()
    assert recorded.community_id == unit_a.community_id and recorded.owner == owner_a
    assert recorded.month == MORNING.date().replace(day=1)
    assert recorded.topics == ["security", "repair_timeliness"]  # each once, in the R-VIS-5 order
    assert recorded.opinions == "报修响应太慢"
    assert (recorded.visited_by, recorded.signature, recorded.number) == (
        sam,
        "signed",
        f"ZF{recorded.pk:06d}",
    )
    assert list(VisitEvent.objects.values_list("kind", "visit", "actor")) == [
        ("visit.recorded", recorded.pk, sam.pk)
    ]


def test_it_records_a_refused_signature(clock, sam, unit_a):
    assert visit(sam, unit_a, signature="refused").get_signature_display() == "Signature refused"


# -- once a month per household (R-VIS-1) --------------------------------------------------------------


def test_it_refuses_a_second_visit_to_the_household_in_the_same_month(clock, sam, pete, unit_a):
    first = visit(sam, unit_a, visited_at=at(3, 10))
    with pytest.raises(services.SurveyError) as refused:
        home_visit(pete, unit_a, MORNING - H)
    message = str(refused.value)
    assert "3栋2单元1101室 was already visited in 2026-11 (11-03" in message
    assert first.number in message and "does not count towards the quota" in message
    assert Visit.objects.count() == 1


def test_it_refuses_it_whatever_the_mode_and_on_the_last_minute_of_the_month(clock, sam, unit_a):
    clock.move_to(at(1, 9, month=12))
    visit(sam, unit_a, visited_at=at(1, 9))  # 1 November
    with pytest.raises(services.SurveyError):
        visit(sam, unit_a, mode="outdoors", visited_at=at(30, 23, 59))  # still November in Shanghai
    assert Visit.objects.count() == 1


def test_it_allows_the_household_again_the_next_month(clock, sam, unit_a):
    visit(sam, unit_a, visited_at=at(5, 10))
    clock.move_to(at(2, 10, month=12))
    again = home_visit(sam, unit_a, at(2, 9, month=12))
    assert again.month == at(1, 0, month=12).date()
    assert Visit.objects.filter(unit=unit_a).count() == 2


def test_it_allows_other_households_of_the_community(clock, sam, unit_a, unit_a2):
    visit(sam, unit_a)
    visit(sam, unit_a2)
    assert Visit.objects.count() == 2


def test_it_keeps_the_rule_in_the_database_too(clock, sam, unit_a):
    first = visit(sam, unit_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Visit.objects.create(
            community_id=first.community_id, unit=unit_a, month=first.month, mode="office", topics=["other"],
            signature="signed", visited_at=first.visited_at - H, visited_by=sam,
        )  # fmt: skip


# -- a call-back is not a visit ----------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["phone", "home", "office"])
def test_it_refuses_a_call_back_and_counts_nothing(clock, sam, unit_a, mode):
    with pytest.raises(services.SurveyError) as refused:
        visit(sam, unit_a, mode=mode, is_callback=True, appointment_made_at=MORNING - DAY,
              appointment_with="业主本人")  # fmt: skip
    assert "A call-back is not an owner visit" in str(refused.value)
    assert "does not count towards the monthly visit quota" in str(refused.value)
    assert _nothing_written()


# -- home visits: by appointment, in the day (R-VIS-3, R-CB-6) ---------------------------------------------


@pytest.mark.parametrize(("hour", "minute"), [(22, 30), (7, 30), (22, 0), (23, 59), (0, 0)])
def test_it_refuses_a_home_visit_at_night(clock, sam, unit_a, hour, minute):
    with pytest.raises(services.SurveyError) as refused:
        home_visit(sam, unit_a, at(20, hour, minute))
    assert f"No home visit at {hour:02d}:{minute:02d}" in str(refused.value)
    assert "from 08:00 until 22:00, never at night" in str(refused.value)
    assert _nothing_written()


@pytest.mark.parametrize(("hour", "minute"), [(8, 0), (21, 59), (12, 0)])
def test_it_accepts_a_home_visit_in_the_day(clock, sam, unit_a, hour, minute):
    recorded = home_visit(sam, unit_a, at(20, hour, minute))
    assert recorded.appointment_made_at == at(19, hour, minute)
    assert recorded.appointment_with == "业主本人，电话预约"


def test_it_refuses_a_phone_visit_at_night_too(clock, sam, unit_a):
    """R-CB-6: no call after 22:00 either."""
    with pytest.raises(services.SurveyError, match="No call at 22:30"):
        visit(sam, unit_a, mode="phone", visited_at=at(20, 22, 30))
    assert visit(sam, unit_a, mode="phone", visited_at=at(20, 21, 59)).mode == "phone"


@pytest.mark.parametrize(
    "appointment",
    [
        {"appointment_made_at": None, "appointment_with": ""},
        {"appointment_made_at": None, "appointment_with": "业主本人"},
        {"appointment_made_at": MORNING - DAY, "appointment_with": "   "},
    ],
)
def test_it_refuses_a_home_visit_without_an_appointment(clock, sam, unit_a, appointment):
    with pytest.raises(services.SurveyError, match="A home visit is made by appointment"):
        visit(sam, unit_a, mode="home", **appointment)
    assert _nothing_written()


def test_it_refuses_an_appointment_made_after_the_visit(clock, sam, unit_a):
    with pytest.raises(services.SurveyError, match="must have been made before the visit"):
        home_visit(sam, unit_a, MORNING - 2 * H, appointment_made_at=MORNING - H)
    with pytest.raises(services.SurveyError, match="must have been made before the visit"):
        home_visit(sam, unit_a, MORNING - 2 * H, appointment_made_at=MORNING - 2 * H)


# -- what is recorded ------------------------------------------------------------------------------------


def test_it_asks_for_the_signature_in_person_and_not_by_phone(clock, sam, unit_a, unit_a2):
    with pytest.raises(services.SurveyError, match="signed the visit record or refused"):
        visit(sam, unit_a, signature="")
    by_phone = visit(sam, unit_a2, mode="phone", signature="signed")
    assert by_phone.signature == ""  # nobody signs over the phone


@pytest.mark.parametrize("topics", [[], ["weather"], ["cleaning", "weather"]])
def test_it_needs_known_topics(clock, sam, unit_a, topics):
    with pytest.raises(services.SurveyError, match="at least one topic"):
        visit(sam, unit_a, topics=topics)


def test_it_refuses_an_unknown_mode(clock, sam, unit_a):
    with pytest.raises(services.SurveyError, match="how the household was visited"):
        visit(sam, unit_a, mode="callback")


def test_it_refuses_a_visit_in_the_future(clock, sam, unit_a):
    with pytest.raises(services.SurveyError, match="cannot be in the future"):
        visit(sam, unit_a, visited_at=MORNING + H)


def test_it_refuses_a_visit_older_than_last_month(clock, sam, unit_a):
    with pytest.raises(services.SurveyError, match="this month or of last month"):
        visit(sam, unit_a, visited_at=at(30, 10, month=9))
    assert visit(sam, unit_a, visited_at=at(30, 10, month=10)).month == Month.current().previous.first


# -- who records -----------------------------------------------------------------------------------------


def test_it_lets_the_cs_manager_and_the_property_supervisor_visit_too(clock, mona, pete, unit_a, unit_a2):
    assert visit(mona, unit_a).visited_by == mona
    assert visit(pete, unit_a2).visited_by == pete


def test_it_refuses_staff_without_the_permission(clock, alice, unit_a):
    with pytest.raises(services.SurveyError, match="You may not record owner visits in 阳光花园"):
        visit(alice, unit_a)
    assert _nothing_written()


def test_it_refuses_a_household_of_another_community(clock, cora, unit_a, unit_b):
    with pytest.raises(services.SurveyError, match="阳光花园"):
        visit(cora, unit_a)
    assert visit(cora, unit_b).community_id == unit_b.community_id


def test_it_takes_no_owner_when_none_is_registered(clock, sam, community_a):
    unit = UnitFactory(building__community=community_a)
    assert visit(sam, unit).owner is None
