"""Bulletin-board notices (R-COM-2): writing, publishing and withdrawing, the 24-hour rule for planned
cuts, unplanned cuts explained afterwards, and the quarterly fee accounts on the deadline ledger.

Actors (tests/conftest.py, tests/surveys/conftest.py): alice — receptionist A; carol — receptionist
B; sam — CS supervisor A; mona — CS center manager A; pete — property supervisor A; cora — CS
supervisor B; mike — CS center manager B; leo — company leadership. The clock stands at MORNING,
Monday 2026-11-23 10:00 Shanghai.
"""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import translation

from propsvc.models import AuditEntry, Community, Deadline, Notification
from propsvc.roles import Perm, Role
from propsvc.services import deadline_meet
from surveys import notices
from surveys.models import KIND_FEE_ACCOUNT, Notice
from surveys.services import SurveyError
from tests.surveys.conftest import DAY, MORNING, SHANGHAI, H, at

MIN = datetime.timedelta(minutes=1)
Kind, Status = Notice.Kind, Notice.Status


def cut(by, community, *, starts_at, ends_at=None, kind=Kind.WATER_CUT, **fields):
    """A draft notice of a planned water cut (8 hours) through the service."""
    fields.setdefault("title", "二次供水水箱清洗停水通知")
    fields.setdefault("body", "因二次供水水箱清洗，届时3栋、5栋停水，请各位业主提前储水。")
    return notices.notice_create(
        by=by, community=community, kind=kind, starts_at=starts_at,
        ends_at=ends_at or starts_at + 8 * H, **fields,
    )  # fmt: skip


