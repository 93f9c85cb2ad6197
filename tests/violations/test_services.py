"""The violation services (DOMAIN.md R-VIO-1 … R-VIO-9, R-TIME-1): who may do what, from which status,
with which facts, and what each step writes — the measure, the timeline, the ledger deadlines, the
notifications. A refused step raises ViolationError and writes nothing (STYLE.md 2, 3).

Actors (tests/violations/conftest.py): stella — area steward A; pete — property supervisor A;
mona — CS center manager A; leo — leadership; sam — CS supervisor A; alice — receptionist A;
erin — engineering staff A; pia — property supervisor B; mike — CS center manager B; bob — no role;
carol — receptionist B; quinn — quality (company level).
"""

import random
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext

from propsvc.models import Deadline, Notification
from propsvc.services import deadline_sweep
from tests.violations.conftest import DAY, MORNING, SHANGHAI, H, image_bytes, persuade, photo, register
from violations import selectors, services
from violations.models import FollowUp, Measure, Notice, Photo, Violation, ViolationEvent
from violations.services import ViolationError

S = Violation.Status
MINUTE = timedelta(minutes=1)
TODAY = MORNING.date()  # Monday 23 November 2026
DUE = TODAY + 3 * DAY  # Thursday: the deadline runs to 24:00 that day (R-TIME-1)


# -- reading what was written ------------------------------------------------------------------------


def fresh(violation: Violation) -> Violation:
    return Violation.objects.get(pk=violation.pk)


def events(violation: Violation) -> list[str]:
    return list(ViolationEvent.objects.filter(violation=violation).values_list("kind", flat=True))


def deadlines(violation: Violation, kind: str | None = None):
    content_type = ContentType.objects.get_for_model(Violation)
    qs = Deadline.objects.filter(content_type=content_type, object_id=violation.pk).order_by("pk")
    return qs.filter(kind=kind) if kind else qs


def deadline(violation: Violation, kind: str) -> Deadline:
    return deadlines(violation, kind).get()


def texts(msgid: str) -> str:
    """The translated text of a message up to its first placeholder (what notifications start with)."""
    with translation.override(settings.LANGUAGE_CODE):
        return gettext(msgid).split("%(")[0]


DUE_SOON = "Due soon: %(title)s — by %(due)s"
OVERDUE = "Overdue: %(title)s — was due %(due)s"
ESCALATION = "Escalation: %(title)s is overdue (due %(due)s); responsible: %(who)s"


def inbox(user, msgid: str | None = None) -> list[str]:
    rows = Notification.objects.filter(recipient=user).order_by("pk").values_list("text", flat=True)
    return [t for t in rows if msgid is None or t.startswith(texts(msgid))]


def said(msgid: str, **values) -> str:
    """A regex matching the error message exactly as the service words it (in the active language)."""
    text = gettext(msgid)
    return re.escape(text % values if values else text)


def media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _snapshot():
    return {
        "violations": list(Violation.objects.order_by("pk").values()),
        "measures": list(Measure.objects.order_by("pk").values()),
        "events": list(ViolationEvent.objects.order_by("pk").values_list("pk", "kind")),
        "deadlines": list(Deadline.objects.order_by("pk").values()),
        "notifications": list(Notification.objects.order_by("pk").values_list("pk", "recipient", "text")),
        "notices": list(Notice.objects.order_by("pk").values_list("pk", "kind", "measure")),
        "follow_ups": list(FollowUp.objects.order_by("pk").values_list("pk", "violation")),
        "photos": list(Photo.objects.order_by("pk").values_list("pk", "file")),
        "files": media_files(),
    }


def refused(action, match: str | None = None) -> ViolationError:
    """The action raises ViolationError and writes nothing: violations, measures, the timeline, the
    ledger, notifications, notices, follow-ups, photos and the files on disk are exactly as before."""
    before = _snapshot()
    with pytest.raises(ViolationError, match=match) as exc:
        action()
    assert _snapshot() == before
    return exc.value


# -- the steps, through the services -----------------------------------------------------------------


@pytest.fixture
def steps(stella, pete, mona, sam):
    """Each step of a case, taken by the person whose job it is (R-VIO-5, R-VIO-6)."""
    return {
        "persuade": lambda v: persuade(v, stella),  # the owner refused (R-VIO-4: criticism may follow)
        "rectify": lambda v: services.violation_set_rectification(
            violation_id=v.pk, by=pete, requirement="清理楼道内堆放的纸箱", due_date=DUE
        ),
        "rectified": lambda v: services.violation_reinspect(
            violation_id=v.pk, by=stella, rectified=True, note="纸箱已清理"
        ),
        "not_rectified": lambda v: services.violation_reinspect(
            violation_id=v.pk, by=stella, rectified=False, note="纸箱仍在楼道"
        ),
        "propose": lambda v: services.violation_propose_penalty(
            violation_id=v.pk, by=pete, kind=Measure.Kind.CRITICISM, basis="《管理规约》第十二条"
        ),
        "sign": lambda v: services.violation_sign_penalty(violation_id=v.pk, by=mona, note="同意通报"),
        "refuse": lambda v: services.violation_refuse_penalty(violation_id=v.pk, by=mona, note="再劝导一次"),
        "publish": lambda v: services.violation_publish_criticism(
            violation_id=v.pk, by=pete, published_on=TODAY, where="3栋大堂公告栏"
        ),
        "follow_up": lambda v: services.violation_follow_up(
            violation_id=v.pk, by=sam, method="phone", at=MORNING, attitude="业主表示理解"
        ),
        "close": lambda v: services.violation_close(violation_id=v.pk, by=pete, note="业主已停止违章"),
    }


def take(steps, violation, *names):
    for name in names:
        steps[name](violation)
    return fresh(violation)


# How to bring a general violation to each status. Every path starts with the persuasion (R-VIO-1),
# so a step refused below is refused for its status, not for a missing persuasion.
PATHS = {
    S.OPEN: ["persuade"],
    S.RECTIFYING: ["persuade", "rectify"],
    S.NOT_RECTIFIED: ["persuade", "rectify", "not_rectified"],
    S.PENALTY_PROPOSED: ["persuade", "propose"],
    S.PENALTY_EFFECTIVE: ["persuade", "propose", "sign", "publish", "follow_up"],
    S.CLOSED: ["persuade", "close"],
}

# The steps allowed from each status and where they lead (Violation.NEXT); persuasion leaves the
# status as it is (R-VIO-4). Closing a running rectification is the re-inspection's job.
ALLOWED = {
    S.OPEN: {"persuade": S.OPEN, "rectify": S.RECTIFYING, "propose": S.PENALTY_PROPOSED, "close": S.CLOSED},
    S.RECTIFYING: {"persuade": S.RECTIFYING, "rectified": S.CLOSED, "not_rectified": S.NOT_RECTIFIED},
    S.NOT_RECTIFIED: {"persuade": S.NOT_RECTIFIED, "rectify": S.RECTIFYING, "propose": S.PENALTY_PROPOSED},
    S.PENALTY_PROPOSED: {"persuade": S.PENALTY_PROPOSED, "sign": S.PENALTY_EFFECTIVE, "refuse": S.OPEN},
    S.PENALTY_EFFECTIVE: {"persuade": S.PENALTY_EFFECTIVE, "propose": S.PENALTY_PROPOSED, "close": S.CLOSED},
    S.CLOSED: {},
}
# NEXT targets reached from another path: a refused penalty goes back to NOT_RECTIFIED when it was
# proposed from there (test_it_returns_a_refused_penalty_to_where_it_was).
# Moves the general case of the table does not take: a refusal from "not rectified", and a major case
# found rectified by a steward, which goes back to the superiors to close
# (test_it_hands_a_rectified_major_case_back_to_the_superiors).
ELSEWHERE = {S.PENALTY_PROPOSED: {S.NOT_RECTIFIED}, S.RECTIFYING: {S.OPEN}}
TABLE_STEPS = ["persuade", "rectify", "rectified", "not_rectified", "propose", "sign", "refuse", "close"]


