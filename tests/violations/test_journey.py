"""The issue's "Done when", through the pages only: one browser per actor, the clock moved by hand,
the tasks called directly (STYLE.md 23). After the actors exist, nothing is written to the database
except through the pages and the scheduled jobs; the database is only read to assert.

A steward registers a blocked fire lane with a photo (major: the CS center manager and the leadership
are told); the property supervisor persuades and sets a rectification deadline, is reminded the day
before, re-inspects it not rectified and proposes 800 yuan compensation, which he may not sign; the
CS center manager signs; the violation notice is printed; the CS supervisor reaches out to the owner;
the manager closes it; finance downloads November's charges; five years and a day after the closing
the case is purged while a case still open stays.
"""

import io
import re

from dateutil.relativedelta import relativedelta
from django.test import Client
from django.utils.html import escape
from django.utils.translation import gettext, override
from openpyxl import load_workbook

from propsvc.services import deadline_sweep
from tests.violations.conftest import DAY, H, at, photo
from violations.models import Measure, Violation
from violations.tasks import build_charge_lists, purge_expired_violations

SIGNERS_ONLY = (
    "Only the property company manager or the CS center manager may decide a penalty; "
    "other staff may only persuade."
)


def _browser(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def _ok(r, status=302):
    assert r.status_code == status, r.content.decode()[:2000]
    return r


def _notifications(browser) -> str:
    return _ok(browser.get("/notifications/"), 200).content.decode()


def _local(moment) -> str:
    from django.utils import timezone

    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_it_handles_a_blocked_fire_lane_from_the_patrol_to_the_purge(
    clock, settings, stella, pete, mona, leo, sam, fiona, unit_a, owner_a, django_capture_on_commit_callbacks
):
    browsers = {u.username: _browser(u) for u in (stella, pete, mona, leo, sam, fiona)}
    steward, supervisor, manager = browsers["stella"], browsers["pete"], browsers["mona"]

    # 10:00 Monday. A case that stays open throughout, registered first.
    r = _ok(steward.post("/violations/new/", {
        "location": "2栋大堂", "category": "sanitation", "subtype": "litter",
        "observed_at": "2026-11-23T09:00", "description": "大堂乱扔垃圾",
    }))  # fmt: skip
    still_open = r["Location"]

    # The steward registers the blocked fire lane, with a photo taken on patrol.
    r = _ok(steward.post("/violations/new/", {
        "unit": unit_a.pk, "category": "fire", "subtype": "fire_lane", "observed_at": "2026-11-23T09:30",
        "description": "电动车和杂物堵塞3栋东侧消防通道",
        "threatens_safety": "on", "safety_note": "消防车无法通行",
        "caused_loss": "on", "loss_note": "杂物挡住车库门，邻居车辆刮伤",
        "photos": [photo("消防通道.jpg")],
    }))  # fmt: skip
    case = r["Location"]
    violation = Violation.objects.get(pk=int(case.strip("/").split("/")[-1]))
    assert case == f"/violations/{violation.pk}/"
    assert violation.severity == "major" and violation.owner == owner_a and violation.photos.count() == 1
    page = _ok(steward.get(case), 200)
    photo_url = page.context["photos"][0].get_absolute_url()
    assert _ok(manager.get(photo_url), 200)["Content-Type"] == "image/jpeg"
    # A threat to public safety is major: the CS center manager and the leadership are told at once.
    for name in ("mona", "leo"):
        assert violation.number in _notifications(browsers[name])

    # The supervisor persuades; the owner refuses; a rectification deadline two days ahead.
    _ok(supervisor.post(f"{case}persuade/", {
        "persuade-at": "2026-11-23T09:50", "persuade-reaction": "refused",
        "persuade-note": "讲解消防通道规定",
    }))  # fmt: skip
    _ok(supervisor.post(f"{case}rectify/", {
        "rectify-requirement": "移走电动车和杂物，保持通道畅通", "rectify-due_date": "2026-11-25",
    }))  # fmt: skip
    rectification = violation.measures.get(kind=Measure.Kind.RECTIFICATION)
    assert rectification.due_at == at(26, 0)  # 24:00 of the 25th
    r = _ok(supervisor.post(f"{case}notices/", {"kind": "rectification"}))
    assert "2026年11月25日 24:00前" in _ok(supervisor.get(r["Location"]), 200).content.decode()

    # The day before the deadline, plus an hour: the sweep reminds the supervisor.
    clock.move_to(rectification.due_at - DAY - H)  # two hours earlier: nothing yet
    assert deadline_sweep()["warned"] == 0
    assert violation.number not in _notifications(supervisor)
    clock.move_to(rectification.due_at - DAY + H)
    assert deadline_sweep()["warned"] == 1
    assert violation.number in _notifications(supervisor)

    # After the deadline the supervisor re-inspects: not rectified.
    clock.move_to(rectification.due_at + 9 * H)
    _ok(supervisor.post(f"{case}reinspect/", {"reinspect-rectified": "no", "reinspect-note": "通道仍被堵塞"}))
    assert Violation.objects.get(pk=violation.pk).status == "not_rectified"

    # He proposes 800 yuan compensation for the neighbour's car.
    _ok(supervisor.post(f"{case}propose/", {
        "propose-kind": "compensation", "propose-amount": "800", "propose-basis": "《管理规约》第十二条",
        "propose-note": "邻居车辆维修费",
    }))  # fmt: skip
    compensation = violation.measures.get(kind=Measure.Kind.COMPENSATION)
    assert compensation.status == "proposed"

    # He may not sign it himself (R-VIO-6) …
    r = _ok(supervisor.post(f"{case}sign/", {"sign-note": ""}), 400)
    with override(r["Content-Language"]):
        assert escape(gettext(SIGNERS_ONLY)) in r.content.decode()
    compensation.refresh_from_db()
    assert compensation.status == "proposed" and compensation.signed_by is None
    # … the CS center manager does.
    clock.move_to(rectification.due_at + 10 * H)
    _ok(manager.post(f"{case}sign/", {"sign-note": "同意赔偿"}))
    compensation.refresh_from_db()
    assert compensation.status == "effective" and compensation.signed_by == mona

    # The violation notice: the facts and the 800 yuan, on A4 for the owner.
    r = _ok(manager.post(f"{case}notices/", {"kind": "violation"}))
    sheet = _ok(manager.get(r["Location"]), 200).content.decode()
    assert 'class="notice-sheet"' in sheet
    facts = (
        "3栋2单元1101室", "王建国", "电动车和杂物堵塞3栋东侧消防通道", "消防车无法通行",
        "杂物挡住车库门，邻居车辆刮伤", "800.00", "《管理规约》第十二条", "2026年11月26日",
    )  # fmt: skip
    for fact in facts:
        assert fact in sheet, fact

    # The CS supervisor reaches out to the owner; then the manager closes the case.
    clock.move_to(rectification.due_at + 2 * DAY + 15 * H)
    _ok(browsers["sam"].post(f"{case}follow-up/", {
        "follow-up-method": "visit", "follow-up-at": _local(rectification.due_at + 2 * DAY + 14 * H),
        "follow-up-attitude": "业主已赔偿并表示以后不再占用通道",
    }))  # fmt: skip
    _ok(manager.post(f"{case}close/", {"close-note": "已赔偿，通道畅通"}))
    closed = Violation.objects.get(pk=violation.pk)
    assert closed.status == "closed" and closed.closed_by == mona

    # The start of next month: the charges to collect go to finance.
    clock.move_to(at(1, 6, 10, month=12))
    assert build_charge_lists() == 1  # community A's list for November
    finance = browsers["fiona"]
    assert "2026-11" in _notifications(finance)
    page = _ok(finance.get("/violations/charges/"), 200).content.decode()
    lists = re.findall(r'href="(/violations/charges/\d+/)"', page)
    lines = []
    for url in lists:
        r = _ok(finance.get(url), 200)
        book = load_workbook(io.BytesIO(b"".join(r.streaming_content)))
        lines += [row for row in book.active.iter_rows(min_row=4, values_only=True) if row[1]]
    assert [(row[1], row[2], row[3], row[6]) for row in lines] == [
        (violation.number, "3栋2单元1101室", "王建国", 800.0)
    ]

    # Five years and a day after the closing (R-VIO-8): the major case is gone, the open one stays.
    clock.move_to(closed.closed_at + relativedelta(years=5) + DAY)
    for name, user in (("mona", mona), ("fiona", fiona)):
        browsers[name].force_login(user)  # the old sessions expired long ago
    photo_file = settings.MEDIA_ROOT / violation.photos.get().file.name
    assert photo_file.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert purge_expired_violations() == {"general": 0, "major": 1}
    assert manager.get(case).status_code == 404
    assert manager.get(photo_url).status_code == 404
    assert not photo_file.exists()
    assert _ok(manager.get(still_open), 200).context["violation"].status == "open"
    # The charge list sent to finance is the accounts' record and stays.
    assert all(finance.get(url).status_code == 200 for url in lists)
