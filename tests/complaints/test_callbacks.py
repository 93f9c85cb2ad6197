"""complaints.services: call-backs after the owner accepts the solution (R-CB-1 … R-CB-6)."""

import pytest

from complaints import services
from complaints.models import Callback, Complaint
from tests.complaints.conftest import (
    DAY,
    MORNING,
    SHANGHAI,
    H,
    at,
    deadline,
    deadlines,
    events,
    fresh,
    inbox,
    planned_callback,
    refused,
    resolve,
    to_accepted,
)

pytestmark = pytest.mark.usefixtures("clock")

SATISFIED = {"quality_rating": "satisfied", "effect_rating": "satisfied", "satisfaction": "satisfied"}
DISSATISFIED = {"quality_rating": "basic", "effect_rating": "dissatisfied", "satisfaction": "dissatisfied"}


@pytest.fixture
def accepted(register, pete, hank):
    """A general complaint whose solution the owner accepted at 10:00; call-back planned for the 26th."""
    complaint = register()
    to_accepted(complaint, handler=pete, head=hank)
    return fresh(complaint)


def record(callback, *, by, called_at=MORNING, ratings=SATISFIED, **extra):
    return services.callback_record(callback_id=callback.pk, by=by, called_at=called_at, **ratings, **extra)


def test_it_closes_the_complaint_when_the_owner_is_satisfied(accepted, pete, clock):
    """DOMAIN R-CB-3: the three ratings, shortcomings and suggestions are recorded."""
    callback = planned_callback(accepted)
    clock.move_to(at(26, 10, 30))
    record(
        callback, by=pete, called_at=at(26, 10, 15), ratings={**SATISFIED, "satisfaction": "basic"},
        shortcomings="维修耗时较长", suggestions="备足常用配件",
    )  # fmt: skip
    callback.refresh_from_db()
    assert callback.status == Callback.Status.DONE and callback.done_by == pete
    assert callback.done_at == at(26, 10, 15) and callback.satisfaction == "basic"
    assert (callback.shortcomings, callback.suggestions) == ("维修耗时较长", "备足常用配件")
    complaint = fresh(accepted)
    assert complaint.status == Complaint.Status.CLOSED and complaint.closed_at == at(26, 10, 30)
    assert deadline(complaint, services.KIND_CALLBACK).met_at == at(26, 10, 15)
    assert not deadlines(complaint).filter(met_at__isnull=True).exists()
    assert events(complaint)[-2:] == ["callback.done", "complaint.closed"]


def test_it_reopens_the_complaint_when_the_owner_is_not_satisfied(accepted, pete, hank, erin, clock):
    """DOMAIN R-CB-4: fixed at once or explained, someone assigned, the next call-back fixed."""
    callback = planned_callback(accepted)
    clock.move_to(at(26, 11))
    next_at = at(28, 15)
    record(callback, by=pete, ratings=DISSATISFIED, called_at=at(26, 10), assignee=erin,
           fix_note="加装减震垫", next_callback_at=next_at)  # fmt: skip
    callback.refresh_from_db()
    assert callback.status == Callback.Status.DONE and callback.satisfaction == "dissatisfied"
    complaint = fresh(accepted)
    assert complaint.status == Complaint.Status.PROCESSING
    assert complaint.reopen_count == 1 and complaint.assignee == erin
    assert complaint.result == "" and complaint.signed_off_by is None  # a new round
    new = planned_callback(complaint)
    assert new.pk != callback.pk and new.planned_at == next_at and new.assigned_to == pete
    assert deadlines(complaint, services.KIND_CALLBACK).get(met_at__isnull=True).due_at == next_at
    assert deadlines(complaint, services.KIND_PLAN).get(met_at__isnull=True).due_at == next_at
    assert events(complaint)[-3:] == ["callback.done", "complaint.reopened", "callback.planned"]
    assert any(complaint.number in t for t in inbox(erin))
    # the fix goes round again; the planned call-back is kept, not doubled
    resolve(complaint, by=erin)
    services.complaint_sign_off(complaint_id=complaint.pk, by=hank)
    services.complaint_owner_accepts(complaint_id=complaint.pk, by=pete)
    assert Callback.objects.filter(complaint=complaint, status=Callback.Status.PLANNED).get() == new
    clock.move_to(next_at)
    record(new, by=pete, called_at=next_at)
    assert fresh(complaint).status == Complaint.Status.CLOSED


@pytest.mark.parametrize(
    "missing",
    [
        {"assignee": None},
        {"fix_note": " "},
        {"next_callback_at": None},
        {"next_callback_at": MORNING - H},  # in the past
        {"next_callback_at": at(24, 22, 30)},  # R-CB-6
        {"next_callback_at": at(24, 7, 30)},
    ],
)
def test_it_refuses_a_dissatisfied_call_back_without_who_what_and_when(accepted, pete, erin, missing):
    fields = {"assignee": erin, "fix_note": "加装减震垫", "next_callback_at": at(24, 15)} | missing
    refused(lambda: record(planned_callback(accepted), by=pete, ratings=DISSATISFIED, **fields), accepted)


def test_it_refuses_incomplete_ratings_and_a_call_in_the_future(accepted, pete):
    callback = planned_callback(accepted)
    refused(lambda: record(callback, by=pete, ratings={**SATISFIED, "effect_rating": ""}), accepted)
    refused(lambda: record(callback, by=pete, ratings={**SATISFIED, "quality_rating": "great"}), accepted)
    refused(lambda: record(callback, by=pete, called_at=MORNING + H), accepted)