def test_it_declares_every_status_and_the_same_moves_as_the_model():
    assert set(PATHS) == set(ALLOWED) == set(S) == set(Violation.NEXT)
    for status, allowed in ALLOWED.items():
        moves = {to for to in allowed.values() if to != status}
        assert moves | ELSEWHERE.get(status, set()) == Violation.NEXT[status]


@pytest.mark.parametrize(("status", "step"), [(s, step) for s in S for step in TABLE_STEPS])
def test_it_takes_only_the_allowed_steps_from_each_status(general_case, steps, status, step):
    violation = take(steps, general_case, *PATHS[status])
    assert violation.status == status
    if step in ALLOWED[status]:
        steps[step](violation)
        assert fresh(violation).status == ALLOWED[status][step]
    else:
        refused(lambda: steps[step](violation))


# -- severity (R-VIO-3) -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("caused_loss", "threatens_safety", "severity"),
    [(False, False, "general"), (True, False, "major"), (False, True, "major"), (True, True, "major")],
)
def test_it_decides_the_severity_from_the_two_facts(
    clock, stella, mona, leo, unit_a, caused_loss, threatens_safety, severity
):
    """R-VIO-3: no loss to owners and no threat to public safety is general; every other is major."""
    violation = register(
        stella, unit_a.community, unit=unit_a,
        caused_loss=caused_loss, loss_note="邻居车辆刮伤" if caused_loss else "",
        threatens_safety=threatens_safety, safety_note="消防车无法通行" if threatens_safety else "",
    )  # fmt: skip
    violation = fresh(violation)
    assert violation.severity == severity
    assert (violation.reported_to_superiors_at is not None) == (severity == "major")
    assert violation.loss_note == ("邻居车辆刮伤" if caused_loss else "")
    assert violation.safety_note == ("消防车无法通行" if threatens_safety else "")


@pytest.mark.parametrize(
    ("facts", "message"),
    [
        ({"caused_loss": True, "loss_note": ""}, "Describe the loss caused to owners."),
        ({"caused_loss": True, "loss_note": "   "}, "Describe the loss caused to owners."),
        ({"threatens_safety": True, "safety_note": ""}, "Describe the threat to public safety."),
    ],
)
def test_it_refuses_a_fact_ticked_without_its_description(clock, stella, mona, leo, unit_a, facts, message):
    """R-VIO-3: the severity rests on recorded facts, so a ticked fact must say what it is."""
    refused(lambda: register(stella, unit_a.community, unit=unit_a, **facts), match=said(message))
    assert not Violation.objects.exists()


def test_it_drops_the_description_of_a_fact_not_ticked(clock, stella, unit_a):
    violation = register(stella, unit_a.community, unit=unit_a, caused_loss=False, loss_note="无")
    assert fresh(violation).loss_note == "" and violation.severity == "general"


def test_it_reassesses_to_major_and_reports_to_the_superiors(general_case, pete, mona, leo, mike):
    """R-VIO-3, R-VIO-5: a loss assessed later makes the case major; the superiors are told at once."""
    assert general_case.severity == "general" and inbox(mona) == inbox(leo) == []
    services.violation_reassess(
        violation_id=general_case.pk, by=pete, caused_loss=True, loss_note="纸箱起火熏黑墙面",
        threatens_safety=False, safety_note="", note="物业评估损失",
    )  # fmt: skip
    violation = fresh(general_case)
    assert violation.severity == "major" and violation.caused_loss
    assert violation.reported_to_superiors_at == MORNING
    assert events(violation)[-2:] == ["violation.reassessed", "violation.reported_to_superiors"]
    event = violation.events.get(kind="violation.reassessed")
    assert event.data == {"old": "general", "new": "major"} and event.note == "物业评估损失"
    for superior in (mona, leo):
        assert len(inbox(superior)) == 1
        assert Notification.objects.get(recipient=superior).link == f"/violations/{violation.pk}/"
    assert inbox(mike) == [] and inbox(pete) == []


def test_it_reassesses_back_to_general_and_reports_only_once(fire_lane, pete, mona, leo):
    reassess = {"violation_id": fire_lane.pk, "by": pete, "loss_note": "", "safety_note": ""}
    services.violation_reassess(**reassess, caused_loss=False, threatens_safety=False, note="车辆已移走")
    assert fresh(fire_lane).severity == "general"
    services.violation_reassess(
        **{**reassess, "safety_note": "再次堵塞"}, caused_loss=False, threatens_safety=True, note="再次堵塞"
    )
    assert fresh(fire_lane).severity == "major"
    assert len(inbox(mona)) == len(inbox(leo)) == 1  # reported once, at registration
    assert events(fire_lane).count("violation.reported_to_superiors") == 1


def test_it_refuses_a_reassessment_without_a_reason_or_by_a_steward(general_case, pete, stella):
    reassess = {
        "violation_id": general_case.pk, "caused_loss": True, "loss_note": "墙面受损",
        "threatens_safety": False, "safety_note": "",
    }  # fmt: skip
    refused(
        lambda: services.violation_reassess(**reassess, by=pete, note=" "),
        match=said("Say why the facts changed."),
    )
    refused(lambda: services.violation_reassess(**reassess, by=stella, note="评估"))
    refused(
        lambda: services.violation_reassess(**{**reassess, "loss_note": ""}, by=pete, note="评估"),
        match=said("Describe the loss caused to owners."),
    )


# -- registering (R-VIO-2, R-VIO-5) ---------------------------------------------------------------------


def test_it_reports_a_major_violation_to_the_superiors_at_once(fire_lane, mona, leo, pete, mike):
    """R-VIO-5: a major one goes to the company's superiors — the CS center manager and leadership."""
    violation = fresh(fire_lane)
    assert violation.severity == "major" and violation.status == S.OPEN
    assert violation.reported_to_superiors_at == MORNING
    assert events(violation) == ["violation.registered", "violation.reported_to_superiors"]
    notified = Notification.objects.filter(link=f"/violations/{violation.pk}/")
    assert sorted(n.recipient.username for n in notified) == ["leo", "mona"]
    assert all(violation.number in n.text for n in notified)
    assert inbox(pete) == inbox(mike) == []


def test_it_registers_a_general_violation_without_reporting_it(general_case, mona, leo):
    violation = fresh(general_case)
    assert violation.severity == "general" and violation.reported_to_superiors_at is None
    assert events(violation) == ["violation.registered"]
    assert not Notification.objects.exists()
    assert violation.registered_by.username == "stella" and violation.observed_at == MORNING - H