def sh(year, month, day, hour=0, minute=0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def fee_account(
    by, community, *, period_from=datetime.date(2026, 7, 1), period_to=datetime.date(2026, 9, 30)
):
    return notices.notice_create(
        by=by, community=community, kind=Kind.FEE_ACCOUNT, title="2026年第三季度物业费收支情况公示",
        body="本季度物业服务费收入与支出明细如下……", period_from=period_from, period_to=period_to,
    )  # fmt: skip


def fee_rows(community):
    community_type = ContentType.objects.get_for_model(Community)
    return Deadline.objects.filter(content_type=community_type, object_id=community.pk, kind=KIND_FEE_ACCOUNT)


@pytest.fixture(autouse=True)
def _english():
    """The messages are compared as written (msgids); the lead's translations do not change them."""
    with translation.override("en"):
        yield


def _unchanged(notice) -> tuple:
    notice = Notice.objects.get(pk=notice.pk)
    return (notice.status, notice.published_at, notice.published_by_id, notice.title, notice.starts_at)


# -- who writes them ---------------------------------------------------------------------------------------


EXPECTED_PUBLISHERS = {Role.CS_SUPERVISOR, Role.CS_MANAGER, Role.PROPERTY_SUPERVISOR}


def test_it_lets_exactly_the_cs_line_and_the_property_supervisor_publish(
    clock, community_a, sam, mona, pete, alice, leo
):
    for user in (sam, mona, pete):
        assert user.has_perm(Perm.PUBLISH_NOTICE, community_a)
    for user in (alice, leo):
        assert not user.has_perm(Perm.PUBLISH_NOTICE, community_a)
        assert user.has_perm(Perm.VIEW_REGISTER, community_a)  # … but they read the notices


def test_it_refuses_a_notice_from_someone_who_may_not_publish_and_writes_nothing(clock, community_a, alice):
    with pytest.raises(SurveyError):
        cut(alice, community_a, starts_at=MORNING + 2 * DAY)
    assert not Notice.objects.exists() and not AuditEntry.objects.exists()


def test_it_refuses_a_notice_for_another_community(clock, community_a, cora):
    with pytest.raises(SurveyError, match="阳光花园"):
        cut(cora, community_a, starts_at=MORNING + 2 * DAY)
    assert not Notice.objects.exists()


# -- writing a draft ----------------------------------------------------------------------------------------


def test_it_writes_a_draft_signed_by_the_community_s_service_center(clock, community_a, sam):
    notice = cut(sam, community_a, starts_at=MORNING + 2 * DAY)
    assert (notice.status, notice.published_at, notice.created_by) == (Status.DRAFT, None, sam)
    with translation.override(settings.LANGUAGE_CODE):  # printed for the owners: the site's language
        expected = translation.gettext("%(community)s customer service center") % {"community": "阳光花园"}
    assert notice.signed_by == expected
    assert notice.number == f"GG{notice.pk:06d}"
    assert AuditEntry.objects.filter(kind="surveys.notice_created", actor=sam).count() == 1


def test_it_keeps_a_signature_given(clock, community_a, sam):
    notice = cut(sam, community_a, starts_at=MORNING + 2 * DAY, signed_by="阳光花园物业服务中心工程部")
    assert notice.signed_by == "阳光花园物业服务中心工程部"


def test_it_keeps_only_the_times_that_belong_to_the_kind(clock, community_a, sam):
    notice = notices.notice_create(
        by=sam, community=community_a, kind=Kind.OTHER, title="春节安全提示", body="请注意防火防盗。",
        starts_at=MORNING + DAY, period_from=datetime.date(2026, 1, 1), period_to=datetime.date(2026, 3, 31),
    )  # fmt: skip
    assert [notice.starts_at, notice.ends_at, notice.period_from, notice.period_to] == [None] * 4


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"kind": Kind.WATER_CUT, "ends_at": MORNING + DAY}, "Give the time the cut starts."),
        ({"kind": Kind.POWER_CUT, "starts_at": MORNING + DAY}, "Give the time the supply is back."),
        (
            {"kind": Kind.WATER_CUT, "starts_at": MORNING + DAY, "ends_at": MORNING + DAY},
            "The cut must end after it starts.",
        ),
        (
            {"kind": Kind.WATER_CUT, "starts_at": MORNING - H, "ends_at": MORNING + H},
            "A planned cut starts in the future.",
        ),
        ({"kind": Kind.UNPLANNED_CUT, "starts_at": None}, "Give the time the cut began."),
        (
            {"kind": Kind.UNPLANNED_CUT, "starts_at": MORNING - H, "ends_at": MORNING - 2 * H},
            "The cut must end after it starts.",
        ),
        ({"kind": Kind.FEE_ACCOUNT, "period_from": None, "period_to": datetime.date(2026, 9, 30)},
         "Give the first day the accounts cover."),
        (
            {"kind": Kind.FEE_ACCOUNT, "period_from": datetime.date(2026, 9, 1),
             "period_to": datetime.date(2026, 8, 31)},
            "The accounts period must end on or after its first day.",
        ),
        (
            {"kind": Kind.FEE_ACCOUNT, "period_from": datetime.date(2026, 10, 1),
             "period_to": datetime.date(2026, 11, 24)},
            "The accounts cannot cover days still to come",
        ),
        ({"kind": Kind.SURVEY_RESULT}, "The results of a satisfaction survey are published from its round."),
        ({"kind": Kind.OTHER, "title": "  "}, "Give the notice a title."),
        ({"kind": Kind.OTHER, "body": ""}, "Write the text of the notice."),
    ],
)  # fmt: skip
def test_it_refuses_a_draft_with_the_reason_and_writes_nothing(clock, community_a, sam, fields, problem):
    fields = {"title": "标题", "body": "正文", **fields}
    with pytest.raises(SurveyError) as refused:
        notices.notice_create(by=sam, community=community_a, **fields)
    assert problem in str(refused.value)
    assert not Notice.objects.exists() and not AuditEntry.objects.exists()


def test_it_refuses_an_unplanned_cut_whose_start_is_in_the_future(clock, community_a, sam):
    """R-COM-2: an unplanned cut is explained with an apology afterwards."""
    with pytest.raises(SurveyError, match="cannot be in the future"):
        notices.notice_create(
            by=sam, community=community_a, kind=Kind.UNPLANNED_CUT, title="停电致歉", body="……",
            starts_at=MORNING + MIN,
        )  # fmt: skip
    assert not Notice.objects.exists()