def test_it_refuses_a_call_back_at_half_past_ten_at_night(accepted, pete, clock):
    """DOMAIN R-CB-6: no call after 22:00 (or before 08:00), recorded or planned."""
    callback = planned_callback(accepted)
    clock.move_to(at(25, 23))
    for called_at in (at(25, 22, 30), at(25, 7, 59)):
        refused(lambda c=called_at: record(callback, by=pete, called_at=c), accepted, match="22:00")
    for planned_at in (at(26, 22, 30), at(26, 7, 0), at(26, 23, 59)):
        refused(
            lambda p=planned_at: services.callback_reschedule(callback_id=callback.pk, by=pete, planned_at=p),
            accepted,
            match="22:00",
        )
    record(callback, by=pete, called_at=at(25, 22, 0))  # 22:00 itself is still allowed
    assert fresh(accepted).status == Complaint.Status.CLOSED


def test_it_reschedules_a_call_back_the_owner_asked_to_move(accepted, pete):
    callback = planned_callback(accepted)
    refused(
        lambda: services.callback_reschedule(callback_id=callback.pk, by=pete, planned_at=MORNING - H),
        accepted,
    )
    services.callback_reschedule(callback_id=callback.pk, by=pete, planned_at=at(27, 19, 30))
    callback.refresh_from_db()
    assert callback.planned_at == at(27, 19, 30)
    row = deadline(accepted, services.KIND_CALLBACK)
    assert row.due_at == at(27, 19, 30) and row.warn_at == at(27, 17, 30)
    assert events(accepted)[-1] == "callback.rescheduled"


def test_it_tries_an_unreachable_owner_the_next_day_and_gives_up_after_three(accepted, pete, clock):
    callback = planned_callback(accepted)
    for attempt, (day, hour, minute) in enumerate([(26, 10, 0), (27, 21, 45)], start=1):
        clock.move_to(at(day, hour, minute))
        services.callback_unreachable(callback_id=callback.pk, by=pete, attempted_at=at(day, hour, minute))
        callback.refresh_from_db()
        assert callback.attempts == attempt and callback.status == Callback.Status.PLANNED
        retry = callback.planned_at.astimezone(SHANGHAI)
        assert retry == at(day, hour, minute) + DAY  # the next day, within the calling hours
        assert services.within_call_hours(retry)
        assert deadline(accepted, services.KIND_CALLBACK).due_at == retry
        assert fresh(accepted).status == Complaint.Status.ACCEPTED
    clock.move_to(at(28, 21, 50))
    services.callback_unreachable(callback_id=callback.pk, by=pete, attempted_at=at(28, 21, 45), note="关机")
    callback.refresh_from_db()
    assert callback.status == Callback.Status.UNREACHABLE and callback.attempts == 3
    assert callback.done_at == at(28, 21, 45)
    complaint = fresh(accepted)
    assert complaint.status == Complaint.Status.CLOSED
    assert not deadlines(complaint).filter(met_at__isnull=True).exists()
    assert events(complaint).count("callback.unreachable_attempt") == 2
    assert events(complaint)[-2:] == ["callback.unreachable", "complaint.closed"]
    refused(lambda: record(callback, by=pete, called_at=at(28, 21, 50)), complaint)


def test_it_refuses_an_attempt_outside_the_calling_hours(accepted, pete, clock):
    callback = planned_callback(accepted)
    clock.move_to(at(26, 23))
    refused(
        lambda: services.callback_unreachable(callback_id=callback.pk, by=pete, attempted_at=at(26, 22, 30)),
        accepted,
    )


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [("pete", True), ("alice", True), ("sam", True), ("mona", True), ("bob", False), ("carol", False),
     ("erin", False), ("hank", False), ("leo", False), ("quinn", False), ("pia", False)],
)  # fmt: skip
def test_it_lets_the_customer_service_center_call_back(request, accepted, actor, allowed):
    """DOMAIN R-CB-1: the customer service center calls back."""
    user = request.getfixturevalue(actor)
    callback = planned_callback(accepted)
    if allowed:
        record(callback, by=user)
        assert fresh(accepted).status == Complaint.Status.CLOSED
    else:
        refused(lambda: record(callback, by=user), accepted)
        refused(
            lambda: services.callback_unreachable(callback_id=callback.pk, by=user, attempted_at=MORNING),
            accepted,
        )


def test_it_gives_the_call_back_on_a_major_complaint_to_the_center_manager(register, mona, pete, alice, hank):
    """DOMAIN R-CB-1: the CS center manager calls back on a major complaint."""
    complaint = register(severity="major")
    to_accepted(complaint, handler=mona, head=hank)
    callback = planned_callback(complaint)
    assert callback.assigned_to == mona
    for user in (pete, alice):
        refused(lambda u=user: record(callback, by=u), complaint)
    record(callback, by=mona)
    assert fresh(complaint).status == Complaint.Status.CLOSED


def test_it_gives_the_call_back_to_the_property_supervisor_when_the_manager_handled_it(
    register, mona, pete, hank
):
    complaint = register()
    to_accepted(complaint, handler=mona, head=hank)
    assert planned_callback(complaint).assigned_to == pete


def test_it_refuses_a_call_back_before_the_owner_accepts_the_fix(accepted, pete, erin):
    callback = planned_callback(accepted)
    record(
        callback,
        by=pete,
        ratings=DISSATISFIED,
        assignee=erin,
        fix_note="加装减震垫",
        next_callback_at=at(24, 15),
    )
    complaint = fresh(accepted)  # reopened: the new call-back waits until the fix is accepted
    new = planned_callback(complaint)
    refused(lambda: record(new, by=pete), complaint)
    refused(
        lambda: services.callback_unreachable(callback_id=new.pk, by=pete, attempted_at=MORNING), complaint
    )
    refused(lambda: record(callback, by=pete), complaint)  # the first one is already recorded