@pytest.mark.parametrize("who", ["stella", "alice", "erin", "pete"])
def test_it_lets_any_staff_member_of_the_community_register(clock, request, unit_a, who):
    """R-VIO-5: any staff member who sees a violation may register it."""
    violation = register(request.getfixturevalue(who), unit_a.community, unit=unit_a)
    assert fresh(violation).registered_by.username == who


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"category": "fire", "subtype": "parking"}, "Choose a violation type that belongs to the category."),
        (
            {"category": "fees", "subtype": "nonsense"},
            "Choose a violation type that belongs to the category.",
        ),
        ({"location": "  "}, "Choose the unit, or write the public place where it was seen."),
        ({"observed_at": MORNING + 10 * MINUTE}, "The time seen cannot be in the future."),
        ({"description": "  "}, "Write what was seen."),
    ],
    ids=["subtype-of-another-category", "unknown-subtype", "no-unit-no-place", "future", "no-description"],
)
def test_it_refuses_a_registration_that_does_not_hold(clock, stella, community_a, fields, message):
    refused(lambda: register(stella, community_a, **fields), match=said(message))


def test_it_allows_a_few_minutes_of_clock_skew_in_the_time_seen(clock, stella, community_a):
    violation = register(stella, community_a, observed_at=MORNING + 4 * MINUTE)
    assert violation.observed_at == MORNING + 4 * MINUTE


def test_it_refuses_a_unit_or_an_owner_of_another_community(clock, stella, community_a, unit_b, owner_a):
    message = said("The unit does not belong to %(community)s.", community=community_a.name)
    refused(lambda: register(stella, community_a, unit=unit_b), match=message)
    from tests.factories import OwnershipFactory

    other_owner = OwnershipFactory(unit=unit_b).owner
    message = said("The owner does not belong to %(community)s.", community=community_a.name)
    refused(
        lambda: register(stella, community_a, location="3栋东侧消防通道", owner=other_owner), match=message
    )


@pytest.mark.parametrize("who", ["bob", "carol", "quinn"])
def test_it_refuses_a_registration_by_someone_not_working_in_the_community(
    clock, request, community_a, unit_a, who
):
    """bob has no role, carol works in community B, quinn is company-level quality (not on patrol)."""
    user = request.getfixturevalue(who)
    message = said("You do not work in %(community)s.", community=community_a.name)
    refused(lambda: register(user, community_a, unit=unit_a), match=message)


# -- the rectification deadline (R-VIO-4, R-TIME-1) ----------------------------------------------------


def rectify(violation, by, due_date=DUE, requirement="清理楼道内堆放的纸箱"):
    return services.violation_set_rectification(
        violation_id=violation.pk, by=by, requirement=requirement, due_date=due_date
    )


def reinspect(violation, by, *, rectified, note="复查"):
    return services.violation_reinspect(violation_id=violation.pk, by=by, rectified=rectified, note=note)


def test_it_sets_the_rectification_deadline_at_24_00_of_the_chosen_day(general_case, pete):
    """R-VIO-4, R-TIME-1: rectification by 26 November ends at 24:00 that day, Shanghai time; the
    ledger reminds the setter a day before (PROPSVC_DEADLINE_WARN_BEFORE)."""
    measure = rectify(general_case, pete, due_date=date(2026, 11, 26))
    end = datetime(2026, 11, 27, 0, 0, tzinfo=SHANGHAI)
    assert measure.kind == Measure.Kind.RECTIFICATION and measure.status == Measure.Status.RUNNING
    assert measure.due_at == end and measure.by == pete and measure.requirement == "清理楼道内堆放的纸箱"
    row = deadline(general_case, services.KIND_RECTIFICATION)
    assert row.due_at == end
    assert row.warn_at == end - settings.PROPSVC_DEADLINE_WARN_BEFORE["violations.rectification"]
    assert row.warn_at == datetime(2026, 11, 26, 0, 0, tzinfo=SHANGHAI)
    # pete is the property supervisor: an escalation to his own role would reach nobody new.
    assert row.responsible_user == pete and row.escalate_role == "cs_manager"
    assert row.link == f"/violations/{general_case.pk}/" and row.met_at is None
    assert fresh(general_case).status == S.RECTIFYING
    event = general_case.events.get(kind="violation.rectification_set")
    assert (event.from_status, event.to_status, event.data) == ("open", "rectifying", {"due": "2026-11-26"})


def test_it_escalates_a_major_rectification_to_the_cs_center_manager(fire_lane, pete):
    rectify(fire_lane, pete)
    assert deadline(fire_lane, services.KIND_RECTIFICATION).escalate_role == "cs_manager"


def test_it_accepts_today_and_refuses_a_deadline_before_today(general_case, pete):
    message = said("The rectification deadline cannot be earlier than today; choose it again.")
    refused(lambda: rectify(general_case, pete, due_date=TODAY - DAY), match=message)
    measure = rectify(general_case, pete, due_date=TODAY)
    assert measure.due_at == datetime(2026, 11, 24, 0, 0, tzinfo=SHANGHAI)


def test_it_refuses_a_rectification_without_a_requirement_or_by_someone_who_does_not_handle(
    general_case, pete, stella, erin
):
    refused(
        lambda: rectify(general_case, pete, requirement=" "),
        match=said("Write what the owner must put right."),
    )
    for user in (stella, erin):
        refused(lambda u=user: rectify(general_case, u))


def test_it_reminds_the_setter_once_the_day_before(general_case, pete, mona, clock):
    """R-VIO-4: the re-inspection is due tomorrow — the setter gets one "due soon", however often the
    sweep runs."""
    rectify(general_case, pete)
    row = deadline(general_case, services.KIND_RECTIFICATION)
    clock.move_to(row.warn_at - MINUTE)
    deadline_sweep()
    assert inbox(pete) == []
    clock.move_to(row.warn_at + MINUTE)
    assert deadline_sweep()["warned"] == 1
    assert len(inbox(pete, DUE_SOON)) == 1
    assert deadline_sweep()["warned"] == 0
    clock.move_to(row.warn_at + 2 * H)
    deadline_sweep()
    assert len(inbox(pete, DUE_SOON)) == 1 and len(inbox(pete)) == 1
    assert Notification.objects.get(recipient=pete).link == f"/violations/{general_case.pk}/"
    assert inbox(mona) == []


@pytest.mark.parametrize("severity", ["general", "major"])
def test_it_reports_an_overdue_rectification_and_escalates(
    request, clock, stella, pete, mona, leo, unit_a, owner_a, severity
):
    """Past 24:00 of the chosen day with no re-inspection: the setter is told it is overdue, and it
    escalates to the community's property supervisor (general) or CS center manager (major)."""
    if severity == "general":
        violation, setter, superior = request.getfixturevalue("general_case"), mona, pete
    else:
        violation, setter, superior = request.getfixturevalue("fire_lane"), pete, mona
    rectify(violation, setter)
    before = {u.pk: len(inbox(u)) for u in (stella, pete, mona, leo)}
    clock.move_to(datetime(2026, 11, 26, 23, 59, tzinfo=SHANGHAI))
    deadline_sweep()  # the day before: "due soon" to the setter
    assert len(inbox(setter, OVERDUE)) == 0
    clock.move_to(datetime(2026, 11, 27, 0, 1, tzinfo=SHANGHAI))
    deadline_sweep()
    deadline_sweep()
    assert len(inbox(setter, OVERDUE)) == 1
    assert len(inbox(superior, ESCALATION)) == 1
    assert inbox(superior, ESCALATION)[0].count(violation.number) == 1
    others = [u for u in (stella, pete, mona, leo) if u not in (setter, superior)]
    assert all(len(inbox(u)) == before[u.pk] for u in others)