def test_it_accepts_the_accounts_of_a_period_ending_today(clock, community_a, sam):
    notice = fee_account(sam, community_a, period_from=datetime.date(2026, 8, 24), period_to=MORNING.date())
    assert notice.period_to == datetime.date(2026, 11, 23)


def test_it_rewrites_a_draft(clock, community_a, sam, pete):
    notice = cut(sam, community_a, starts_at=MORNING + 2 * DAY)
    notices.notice_update(
        notice_id=notice.pk, by=pete, kind=Kind.POWER_CUT, title="配电房检修停电通知", body="……",
        starts_at=MORNING + 3 * DAY, ends_at=MORNING + 3 * DAY + 4 * H,
    )  # fmt: skip
    notice.refresh_from_db()
    assert (notice.kind, notice.title, notice.starts_at, notice.community) == (
        Kind.POWER_CUT, "配电房检修停电通知", MORNING + 3 * DAY, community_a,
    )  # fmt: skip


def test_it_leaves_the_draft_unchanged_when_the_rewrite_is_refused(clock, community_a, sam):
    notice = cut(sam, community_a, starts_at=MORNING + 2 * DAY)
    before = _unchanged(notice)
    with pytest.raises(SurveyError):
        notices.notice_update(
            notice_id=notice.pk, by=sam, kind=Kind.WATER_CUT, title="改了", body="……",
            starts_at=MORNING + 2 * DAY, ends_at=MORNING + DAY,
        )  # fmt: skip
    assert _unchanged(notice) == before


def test_it_changes_only_drafts(clock, community_a, sam):
    notice = cut(sam, community_a, starts_at=MORNING + 2 * DAY)
    notices.notice_publish(notice_id=notice.pk, by=sam)
    before = _unchanged(notice)
    with pytest.raises(SurveyError, match="Only a draft can be changed"):
        notices.notice_update(
            notice_id=notice.pk, by=sam, kind=Kind.WATER_CUT, title="改了", body="……",
            starts_at=MORNING + 3 * DAY, ends_at=MORNING + 3 * DAY + H,
        )  # fmt: skip
    assert _unchanged(notice) == before


def test_it_refuses_another_community_s_staff_the_rewrite(clock, community_a, sam, cora):
    notice = cut(sam, community_a, starts_at=MORNING + 2 * DAY)
    with pytest.raises(SurveyError):
        notices.notice_update(
            notice_id=notice.pk, by=cora, kind=Kind.WATER_CUT, title="改了", body="……",
            starts_at=MORNING + 2 * DAY, ends_at=MORNING + 3 * DAY,
        )  # fmt: skip
    assert Notice.objects.get(pk=notice.pk).title == "二次供水水箱清洗停水通知"


# -- publishing: the 24-hour rule for planned cuts (R-COM-2) -----------------------------------------------


def test_it_publishes_a_planned_cut_exactly_24_hours_ahead_at_the_server_s_time(clock, community_a, sam):
    notice = cut(sam, community_a, starts_at=MORNING + DAY)
    published = notices.notice_publish(notice_id=notice.pk, by=sam)
    assert (published.status, published.published_at) == (Status.PUBLISHED, MORNING)
    assert published.published_by == sam
    assert AuditEntry.objects.filter(kind="surveys.notice_published").count() == 1


def test_it_refuses_a_planned_cut_23_hours_59_minutes_ahead_with_the_reason(clock, community_a, sam, alice):
    notice = cut(sam, community_a, starts_at=MORNING + DAY - MIN)
    before = _unchanged(notice)
    with pytest.raises(SurveyError) as refused:
        notices.notice_publish(notice_id=notice.pk, by=sam)
    message = str(refused.value)
    assert "23 h 59 min" in message and "R-COM-2" in message and "24 hours" in message
    assert "2026-11-24 09:59" in message  # when it starts
    assert "2026-11-24 10:00" in message  # the earliest start that would be allowed now
    assert "unplanned cut" in message  # the way out when the work is urgent
    assert _unchanged(notice) == before  # nothing written
    assert not AuditEntry.objects.filter(kind="surveys.notice_published").exists()
    assert not Notification.objects.exists()


