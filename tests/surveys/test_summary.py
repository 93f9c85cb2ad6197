"""The monthly visit summary (R-VIS-4): opened once per community and month with the month's visits,
due by 24:00 on the 5th in the ledger, prepared by the CS supervisor, decided suggestion by
suggestion and submitted by the service center head (the CS center manager) — which meets the
deadline and passes what is beyond the center to the company complaint center (the quality
department)."""

import pytest
from django.utils import translation

from propsvc.models import Deadline, Department, Notification
from propsvc.roles import Role
from propsvc.services import deadline_sweep
from surveys import services, tasks
from surveys.models import Month, Suggestion, Visit, VisitSummary
from tests.conftest import _member
from tests.factories import CommunityFactory, DepartmentFactory
from tests.surveys.conftest import at, home_visit, visit

NOVEMBER = Month.of(at(1, 0).date())
AFTER = at(1, 0, 30, month=12)  # beat's run on the 1st of December


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def november(clock, sam, unit_a, unit_a2, unit_b, cora, owner_a):
    """Three November visits in A (two with opinions) and one in B; then it is 1 December."""
    visit(sam, unit_a, visited_at=at(3, 10), opinions="希望增设快递柜")
    home_visit(sam, unit_a2, at(10, 15), opinions="儿童滑梯破损，尽快维修")
    from tests.factories import UnitFactory

    visit(sam, UnitFactory(building=unit_a.building, room="0101"), mode="phone", visited_at=at(12, 19))
    visit(cora, unit_b, visited_at=at(4, 11), opinions="东门晚上外来车辆多")
    clock.move_to(AFTER)


@pytest.fixture
def summary(november, community_a, mona):
    opened, _created = services.visit_summary_open(community_id=community_a.pk, month=NOVEMBER)
    return opened


def _decide_all(summary, by, decision=Suggestion.Decision.ADOPTED):
    for suggestion in summary.suggestions.all():
        services.suggestion_decide(
            summary_id=summary.pk, suggestion_id=suggestion.pk, by=by, decision=decision
        )


def _prepare(summary, by):
    return services.visit_summary_prepare(summary_id=summary.pk, by=by, overview="本月业户主要关注设施维修。")


# -- opening ---------------------------------------------------------------------------------------------


def test_it_opens_one_summary_per_community_and_month(november, community_a, community_b, sam, cora):
    opened = tasks.open_visit_summaries()
    assert opened == 2
    assert tasks.open_visit_summaries() == 0  # a rerun (or the next day's run) opens nothing
    again, created = services.visit_summary_open(community_id=community_a.pk, month=NOVEMBER)
    assert created is False
    assert VisitSummary.objects.count() == 2
    rows = Deadline.objects.filter(kind=services.KIND_SUMMARY)
    assert sorted(rows.values_list("community_id", flat=True)) == sorted([community_a.pk, community_b.pk])
    assert again.month == NOVEMBER.first


def test_it_is_due_by_24_00_on_the_5th_with_the_supervisor_responsible(summary, sam, community_a):
    (row,) = Deadline.objects.filter(kind=services.KIND_SUMMARY)
    assert row.case == summary and row.community_id == community_a.pk
    assert row.due_at == at(6, 0, month=12)  # 24:00 on 5 December (R-TIME-1)
    assert summary.due_day == at(5, 0, month=12).date()  # what the page shows: "by 24:00 on 2026-12-05"
    assert row.warn_at == at(4, 9, month=12)  # the reminder at 09:00 on the 4th
    assert row.responsible_user == sam and row.escalate_role == Role.CS_MANAGER
    assert row.link == f"/surveys/summaries/{summary.pk}/"
    assert Notification.objects.filter(recipient=sam, link=row.link).exists()


def test_it_prefills_the_suggestions_from_the_month_s_visits(summary, community_a):
    assert (summary.households, summary.occupied, summary.quota) == (3, 3, 1)  # 4% of 3 → 1
    texts = list(summary.suggestions.values_list("text", "decision"))
    assert texts == [
        ("希望增设快递柜", "pending"),
        ("儿童滑梯破损，尽快维修", "pending"),
    ]  # not the phone visit
    assert summary.status == VisitSummary.Status.DRAFT
    assert summary.events.get().kind == "summary.opened"


def test_it_gives_the_customer_service_department_the_row_without_a_supervisor(clock, community_a, unit_a):
    department = DepartmentFactory(community=community_a, kind=Department.Kind.CUSTOMER_SERVICE)
    clock.move_to(AFTER)
    opened, _ = services.visit_summary_open(community_id=community_a.pk, month=NOVEMBER)
    row = Deadline.objects.get(kind=services.KIND_SUMMARY)
    assert (row.responsible_user, row.responsible_department) == (None, department)
    assert opened.suggestions.count() == 0