def test_it_sends_no_overdue_notice_for_a_rectification_reinspected_in_time(
    general_case, stella, pete, clock
):
    rectify(general_case, pete)
    reinspect(general_case, stella, rectified=False, note="纸箱仍在")
    clock.move_to(datetime(2026, 11, 27, 0, 1, tzinfo=SHANGHAI))
    deadline_sweep()
    row = deadline(general_case, services.KIND_RECTIFICATION)
    assert row.breached_at is None
    # (what is overdue by now is the next step, due three days after the re-inspection)
    assert not [t for t in inbox(pete, OVERDUE) + inbox(pete, ESCALATION) if row.title in t]
    assert len(inbox(pete, OVERDUE)) == 1


def test_it_records_not_rectified_and_opens_the_next_step_for_the_setter(general_case, stella, mona, clock):
    """R-VIO-4: not rectified — the deadline is met by the re-inspection, and the setter has
    PROPSVC_VIOLATION_NEXT_STEP_DAYS to decide what follows (a new deadline or a penalty)."""
    rectify(general_case, mona)
    clock.move_to(MORNING + 2 * DAY)
    measure = reinspect(general_case, stella, rectified=False, note="纸箱仍在楼道")
    now = MORNING + 2 * DAY
    assert fresh(general_case).status == S.NOT_RECTIFIED
    measure.refresh_from_db()
    assert measure.status == Measure.Status.NOT_RECTIFIED
    assert (measure.reinspected_by, measure.reinspected_at, measure.reinspection_note) == (
        stella,
        now,
        "纸箱仍在楼道",
    )
    row = deadline(general_case, services.KIND_RECTIFICATION)
    assert (row.met_at, row.met_by) == (now, stella)
    step = deadline(general_case, services.KIND_NEXT_STEP)
    assert step.met_at is None and step.responsible_user == mona and step.escalate_role == "cs_manager"
    assert step.due_at == now + timedelta(days=settings.PROPSVC_VIOLATION_NEXT_STEP_DAYS)
    assert len(inbox(mona)) == 1 and general_case.number in inbox(mona)[0]
    assert events(general_case)[-1] == "violation.not_rectified"


def test_it_does_not_notify_a_setter_who_reinspects_it_themselves(general_case, pete):
    rectify(general_case, pete)
    reinspect(general_case, pete, rectified=False)
    assert inbox(pete) == []


@pytest.mark.parametrize("next_step", ["propose", "rectify"])
def test_it_meets_the_next_step_when_the_handler_decides_what_follows(general_case, steps, pete, next_step):
    take(steps, general_case, "persuade", "rectify", "not_rectified")
    assert deadline(general_case, services.KIND_NEXT_STEP).met_at is None
    steps[next_step](general_case)
    row = deadline(general_case, services.KIND_NEXT_STEP)
    assert (row.met_at, row.met_by) == (MORNING, pete)
    if next_step == "rectify":
        rows = deadlines(general_case, services.KIND_RECTIFICATION)
        assert [r.met_at is None for r in rows] == [False, True]  # the old one met, a new one running


def test_it_closes_a_rectified_violation_and_meets_every_open_deadline(general_case, stella, pete, clock):
    rectify(general_case, pete)
    clock.move_to(MORNING + DAY)
    measure = reinspect(general_case, stella, rectified=True, note="纸箱已清理")
    violation = fresh(general_case)
    assert violation.status == S.CLOSED
    assert (violation.closed_at, violation.closed_by, violation.close_note) == (
        MORNING + DAY,
        stella,
        "纸箱已清理",
    )
    measure.refresh_from_db()
    assert measure.status == Measure.Status.RECTIFIED
    assert not deadlines(violation).filter(met_at__isnull=True).exists()
    assert events(violation)[-1] == "violation.rectified"


def test_it_refuses_a_reinspection_without_findings_or_by_department_staff(general_case, pete, stella, erin):
    rectify(general_case, pete)
    refused(
        lambda: reinspect(general_case, stella, rectified=True, note=" "),
        match=said("Write what the re-inspection found."),
    )
    refused(
        lambda: reinspect(general_case, erin, rectified=True),
        match=said("Only an area steward, the property supervisor or a manager may re-inspect."),
    )


# -- penalties and their signature (R-VIO-6) ----------------------------------------------------------


def propose(violation, by, kind="compensation", amount=Decimal("800.00"), basis="《管理规约》第二十条"):
    return services.violation_propose_penalty(
        violation_id=violation.pk, by=by, kind=kind, basis=basis, amount=amount
    )


def sign(violation, by, note=""):
    return services.violation_sign_penalty(violation_id=violation.pk, by=by, note=note)


def follow_up(violation, by, at_=MORNING):
    return services.violation_follow_up(
        violation_id=violation.pk, by=by, method="visit", at=at_, attitude="业主表示理解，愿意配合"
    )


@pytest.fixture
def proposed(fire_lane, stella, pete, service_dept_a):
    """pete (property supervisor) proposes compensation for the blocked fire lane."""
    persuade(fire_lane, stella)
    propose(fire_lane, pete)
    return fresh(fire_lane)


def test_it_proposes_a_penalty_and_asks_the_signers(proposed, pete, mona, leo):
    measure = proposed.measures.get(kind="compensation")
    assert measure.status == Measure.Status.PROPOSED and measure.amount == Decimal("800.00")
    assert measure.by == pete and measure.return_status == S.OPEN and measure.signed_by is None
    assert proposed.status == S.PENALTY_PROPOSED
    row = deadline(proposed, services.KIND_SIGN)
    assert row.met_at is None and row.escalate_role == "cs_manager"
    assert row.due_at == MORNING + timedelta(days=settings.PROPSVC_VIOLATION_SIGN_DAYS)
    for signer in (mona, leo):
        assert len(inbox(signer)) == 2  # reported as major, then the penalty to sign
    assert inbox(pete) == []


@pytest.mark.parametrize("who", ["stella", "pete", "alice", "sam", "erin", "mike", "pia", "bob"])
def test_it_lets_no_one_but_the_managers_sign_a_penalty(request, proposed, who):
    """R-VIO-6: only the property company manager (leadership) or the CS center manager decides a
    penalty; a steward, the property supervisor who proposed it, the desk, the CS supervisor, staff
    and the managers of another community cannot, and nothing changes."""
    user = request.getfixturevalue(who)
    message = said(
        "Only the property company manager or the CS center manager may decide a penalty; "
        "other staff may only persuade."
    )
    refused(lambda: sign(proposed, user), match=message)
    refused(
        lambda: services.violation_refuse_penalty(violation_id=proposed.pk, by=user, note="不同意"),
        match=message,
    )
    assert fresh(proposed).status == S.PENALTY_PROPOSED
    assert proposed.measures.get(kind="compensation").status == Measure.Status.PROPOSED
    assert deadline(proposed, services.KIND_SIGN).met_at is None
    assert not deadlines(proposed, services.KIND_FOLLOW_UP).exists()