def test_it_refuses_a_planned_cut_whose_start_has_passed_since_it_was_written(clock, community_a, sam):
    notice = cut(sam, community_a, starts_at=MORNING + 2 * H)
    clock.move_to(MORNING + 3 * H)
    with pytest.raises(SurveyError, match="has passed"):
        notices.notice_publish(notice_id=notice.pk, by=sam)
    assert Notice.objects.get(pk=notice.pk).status == Status.DRAFT


def test_it_stamps_the_publication_with_the_server_s_clock_not_the_draft_s(community_a, sam):
    with time_machine.travel(MORNING, tick=False):
        notice = cut(sam, community_a, starts_at=MORNING + 3 * DAY)
    with time_machine.travel(MORNING + DAY + 5 * MIN, tick=False):
        notices.notice_publish(notice_id=notice.pk, by=sam)
    notice.refresh_from_db()
    assert notice.published_at == MORNING + DAY + 5 * MIN
    assert notice.created_at == MORNING


def test_it_tells_the_front_desk_of_the_community_about_a_cut(clock, community_a, sam, alice, carol):
    notice = cut(sam, community_a, starts_at=MORNING + 2 * DAY)
    notices.notice_publish(notice_id=notice.pk, by=sam)
    told = Notification.objects.get()
    assert told.recipient == alice and told.link == f"/surveys/notices/{notice.pk}/"
    assert "二次供水水箱清洗停水通知" in told.text


def test_it_publishes_an_unplanned_cut_explained_afterwards(clock, community_a, pete):
    notice = notices.notice_create(
        by=pete, community=community_a, kind=Kind.UNPLANNED_CUT, title="突发停水的情况说明及致歉",
        body="因市政供水管道爆裂……给您带来不便，深表歉意。", starts_at=at(23, 2), ends_at=at(23, 7),
    )  # fmt: skip
    published = notices.notice_publish(notice_id=notice.pk, by=pete)
    assert (published.status, published.published_at) == (Status.PUBLISHED, MORNING)


def test_it_publishes_a_draft_only_once(clock, community_a, sam):
    notice = cut(sam, community_a, starts_at=MORNING + 2 * DAY)
    notices.notice_publish(notice_id=notice.pk, by=sam)
    clock.move_to(MORNING + H)
    with pytest.raises(SurveyError):
        notices.notice_publish(notice_id=notice.pk, by=sam)
    assert Notice.objects.get(pk=notice.pk).published_at == MORNING


def test_it_refuses_publication_to_another_community_s_staff(clock, community_a, sam, cora, mike):
    notice = cut(sam, community_a, starts_at=MORNING + 2 * DAY)
    for user in (cora, mike):
        with pytest.raises(SurveyError):
            notices.notice_publish(notice_id=notice.pk, by=user)
    assert Notice.objects.get(pk=notice.pk).status == Status.DRAFT


# -- withdrawing ---------------------------------------------------------------------------------------------


def test_it_withdraws_a_published_notice_with_a_reason_and_keeps_it(clock, community_a, sam, mona):
    notice = cut(sam, community_a, starts_at=MORNING + 2 * DAY)
    notices.notice_publish(notice_id=notice.pk, by=sam)
    clock.move_to(MORNING + 2 * H)
    notices.notice_withdraw(notice_id=notice.pk, by=mona, reason="施工改期，另行通知")
    notice.refresh_from_db()
    assert (notice.status, notice.withdrawn_at, notice.withdrawn_reason, notice.published_at) == (
        Status.WITHDRAWN, MORNING + 2 * H, "施工改期，另行通知", MORNING,
    )  # fmt: skip