def test_it_does_not_open_a_month_that_is_not_over(clock, community_a):
    with pytest.raises(services.SurveyError, match="once the month is over"):
        services.visit_summary_open(community_id=community_a.pk, month=Month.current())
    assert not VisitSummary.objects.exists()


def test_it_skips_a_community_that_did_not_exist_that_month(clock, community_a):
    clock.move_to(AFTER)
    CommunityFactory(code="new", name="新小区")  # created on 1 December
    opened = services.visit_summaries_open()
    assert [s.community_id for s in opened] == [community_a.pk]


def test_it_adds_a_visit_recorded_late_to_the_open_summary(summary, sam, community_a):
    from tests.factories import UnitFactory

    unit = UnitFactory(building__community=community_a, room="0808")
    late = visit(
        sam, unit, visited_at=at(30, 20), opinions="垃圾清运不及时"
    )  # 30 November, recorded on the 1st
    assert summary.suggestions.filter(visit=late, text="垃圾清运不及时").exists()
    assert summary.events.filter(kind="summary.suggestion_added").exists()


# -- preparing and deciding ------------------------------------------------------------------------------


def test_it_is_prepared_by_the_supervisor_and_handed_to_the_head(summary, sam, mona):
    prepared = _prepare(summary, sam)
    assert (prepared.status, prepared.prepared_by, prepared.overview) == (
        "prepared",
        sam,
        "本月业户主要关注设施维修。",
    )
    assert Notification.objects.filter(recipient=mona, link=summary.get_absolute_url()).exists()
    again = services.visit_summary_prepare(summary_id=summary.pk, by=sam, overview="改写后的小结")
    assert again.overview == "改写后的小结"
    assert Notification.objects.filter(recipient=mona).count() == 1  # told once


def test_it_needs_the_supervisor_s_words(summary, sam):
    with pytest.raises(services.SurveyError, match="Write the summary"):
        services.visit_summary_prepare(summary_id=summary.pk, by=sam, overview="  ")


@pytest.mark.parametrize("who", ["alice", "pete", "quinn", "cora"])
def test_it_refuses_others_to_prepare(summary, request, who):
    with pytest.raises(services.SurveyError, match="Only the customer service supervisor"):
        _prepare(summary, request.getfixturevalue(who))


@pytest.mark.parametrize("decision", ["adopted", "passed"])
def test_it_lets_the_cs_manager_decide(summary, mona, decision):
    suggestion = summary.suggestions.first()
    decided = services.suggestion_decide(
        summary_id=summary.pk, suggestion_id=suggestion.pk, by=mona, decision=decision, note=" 下周落实 "
    )
    assert (decided.decision, decided.decided_by, decided.note) == (decision, mona, "下周落实")
    assert decided.decided_at == AFTER


@pytest.mark.parametrize("who", ["sam", "pete", "alice", "quinn", "leo", "mike", "cora"])
def test_it_lets_only_the_cs_manager_decide(summary, request, who):
    suggestion = summary.suggestions.first()
    with pytest.raises(services.SurveyError, match=r"Only the service center head \(the CS center manager\)"):
        services.suggestion_decide(
            summary_id=summary.pk, suggestion_id=suggestion.pk, by=request.getfixturevalue(who),
            decision="adopted",
        )  # fmt: skip
    suggestion.refresh_from_db()
    assert suggestion.decision == "pending" and suggestion.decided_by is None


def test_it_offers_only_adopting_or_passing(summary, mona):
    suggestion = summary.suggestions.first()
    with pytest.raises(services.SurveyError, match="Adopt the suggestion, or pass it"):
        services.suggestion_decide(
            summary_id=summary.pk, suggestion_id=suggestion.pk, by=mona, decision="pending"
        )


def test_it_refuses_a_suggestion_of_another_summary(summary, mona, community_b, mike):
    other, _ = services.visit_summary_open(community_id=community_b.pk, month=NOVEMBER)
    with pytest.raises(services.SurveyError, match="does not belong"):
        services.suggestion_decide(
            summary_id=summary.pk, suggestion_id=other.suggestions.get().pk, by=mona, decision="adopted"
        )


# -- submitting ------------------------------------------------------------------------------------------


def test_it_meets_the_deadline_on_submission(summary, sam, mona):
    _prepare(summary, sam)
    _decide_all(summary, mona)
    submitted = services.visit_summary_submit(summary_id=summary.pk, by=mona)
    assert (submitted.status, submitted.submitted_by, submitted.submitted_at) == ("submitted", mona, AFTER)
    assert submitted.visit_count == 3
    row = Deadline.objects.get(kind=services.KIND_SUMMARY)
    assert (row.met_at, row.met_by, row.met_late) == (AFTER, mona, False)
    assert list(summary.events.values_list("kind", flat=True)) == [
        "summary.opened", "summary.prepared", "summary.suggestion_decided", "summary.suggestion_decided",
        "summary.submitted",
    ]  # fmt: skip