@pytest.mark.parametrize("who", ["mona", "leo"])
def test_it_puts_the_penalty_into_effect_when_a_manager_signs(request, proposed, pete, service_dept_a, who):
    """R-VIO-6: the penalty takes effect when a superior signs; the CS center then reaches out to the
    owner within PROPSVC_VIOLATION_FOLLOW_UP_DAYS."""
    signer = request.getfixturevalue(who)
    notified_before = len(inbox(pete))
    measure = sign(proposed, signer, note="同意赔偿")
    measure.refresh_from_db()
    assert measure.status == Measure.Status.EFFECTIVE
    assert (measure.signed_by, measure.signed_at, measure.sign_note) == (signer, MORNING, "同意赔偿")
    assert fresh(proposed).status == S.PENALTY_EFFECTIVE
    row = deadline(proposed, services.KIND_SIGN)
    assert (row.met_at, row.met_by) == (MORNING, signer)
    follow = deadline(proposed, services.KIND_FOLLOW_UP)
    assert follow.met_at is None and follow.responsible_department == service_dept_a
    assert follow.due_at == MORNING + timedelta(days=settings.PROPSVC_VIOLATION_FOLLOW_UP_DAYS)
    assert len(inbox(pete)) == notified_before + 1  # the proposer hears it was signed
    event = proposed.events.get(kind="violation.penalty_signed")
    assert (event.from_status, event.to_status, event.actor) == (
        "penalty_proposed",
        "penalty_effective",
        signer,
    )


def test_it_gives_the_follow_up_to_the_proposer_without_a_service_department(fire_lane, stella, pete, mona):
    persuade(fire_lane, stella)
    propose(fire_lane, pete)
    sign(fire_lane, mona)
    row = deadline(fire_lane, services.KIND_FOLLOW_UP)
    assert row.responsible_user == pete and row.responsible_department is None


@pytest.mark.parametrize("who", ["sam", "alice"])
def test_it_meets_the_follow_up_when_the_cs_center_reaches_out(request, proposed, mona, clock, who):
    """R-VIO-6, R-VIO-1: afterwards the CS center reaches out to the owner to ease relations."""
    sign(proposed, mona)
    user = request.getfixturevalue(who)
    clock.move_to(MORNING + 2 * DAY)
    record = follow_up(proposed, user, at_=MORNING + 2 * DAY - H)
    assert (record.by, record.method, record.at) == (user, "visit", MORNING + 2 * DAY - H)
    row = deadline(proposed, services.KIND_FOLLOW_UP)
    assert (row.met_at, row.met_by) == (MORNING + 2 * DAY, user)
    assert events(proposed)[-1] == "violation.followed_up"


def test_it_refuses_a_follow_up_before_any_penalty_or_by_the_wrong_person(proposed, mona, stella, erin, sam):
    refused(
        lambda: follow_up(proposed, sam), match=said("The follow-up comes after a penalty has taken effect.")
    )
    sign(proposed, mona)
    for user in (stella, erin):
        refused(
            lambda u=user: follow_up(proposed, u),
            match=said("Only the customer service center reaches out to the owner."),
        )
    refused(
        lambda: follow_up(proposed, sam, at_=MORNING + H),
        match=said("The time of the follow-up cannot be in the future."),
    )
    refused(
        lambda: services.violation_follow_up(
            violation_id=proposed.pk, by=sam, method="telepathy", at=MORNING, attitude="好"
        ),
        match=said("Choose how the owner was contacted."),
    )


@pytest.mark.parametrize("origin", [S.OPEN, S.NOT_RECTIFIED, S.PENALTY_EFFECTIVE])
def test_it_returns_a_refused_penalty_to_where_it_was(general_case, steps, pete, mona, origin):
    """R-VIO-1: punish sparingly — a superior may refuse a proposal; the case goes back."""
    path = {
        S.OPEN: ["persuade"],
        S.NOT_RECTIFIED: ["persuade", "rectify", "not_rectified"],
        S.PENALTY_EFFECTIVE: ["persuade", "propose", "sign"],
    }[origin]
    take(steps, general_case, *path, "propose")
    measure = services.violation_refuse_penalty(violation_id=general_case.pk, by=mona, note="以劝导为主")
    measure.refresh_from_db()
    assert measure.status == Measure.Status.REFUSED
    assert (measure.signed_by, measure.sign_note) == (mona, "以劝导为主")
    assert fresh(general_case).status == origin
    assert not deadlines(general_case, services.KIND_SIGN).filter(met_at__isnull=True).exists()
    event = general_case.events.filter(kind="violation.penalty_refused").get()
    assert (event.from_status, event.to_status) == ("penalty_proposed", origin)
    assert inbox(pete)[-1].startswith(texts("Penalty not approved: %(title)s"))


def test_it_refuses_to_refuse_without_a_reason(proposed, mona):
    refused(
        lambda: services.violation_refuse_penalty(violation_id=proposed.pk, by=mona, note=" "),
        match=said("Say why the penalty is not approved."),
    )


# -- what a penalty needs first (R-VIO-1, R-VIO-4) ---------------------------------------------------------


def test_it_asks_for_persuasion_before_any_penalty(fire_lane, pete):
    message = said("Persuade and educate first (R-VIO-1): record the persuasion before proposing a penalty.")
    refused(lambda: propose(fire_lane, pete), match=message)


def test_it_asks_for_a_recorded_loss_and_an_amount_for_compensation(general_case, fire_lane, stella, pete):
    persuade(general_case, stella)
    refused(
        lambda: propose(general_case, pete),
        match=said("No loss to owners is recorded; compensation cannot be asked for."),
    )
    persuade(fire_lane, stella)
    for amount in (None, Decimal("0"), Decimal("-5")):
        refused(
            lambda a=amount: propose(fire_lane, pete, amount=a),
            match=said("Enter the amount of the compensation."),
        )
    refused(
        lambda: propose(fire_lane, pete, basis=" "),
        match=said("Write the rule or agreement the penalty rests on."),
    )
    assert propose(fire_lane, pete, amount=Decimal("350.50")).amount == Decimal("350.50")


@pytest.mark.parametrize("kind", ["persuasion", "rectification", "fine"])
def test_it_refuses_a_penalty_of_another_kind(fire_lane, stella, pete, kind):
    persuade(fire_lane, stella)
    refused(
        lambda: propose(fire_lane, pete, kind=kind),
        match=said("Choose compensation, public criticism or legal action."),
    )


def test_it_refuses_a_penalty_without_an_owner_or_by_a_steward(clock, stella, pete, community_a):
    violation = register(stella, community_a, location="中心花园")  # a public place, no unit
    persuade(violation, stella, reaction="refused")
    refused(
        lambda: propose(violation, pete, kind="criticism"),
        match=said("A penalty needs the owner concerned; this violation names no unit."),
    )
    refused(lambda: propose(violation, stella, kind="criticism"))


def test_it_keeps_public_criticism_for_an_owner_who_refuses_the_ruling(general_case, steps, stella, pete):
    """R-VIO-4: public criticism is for owners who refuse — persuasion refused, not rectified by the
    deadline, or a penalty already in effect."""
    persuade(general_case, stella, reaction="promised")
    message = said("Public criticism is only for an owner who refuses the ruling.")
    refused(lambda: propose(general_case, pete, kind="criticism"), match=message)
    take(steps, general_case, "rectify", "not_rectified")
    assert propose(general_case, pete, kind="criticism").status == Measure.Status.PROPOSED


def test_it_allows_public_criticism_after_a_refusal(general_case, stella, pete):
    persuade(general_case, stella, reaction="refused")
    assert propose(general_case, pete, kind="criticism").status == Measure.Status.PROPOSED


def test_it_allows_public_criticism_once_a_penalty_is_in_effect(fire_lane, stella, pete, mona):
    persuade(fire_lane, stella, reaction="stopped")
    refused(lambda: propose(fire_lane, pete, kind="criticism"))
    propose(fire_lane, pete)
    sign(fire_lane, mona)
    assert propose(fire_lane, pete, kind="criticism").status == Measure.Status.PROPOSED