def test_it_withdraws_only_with_a_reason_and_only_a_published_notice(clock, community_a, sam):
    notice = cut(sam, community_a, starts_at=MORNING + 2 * DAY)
    with pytest.raises(SurveyError):
        notices.notice_withdraw(notice_id=notice.pk, by=sam, reason="不需要了")  # a draft
    notices.notice_publish(notice_id=notice.pk, by=sam)
    with pytest.raises(SurveyError, match="reason"):
        notices.notice_withdraw(notice_id=notice.pk, by=sam, reason="   ")
    assert Notice.objects.get(pk=notice.pk).status == Status.PUBLISHED


@pytest.fixture
def survey_result(community_a, sam):
    """A survey result as the round's publication writes it (published, from the round's service)."""
    return Notice.objects.create(
        community=community_a, kind=Kind.SURVEY_RESULT, title="2026年下半年满意度调查结果公示",
        body="本次调查回收率85%，总体满意率92%。主要改进事项：……", status=Status.PUBLISHED,
        signed_by="阳光花园客户服务中心", created_by=sam, published_at=MORNING - DAY, published_by=sam,
    )  # fmt: skip


def test_it_leaves_a_survey_result_to_its_round(clock, survey_result, sam):
    with pytest.raises(SurveyError):
        notices.notice_withdraw(notice_id=survey_result.pk, by=sam, reason="错误")
    with pytest.raises(SurveyError):
        notices.notice_update(notice_id=survey_result.pk, by=sam, kind=Kind.OTHER, title="x", body="y")
    assert Notice.objects.get(pk=survey_result.pk).status == Status.PUBLISHED


# -- the quarterly fee accounts (R-COM-2) --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("published", "due"),
    [
        (sh(2026, 11, 30, 15), sh(2027, 3, 1)),  # the end of 2027-02-28 (clipped to the month end)
        (MORNING, sh(2027, 2, 24)),  # the end of 2027-02-23
        (sh(2026, 8, 31, 9), sh(2026, 12, 1)),  # 30 November is the last day
        (sh(2027, 11, 30, 9), sh(2028, 3, 1)),  # a leap year: 29 February
        (sh(2027, 11, 29, 9), sh(2028, 3, 1)),
        # R-TIME-2: the Shanghai day counts — 00:30 on 1 December is still 30 November in UTC
        (sh(2026, 12, 1, 0, 30), sh(2027, 3, 2)),
        (sh(2026, 11, 30, 23, 59), sh(2027, 3, 1)),
    ],
)  # fmt: skip
def test_it_dues_the_next_accounts_three_calendar_months_later_at_24_00(published, due):
    assert notices.fee_account_due_at(published.astimezone(datetime.UTC)) == due


def test_it_meets_the_fee_account_deadline_and_opens_the_next_one(community_a, sam, mona, leo):
    with time_machine.travel(at(1, 9, month=9), tick=False):
        notices.fee_account_deadlines_open()  # the beat's first row: due 3 months on
    assert fee_rows(community_a).get().due_at == sh(2026, 12, 2)
    published_at = at(30, 15)
    with time_machine.travel(published_at, tick=False):
        notice = fee_account(sam, community_a)
        notices.notice_publish(notice_id=notice.pk, by=sam)
    met, following = fee_rows(community_a).order_by("due_at")
    assert (met.met_at, met.met_by, met.met_late) == (published_at, sam, False)
    assert following.met_at is None
    assert following.due_at == sh(2027, 3, 1)  # end of 2027-02-28
    assert following.responsible_user == mona  # the CS center manager
    assert following.escalate_role == Role.LEADERSHIP
    assert following.warn_at == following.due_at - 7 * DAY
    assert following.link == "/surveys/notices/fee-accounts/"
    assert following.community == community_a


def test_it_opens_the_next_fee_account_row_even_without_an_open_one(clock, community_a, sam, mona):
    notice = fee_account(sam, community_a)
    notices.notice_publish(notice_id=notice.pk, by=sam)
    row = fee_rows(community_a).get()
    assert (row.due_at, row.met_at) == (sh(2027, 2, 24), None)