def test_it_passes_suggestions_to_the_company_complaint_center(summary, sam, mona, quinn, leo):
    _prepare(summary, sam)
    first, second = summary.suggestions.all()
    services.suggestion_decide(summary_id=summary.pk, suggestion_id=first.pk, by=mona, decision="adopted")
    services.suggestion_decide(summary_id=summary.pk, suggestion_id=second.pk, by=mona, decision="passed")
    services.visit_summary_submit(summary_id=summary.pk, by=mona)
    (told,) = Notification.objects.filter(recipient=quinn)
    assert (
        told.text
        == "阳光花园 passes 1 owner suggestion from the visits of 2026-11 to the company complaint center."
    )
    assert told.link == summary.get_absolute_url() and told.email_pending is (bool(quinn.email))
    assert not Notification.objects.filter(recipient=leo).exists()


def test_it_tells_the_quality_department_nothing_when_all_is_adopted(summary, sam, mona, quinn):
    _prepare(summary, sam)
    _decide_all(summary, mona)
    services.visit_summary_submit(summary_id=summary.pk, by=mona)
    assert not Notification.objects.filter(recipient=quinn).exists()


def test_it_is_submitted_only_once_prepared(summary, mona):
    _decide_all(summary, mona)
    with pytest.raises(services.SurveyError, match="has not handed the summary over yet"):
        services.visit_summary_submit(summary_id=summary.pk, by=mona)


def test_it_is_submitted_only_when_every_suggestion_is_decided(summary, sam, mona):
    _prepare(summary, sam)
    first = summary.suggestions.first()
    services.suggestion_decide(summary_id=summary.pk, suggestion_id=first.pk, by=mona, decision="adopted")
    with pytest.raises(services.SurveyError, match="1 suggestion still awaits your decision"):
        services.visit_summary_submit(summary_id=summary.pk, by=mona)
    assert Deadline.objects.get(kind=services.KIND_SUMMARY).met_at is None


@pytest.mark.parametrize("who", ["sam", "pete", "mike", "quinn"])
def test_it_lets_only_the_cs_manager_submit(summary, sam, mona, request, who):
    _prepare(summary, sam)
    _decide_all(summary, mona)
    with pytest.raises(services.SurveyError, match="Only the service center head"):
        services.visit_summary_submit(summary_id=summary.pk, by=request.getfixturevalue(who))


def test_it_freezes_a_submitted_summary_and_its_month(summary, sam, mona, community_a):
    _prepare(summary, sam)
    _decide_all(summary, mona)
    services.visit_summary_submit(summary_id=summary.pk, by=mona)
    with pytest.raises(services.SurveyError, match="can no longer be changed"):
        services.suggestion_decide(
            summary_id=summary.pk, suggestion_id=summary.suggestions.first().pk, by=mona, decision="passed"
        )
    with pytest.raises(services.SurveyError, match="cannot become"):
        services.visit_summary_submit(summary_id=summary.pk, by=mona)
    with pytest.raises(services.SurveyError, match="cannot become"):
        _prepare(summary, sam)
    from tests.factories import UnitFactory

    with pytest.raises(services.SurveyError, match="visits of that month can no longer be recorded"):
        visit(sam, UnitFactory(building__community=community_a, room="0909"), visited_at=at(30, 10))
    assert Visit.objects.filter(community=community_a).count() == 3


# -- the ledger's reminders ------------------------------------------------------------------------------


def test_it_reminds_the_supervisor_and_escalates_to_the_cs_manager(summary, sam, mona, mike):
    _member("sara", summary.community, Role.CS_SUPERVISOR)  # a second supervisor is not the one responsible
    Notification.objects.all().delete()
    assert deadline_sweep(now=at(4, 9, 1, month=12))["warned"] == 1
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["sam"]
    counts = deadline_sweep(now=at(6, 0, 1, month=12))
    assert (counts["breached"], counts["escalated"]) == (1, 1)
    escalated = Notification.objects.get(recipient=mona)
    assert "Monthly visit summary 2026-11 · 阳光花园" in escalated.text  # the sweep writes in zh-hans
    assert not Notification.objects.filter(recipient=mike).exists()


def test_it_sends_no_reminder_once_submitted(summary, sam, mona):
    _prepare(summary, sam)
    _decide_all(summary, mona)
    services.visit_summary_submit(summary_id=summary.pk, by=mona)
    counts = deadline_sweep(now=at(6, 0, 1, month=12))
    assert (counts["warned"], counts["breached"]) == (0, 0)