@pytest.fixture
def fees_case(clock, stella, unit_a, owner_a):
    return register(
        stella, unit_a.community, unit=unit_a, owner=owner_a, category="fees", subtype="fee_refusal",
        description="连续两年拒缴物业费",
    )  # fmt: skip


def test_it_keeps_legal_action_for_fee_arrears_or_an_uncompensated_loss(
    general_case, fees_case, fire_lane, stella, pete, mona
):
    """R-VIO-4: legal action is for a large loss not compensated or serious fee arrears."""
    message = said(
        "Legal action is for a large loss that was not compensated or for serious fee arrears: "
        "a compensation must be in effect first, or the violation must be a refusal to pay fees."
    )
    persuade(general_case, stella)
    refused(lambda: propose(general_case, pete, kind="legal"), match=message)
    persuade(fire_lane, stella)
    refused(lambda: propose(fire_lane, pete, kind="legal"), match=message)
    propose(fire_lane, pete)
    sign(fire_lane, mona)
    assert propose(fire_lane, pete, kind="legal", amount=None).status == Measure.Status.PROPOSED
    persuade(fees_case, stella)
    assert propose(fees_case, pete, kind="legal", amount=None).status == Measure.Status.PROPOSED


def test_it_sends_the_lawyers_letter_before_the_lawsuit(fees_case, stella, pete, mona, clock):
    """R-VIO-4: legal action is preceded by a lawyer's letter; dates cannot lie in the future."""
    persuade(fees_case, stella)
    propose(fees_case, pete, kind="legal", amount=None)
    sign(fees_case, mona)

    def letter(day):
        return services.violation_send_lawyer_letter(violation_id=fees_case.pk, by=pete, sent_on=day)

    def lawsuit(day, court="浦东新区人民法院 (2026)沪0115民初1234号"):
        return services.violation_file_lawsuit(violation_id=fees_case.pk, by=pete, filed_on=day, court=court)

    refused(
        lambda: lawsuit(TODAY),
        match=said("Send the lawyer's letter first; the lawsuit is filed only after it."),
    )
    refused(
        lambda: letter(TODAY + DAY), match=said("The date of the lawyer's letter cannot be in the future.")
    )
    refused(
        lambda: letter(TODAY - DAY), match=said("The lawyer's letter cannot predate the signed decision.")
    )
    measure = letter(TODAY)
    assert measure.lawyer_letter_on == TODAY and events(fees_case)[-1] == "violation.lawyer_letter"
    refused(lambda: letter(TODAY), match=said("The lawyer's letter was already sent."))
    clock.move_to(MORNING + 10 * DAY)
    refused(lambda: lawsuit(TODAY + 11 * DAY), match=said("The filing date cannot be in the future."))
    refused(
        lambda: lawsuit(TODAY - DAY), match=said("The lawsuit cannot be filed before the lawyer's letter.")
    )
    refused(lambda: lawsuit(TODAY + 10 * DAY, court=" "), match=said("Write the court and the case number."))
    measure = lawsuit(TODAY + 10 * DAY)
    assert measure.filed_on == TODAY + 10 * DAY and measure.court.startswith("浦东新区人民法院")
    assert events(fees_case)[-1] == "violation.lawsuit_filed"
    refused(lambda: lawsuit(TODAY + 10 * DAY), match=said("The lawsuit was already filed."))


def test_it_publishes_a_signed_criticism_on_a_past_date_only(general_case, steps, pete, clock):
    take(steps, general_case, "persuade", "propose")

    def publish(day, where="3栋大堂公告栏"):
        return services.violation_publish_criticism(
            violation_id=general_case.pk, by=pete, published_on=day, where=where
        )

    refused(
        lambda: publish(TODAY),
        match=said("No signed %(penalty)s is in effect.", penalty=Measure.Kind.CRITICISM.label),
    )
    steps["sign"](general_case)
    refused(lambda: publish(TODAY + DAY), match=said("The publication date cannot be in the future."))
    refused(lambda: publish(TODAY - DAY), match=said("A criticism cannot be published before it was signed."))
    refused(lambda: publish(TODAY, where=" "), match=said("Write where it was published."))
    measure = publish(TODAY)
    assert (measure.published_at, measure.published_where) == (TODAY, "3栋大堂公告栏")
    refused(lambda: publish(TODAY), match=said("The public criticism was already published."))


# -- closing ----------------------------------------------------------------------------------------------


def close(violation, by, note="业主已整改并致歉"):
    return services.violation_close(violation_id=violation.pk, by=by, note=note)


def test_it_closes_an_open_violation_only_after_a_persuasion(general_case, stella, pete):
    """R-VIO-1: persuade first; the case closes once the owner has put it right."""
    message = said("Record the persuasion first: a violation is closed once the owner has put it right.")
    refused(lambda: close(general_case, pete), match=message)
    persuade(general_case, stella, reaction="stopped")
    refused(lambda: close(general_case, pete, note=" "), match=said("Write how the violation ended."))
    close(general_case, pete)
    violation = fresh(general_case)
    assert (violation.status, violation.closed_at, violation.closed_by) == (S.CLOSED, MORNING, pete)
    assert violation.close_note == "业主已整改并致歉" and events(violation)[-1] == "violation.closed"


def test_it_lets_only_the_superiors_close_a_major_violation(fire_lane, stella, pete, mona, leo):
    """R-VIO-5: a major violation goes to the superiors; they close it."""
    persuade(fire_lane, stella, reaction="stopped")
    for user in (pete, stella):
        refused(
            lambda u=user: close(fire_lane, u),
            match=said("Only the CS center manager or the company leadership may close a major violation."),
        )
    close(fire_lane, leo)
    assert fresh(fire_lane).closed_by == leo


def test_it_closes_after_a_compensation_only_once_the_owner_was_reached_after_signing(
    proposed, mona, sam, clock
):
    """R-VIO-6: after the penalty the CS center reaches out to the owner; only then is it closed."""
    clock.move_to(MORNING + DAY)
    sign(proposed, mona)
    message = said("Reach out to the owner after the penalty (R-VIO-6) and record it before closing.")
    refused(lambda: close(proposed, mona), match=message)
    follow_up(proposed, sam, at_=MORNING)  # a contact before the signature does not count
    refused(lambda: close(proposed, mona), match=message)
    follow_up(proposed, sam, at_=MORNING + DAY)
    close(proposed, mona)
    violation = fresh(proposed)
    assert violation.status == S.CLOSED
    assert not deadlines(violation).filter(met_at__isnull=True).exists()


def test_it_closes_after_a_criticism_only_once_it_is_published(general_case, steps, pete):
    take(steps, general_case, "persuade", "propose", "sign", "follow_up")
    refused(
        lambda: close(general_case, pete), match=said("Publish the signed public criticism before closing.")
    )
    steps["publish"](general_case)
    close(general_case, pete)
    assert fresh(general_case).status == S.CLOSED


def test_it_closes_after_legal_action_only_once_the_lawyers_letter_is_sent(
    fees_case, stella, pete, mona, sam
):
    persuade(fees_case, stella)
    propose(fees_case, pete, kind="legal", amount=None)
    sign(fees_case, mona)
    follow_up(fees_case, sam)
    refused(lambda: close(fees_case, pete), match=said("Send the lawyer's letter before closing."))
    services.violation_send_lawyer_letter(violation_id=fees_case.pk, by=pete, sent_on=TODAY)
    close(fees_case, pete)
    assert fresh(fees_case).status == S.CLOSED