def test_it_gives_the_row_to_the_cs_department_without_a_cs_center_manager(clock, community_a, sam):
    from propsvc.models import Department
    from tests.factories import DepartmentFactory

    department = DepartmentFactory(community=community_a, kind=Department.Kind.CUSTOMER_SERVICE)
    notices.fee_account_deadlines_open()
    row = fee_rows(community_a).get()
    assert (row.responsible_user, row.responsible_department) == (None, department)


def test_it_does_not_touch_the_ledger_when_a_cut_is_published(clock, community_a, sam):
    notices.notice_publish(notice_id=cut(sam, community_a, starts_at=MORNING + 2 * DAY).pk, by=sam)
    assert not fee_rows(community_a).exists()


def test_the_beat_opens_one_row_per_community_and_is_idempotent(clock, community_a, community_b, mona, mike):
    opened = notices.fee_account_deadlines_open()
    assert {d.community for d in opened} == {community_a, community_b}
    assert fee_rows(community_a).get().due_at == sh(2027, 2, 24)
    assert fee_rows(community_b).get().responsible_user == mike
    clock.move_to(MORNING + DAY)
    assert notices.fee_account_deadlines_open() == []  # a rerun opens nothing
    assert fee_rows(community_a).count() == fee_rows(community_b).count() == 1


def test_the_beat_dues_a_community_three_months_after_its_last_publication(community_a, sam, mona):
    with time_machine.travel(at(20, 10, month=6), tick=False):
        notice = fee_account(
            sam, community_a, period_from=datetime.date(2026, 3, 20), period_to=datetime.date(2026, 6, 19)
        )
        notices.notice_publish(notice_id=notice.pk, by=sam)
    with time_machine.travel(MORNING, tick=False):
        deadline_meet(case=community_a, kind=KIND_FEE_ACCOUNT)  # the row closed some other way
        (opened,) = notices.fee_account_deadlines_open()
    # three months after 2026-06-20: long overdue — the sweep will say so
    assert opened.due_at == sh(2026, 9, 21)
    assert opened.is_overdue


def test_the_beat_task_returns_how_many_rows_it_opened(clock, community_a, community_b):
    from surveys.tasks import open_fee_account_deadlines

    assert open_fee_account_deadlines() == 2
    assert open_fee_account_deadlines() == 0


def test_the_beat_schedule_runs_the_task_daily():
    from propsvc.celery import app

    entry = app.conf.beat_schedule["open-fee-account-deadlines"]
    assert entry["task"] == "surveys.tasks.open_fee_account_deadlines"
    assert entry["schedule"].hour == {0}


# -- reads ---------------------------------------------------------------------------------------------------


def test_the_overview_shows_the_last_publication_and_the_next_due_date(
    clock, community_a, community_b, sam, quinn
):
    notices.fee_account_deadlines_open()
    notice = fee_account(sam, community_a)
    notices.notice_publish(notice_id=notice.pk, by=sam)
    ids = [community_a.pk, community_b.pk]
    lines = {line.community.code: line for line in notices.fee_account_overview(user=quinn, communities=ids)}
    assert (lines["ygh"].last_published_at, lines["ygh"].last_notice_id) == (MORNING, notice.pk)
    assert lines["ygh"].last_due_day == datetime.date(2027, 2, 23)
    assert lines["chy"].last_published_at is None and not lines["chy"].is_overdue
    clock.move_to(sh(2027, 2, 24, 0, 1))
    lines = notices.fee_account_overview(user=quinn, communities=ids)
    assert [line.is_overdue for line in lines] == [True, True]


def test_the_overview_shows_only_the_user_s_communities(clock, community_a, community_b, sam):
    notices.fee_account_deadlines_open()
    lines = notices.fee_account_overview(user=sam, communities=[community_a.pk, community_b.pk])
    assert [line.community for line in lines] == [community_a]