def test_it_refuses_to_close_over_a_running_rectification(general_case, steps, pete):
    """The re-inspection closes a rectification (RECTIFYING → CLOSED is its move): closing over it
    would leave the measure running on a closed case."""
    take(steps, general_case, "persuade", "rectify")
    refused(lambda: close(general_case, pete))
    assert general_case.measures.get(kind="rectification").status == Measure.Status.RUNNING


def test_it_changes_nothing_on_a_closed_violation(general_case, steps, stella, sam, pete):
    take(steps, general_case, "persuade", "propose", "sign", "publish", "follow_up", "close")
    message = said("A closed violation cannot be changed.")
    refused(lambda: persuade(general_case, stella), match=message)
    refused(lambda: follow_up(general_case, sam), match=message)
    refused(
        lambda: services.violation_add_photos(violation_id=general_case.pk, by=stella, photos=[photo()]),
        match=message,
    )
    refused(
        lambda: services.notice_issue(violation_id=general_case.pk, by=pete, kind=Notice.Kind.VIOLATION),
        match=message,
    )
    refused(
        lambda: services.violation_reassess(
            violation_id=general_case.pk, by=pete, caused_loss=False, loss_note="",
            threatens_safety=False, safety_note="", note="更正",
        ),
        match=message,
    )  # fmt: skip


# -- persuasion (R-VIO-1, R-VIO-4) ---------------------------------------------------------------------


def test_it_records_a_persuasion_without_moving_the_case(general_case, alice):
    """R-VIO-6: any staff member may persuade; the status stays."""
    measure = persuade(general_case, alice, reaction="promised")
    assert (measure.kind, measure.status, measure.reaction, measure.by) == (
        "persuasion",
        "done",
        "promised",
        alice,
    )
    assert measure.at == MORNING - H / 2 and fresh(general_case).status == S.OPEN
    assert events(general_case)[-1] == "violation.persuaded"


def test_it_refuses_a_persuasion_without_a_reaction_or_at_an_impossible_time(general_case, stella):
    def act(**kw):
        return services.violation_persuade(violation_id=general_case.pk, by=stella, **kw)

    refused(lambda: act(at=MORNING, reaction="shrugged"), match=said("Record the owner's reaction."))
    refused(
        lambda: act(at=MORNING + H, reaction="stopped"),
        match=said("The time of the persuasion cannot be in the future."),
    )
    refused(
        lambda: act(at=MORNING - 3 * H, reaction="stopped"),
        match=said("The persuasion cannot be earlier than the time the violation was seen."),
    )


# -- notices (R-VIO-9) ------------------------------------------------------------------------------------


def issue(violation, by, kind=Notice.Kind.VIOLATION):
    return services.notice_issue(violation_id=violation.pk, by=by, kind=kind)


@pytest.mark.parametrize("who", ["pete", "stella", "mona"])
def test_it_issues_a_violation_notice_to_the_owner(request, general_case, who):
    """R-VIO-9: the owner receives the 业户违规处理通知单; the issue date is kept on the case."""
    user = request.getfixturevalue(who)
    notice = issue(general_case, user)
    notice.refresh_from_db()
    assert (notice.kind, notice.issued_at, notice.issued_by, notice.measure) == (
        "violation",
        MORNING,
        user,
        None,
    )
    assert notice.number == f"TZ{notice.pk:06d}"
    event = general_case.events.get(kind="violation.notice_issued")
    assert event.data == {"notice": notice.pk} and event.actor == user


def test_it_issues_a_rectification_notice_only_for_a_running_rectification(general_case, pete, stella):
    refused(
        lambda: issue(general_case, pete, Notice.Kind.RECTIFICATION),
        match=said("Set a rectification deadline before issuing the rectification notice."),
    )
    measure = rectify(general_case, pete)
    notice = issue(general_case, stella, Notice.Kind.RECTIFICATION)
    assert notice.measure == measure and notice.number.startswith("ZG")
    reinspect(general_case, stella, rectified=False)
    refused(lambda: issue(general_case, pete, Notice.Kind.RECTIFICATION))


def test_it_issues_no_notice_for_a_violation_without_a_unit(clock, stella, pete, community_a):
    violation = register(stella, community_a, location="中心花园")
    refused(
        lambda: issue(violation, pete),
        match=said("A notice goes to the owner of a unit; this violation names no unit."),
    )


@pytest.mark.parametrize("who", ["erin", "alice", "pia"])
def test_it_lets_no_department_staff_or_desk_issue_a_notice(request, general_case, who):
    user = request.getfixturevalue(who)
    refused(
        lambda: issue(general_case, user),
        match=said("Only the area steward, the property supervisor or a manager may issue a notice."),
    )


def test_it_refuses_an_unknown_notice(general_case, pete):
    refused(lambda: issue(general_case, pete, "bulletin"), match=said("Choose the notice to issue."))


# -- photos ----------------------------------------------------------------------------------------------


HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="9"/></svg>'
)
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
RANDOM = random.Random(6).randbytes(4096)


def test_it_stores_photos_under_random_names(clock, stella, unit_a):
    uploads = [photo("现场.jpg", "JPEG"), photo("IMG_0001.png", "PNG"), photo("楼道.webp", "WEBP")]
    contents = [u.read() for u in uploads]
    violation = register(stella, unit_a.community, unit=unit_a, photos=uploads)
    photos = list(violation.photos.order_by("pk"))
    assert [p.content_type for p in photos] == ["image/jpeg", "image/png", "image/webp"]
    assert [p.original_name for p in photos] == ["现场.jpg", "IMG_0001.png", "楼道.webp"]
    for stored, content in zip(photos, contents, strict=True):
        directory, name = stored.file.name.rsplit("/", 1)
        assert directory == f"violations/{unit_a.community_id}"
        assert re.fullmatch(r"[0-9a-f]{32}\.(jpg|png|webp)", name)
        assert (Path(settings.MEDIA_ROOT) / stored.file.name).read_bytes() == content
        assert stored.size == len(content) and stored.uploaded_by == stella
    assert len({p.file.name for p in photos}) == 3
    assert len(media_files()) == 3


def test_it_names_a_photo_by_its_content_not_by_its_name(clock, stella, unit_a):
    violation = register(stella, unit_a.community, unit=unit_a, photos=[photo("现场.jpg", "PNG")])
    stored = violation.photos.get()
    assert stored.content_type == "image/png" and stored.file.name.endswith(".png")


@pytest.mark.parametrize(
    "content",
    [HTML, SVG, PDF, RANDOM, image_bytes("GIF"), b""],
    ids=["html", "svg", "pdf", "random-bytes", "gif", "empty"],
)
def test_it_refuses_what_is_not_a_photo_and_writes_nothing(clock, stella, mona, leo, unit_a, content):
    """Only JPEG, PNG or WebP content is a photo, whatever the file is called."""
    upload = photo("现场.jpg", content=content)
    message = said(
        "“%(name)s” is not a photo: only JPEG, PNG or WebP images can be attached.", name="现场.jpg"
    )
    refused(lambda: register(stella, unit_a.community, unit=unit_a, photos=[photo(), upload]), match=message)
    assert not Violation.objects.exists() and not Photo.objects.exists() and media_files() == []
    assert not Notification.objects.exists()


def test_it_refuses_a_photo_added_later_that_is_not_one(general_case, stella):
    refused(
        lambda: services.violation_add_photos(
            violation_id=general_case.pk, by=stella, photos=[photo("a.jpg", content=HTML)]
        )
    )
    assert media_files() == []


def test_it_refuses_a_photo_over_the_size_limit(clock, stella, unit_a, settings):
    settings.PROPSVC_VIOLATION_PHOTO_MAX_BYTES = 1024 * 1024
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.frombytes("RGB", (700, 600), random.Random(1).randbytes(700 * 600 * 3)).save(buffer, format="PNG")
    assert len(buffer.getvalue()) > 1024 * 1024
    big = photo("大图.png", content=buffer.getvalue())
    message = said(
        "“%(name)s” is larger than %(mb)d MB; take a smaller photo or lower the resolution.",
        name="大图.png",
        mb=1,
    )
    refused(lambda: register(stella, unit_a.community, unit=unit_a, photos=[big]), match=message)
    assert media_files() == [] and not Violation.objects.exists()


def test_it_refuses_more_photos_than_allowed(clock, stella, unit_a, settings):
    settings.PROPSVC_VIOLATION_PHOTOS_MAX = 2
    message = said("A violation can have at most %(n)d photos.", n=2)
    refused(
        lambda: register(stella, unit_a.community, unit=unit_a, photos=[photo(), photo(), photo()]),
        match=message,
    )
    violation = register(stella, unit_a.community, unit=unit_a, photos=[photo(), photo()])
    refused(
        lambda: services.violation_add_photos(violation_id=violation.pk, by=stella, photos=[photo()]),
        match=message,
    )
    assert violation.photos.count() == 2 and len(media_files()) == 2


def test_it_adds_photos_later_with_an_event(general_case, alice):
    services.violation_add_photos(
        violation_id=general_case.pk, by=alice, photos=[photo(), photo("b.png", "PNG")]
    )
    assert general_case.photos.count() == 2
    event = general_case.events.get(kind="violation.photos_added")
    assert event.data == {"count": 2} and event.actor == alice
    refused(
        lambda: services.violation_add_photos(violation_id=general_case.pk, by=alice, photos=[]),
        match=said("Choose at least one photo."),
    )


# -- tenancy ---------------------------------------------------------------------------------------------


def test_it_keeps_another_communitys_staff_out(general_case, proposed, pia, carol, mike, quinn):
    """Nobody sees or touches data of a community they do not belong to (DOMAIN.md "People and roles")."""
    refused(
        lambda: rectify(general_case, pia),
        match=said(
            "Only the property supervisor, the CS center manager or the company leadership may handle "
            "violation %(number)s.",
            number=general_case.number,
        ),
    )
    for user in (pia, carol):
        refused(lambda u=user: persuade(general_case, u), match=said("You do not work in this community."))
    refused(lambda: sign(proposed, mike))
    refused(lambda: reinspect(general_case, pia, rectified=True))
    assert not Violation.objects.visible_to(pia).filter(pk=general_case.pk).exists()
    assert not Violation.objects.visible_to(carol).exists()
    with pytest.raises(Http404):
        selectors.violation_get_for_user(user=pia, pk=general_case.pk)
    assert set(Violation.objects.visible_to(quinn)) == {general_case, proposed}


def test_it_lists_each_community_only_to_its_staff(
    clock, stella, pia, pete, quinn, community_a, community_b, unit_b
):
    mine = register(stella, community_a, location="中心花园")
    theirs = register(pia, community_b, unit=unit_b)
    filters = selectors.ViolationFilter()
    assert list(selectors.violation_list(user=pete, filters=filters)) == [mine]
    assert list(selectors.violation_list(user=pia, filters=filters)) == [theirs]
    assert set(selectors.violation_list(user=quinn, filters=filters)) == {mine, theirs}


def test_it_counts_and_lists_a_violation_in_its_month_in_shanghai(clock, stella, mona, community_a):
    """R-TIME-2: a month is a calendar month in Asia/Shanghai — seen 31 December 23:30 is December."""
    clock.move_to(datetime(2027, 1, 1, 9, 0, tzinfo=SHANGHAI))
    seen = {
        "nov30": datetime(2026, 11, 30, 23, 30, tzinfo=SHANGHAI),
        "dec1": datetime(2026, 12, 1, 0, 10, tzinfo=SHANGHAI),
        "dec31": datetime(2026, 12, 31, 23, 30, tzinfo=SHANGHAI),
        "jan1": datetime(2027, 1, 1, 0, 10, tzinfo=SHANGHAI),
    }
    cases = {name: register(stella, community_a, observed_at=when) for name, when in seen.items()}
    table = selectors.counts_by_category_and_month(user=mona, communities=None, year=2026)
    fire = next(line for line in table["lines"] if line["category"] == "fire")
    assert fire["months"][10:] == [1, 2] and table["total"] == 3 and table["majors"] == [0] * 12
    december = selectors.ViolationFilter(month=date(2026, 12, 1))
    assert set(selectors.violation_list(user=mona, filters=december)) == {cases["dec1"], cases["dec31"]}


def test_it_lists_the_overdue_rectifications(general_case, fire_lane, pete, stella, mona, clock):
    rectify(general_case, pete, due_date=TODAY)
    rectify(fire_lane, pete, due_date=TODAY + 5 * DAY)
    overdue = selectors.ViolationFilter(overdue=True)
    assert list(selectors.violation_list(user=mona, filters=overdue)) == []
    clock.move_to(datetime(2026, 11, 24, 0, 1, tzinfo=SHANGHAI))
    assert list(selectors.violation_list(user=mona, filters=overdue)) == [general_case]
    reinspect(general_case, stella, rectified=False)  # still overdue: not rectified, nothing decided yet
    assert list(selectors.violation_list(user=mona, filters=overdue)) == [general_case]
    rectify(general_case, pete, due_date=TODAY + 3 * DAY)
    assert list(selectors.violation_list(user=mona, filters=overdue)) == []


def test_it_escalates_a_managers_general_deadline_to_the_property_supervisor(
    general_case, stella, pete, mona
):
    """A rectification set by someone who is not the property supervisor escalates to them."""
    persuade(general_case, stella)
    services.violation_set_rectification(
        violation_id=general_case.pk, by=mona, requirement="清理楼道", due_date=DUE
    )
    row = deadline(general_case, services.KIND_RECTIFICATION)
    assert row.responsible_user == mona and row.escalate_role == "property_supervisor"


def test_it_hands_a_rectified_major_case_back_to_the_superiors(fire_lane, stella, pete, mona, leo):
    """R-VIO-5: a major case is closed by the superiors; a steward's "rectified" leaves it to them."""
    persuade(fire_lane, stella)
    services.violation_set_rectification(
        violation_id=fire_lane.pk, by=pete, requirement="清走电动车", due_date=DUE
    )
    services.violation_reinspect(violation_id=fire_lane.pk, by=stella, rectified=True, note="已清走")
    fire_lane.refresh_from_db()
    assert fire_lane.status == Violation.Status.OPEN and fire_lane.closed_at is None
    assert Notification.objects.filter(recipient=mona, text__contains=fire_lane.number).count() >= 2
    services.violation_close(violation_id=fire_lane.pk, by=mona, note="复查已整改，结案")
    fire_lane.refresh_from_db()
    assert fire_lane.status == Violation.Status.CLOSED
