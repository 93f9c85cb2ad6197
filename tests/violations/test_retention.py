"""Retention (DOMAIN.md R-VIO-8): records of general violations are kept one year, of major ones five
years — counted from the closing. services.retention_purge removes the expired closed cases with
everything that hangs off them and writes one append-only audit entry without personal data.

Cases are built through the services at past frozen times (time_machine.travel), then the clock goes
to NOW.
"""

import io
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from propsvc.models import AuditEntry, Deadline
from tests.violations.conftest import SHANGHAI, H, persuade, photo, register
from violations import services
from violations.models import FollowUp, Measure, Notice, Photo, Violation, ViolationEvent

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
MINUTE = timedelta(minutes=1)
GENERAL_FACTS = {"category": "sanitation", "subtype": "piling", "description": "楼道堆放纸箱杂物"}
MAJOR_FACTS = {
    "threatens_safety": True, "safety_note": "消防车无法通行",
    "caused_loss": True, "loss_note": "挡住车库门，邻居车辆刮伤",
    "description": "电动车长期停放在消防通道",
}  # fmt: skip


def closed_case(when, *, major, steward, closer, unit, owner=None, photos=()):
    """Registered, persuaded and closed at `when` (the owner stopped)."""
    with time_machine.travel(when, tick=False):
        violation = register(
            steward, unit.community, unit=unit, owner=owner, observed_at=when - H, photos=list(photos),
            **(MAJOR_FACTS if major else GENERAL_FACTS),
        )  # fmt: skip
        persuade(violation, steward, reaction="stopped", at_=when - H / 2)
        services.violation_close(violation_id=violation.pk, by=closer, note="业主已整改")
    return violation


def full_history_case(when, *, stella, pete, mona, sam, unit, owner):
    """A major case with every kind of record: photos, persuasion, rectification and its notice, a
    failed re-inspection, a signed compensation, a violation notice, the follow-up, closing — and
    the ledger rows of each step."""
    with time_machine.travel(when, tick=False):
        violation = register(
            stella, unit.community, unit=unit, owner=owner, observed_at=when - H,
            photos=[photo("现场.jpg"), photo("近景.png", "PNG")], **MAJOR_FACTS,
        )  # fmt: skip
        pk = violation.pk
        persuade(violation, stella, at_=when - H / 2)
        services.violation_set_rectification(
            violation_id=pk, by=pete, requirement="移走电动车", due_date=(when + timedelta(days=3)).date()
        )
        services.notice_issue(violation_id=pk, by=pete, kind=Notice.Kind.RECTIFICATION)
        services.violation_reinspect(violation_id=pk, by=stella, rectified=False, note="电动车仍在")
        services.violation_propose_penalty(
            violation_id=pk, by=pete, kind="compensation", basis="《管理规约》第二十条", amount=500
        )
        services.violation_sign_penalty(violation_id=pk, by=mona)
        services.notice_issue(violation_id=pk, by=pete, kind=Notice.Kind.VIOLATION)
        services.violation_follow_up(violation_id=pk, by=sam, method="visit", at=when, attitude="业主已赔偿")
        services.violation_close(violation_id=pk, by=mona, note="已赔偿并整改")
    return violation


def open_case(when, *, major, steward, unit, photos=()):
    with time_machine.travel(when, tick=False):
        return register(
            steward, unit.community, unit=unit, observed_at=when - H, photos=list(photos),
            **(MAJOR_FACTS if major else GENERAL_FACTS),
        )  # fmt: skip


def files_of(violation) -> list[Path]:
    return [
        Path(settings.MEDIA_ROOT) / name
        for name in Photo.objects.filter(violation=violation).values_list("file", flat=True)
    ]


def ledger(violation_pk: int):
    return Deadline.objects.filter(
        content_type=ContentType.objects.get_for_model(Violation), object_id=violation_pk
    )


def records(violation_pk: int) -> dict[str, int]:
    return {
        "photos": Photo.objects.filter(violation_id=violation_pk).count(),
        "measures": Measure.objects.filter(violation_id=violation_pk).count(),
        "notices": Notice.objects.filter(violation_id=violation_pk).count(),
        "follow_ups": FollowUp.objects.filter(violation_id=violation_pk).count(),
        "events": ViolationEvent.objects.filter(violation_id=violation_pk).count(),
        "deadlines": ledger(violation_pk).count(),
    }


@pytest.fixture
def cases(stella, pete, mona, leo, sam, unit_a, owner_a, service_dept_a):
    """The boundaries of R-VIO-8 around NOW, and open cases of any age."""
    general, major = {"major": False, "closer": pete}, {"major": True, "closer": mona}
    return {
        "general_gone": closed_case(
            NOW - relativedelta(years=1) - MINUTE,
            **general,
            steward=stella,
            unit=unit_a,
            owner=owner_a,
            photos=[photo("堆物.jpg")],
        ),
        "general_kept": closed_case(
            NOW - relativedelta(years=1) + MINUTE,
            **general,
            steward=stella,
            unit=unit_a,
            photos=[photo("留.jpg")],
        ),
        "major_gone": full_history_case(
            NOW - relativedelta(years=5) - MINUTE,
            stella=stella,
            pete=pete,
            mona=mona,
            sam=sam,
            unit=unit_a,
            owner=owner_a,
        ),
        "major_kept": closed_case(
            NOW - relativedelta(years=4, months=11), **major, steward=stella, unit=unit_a
        ),
        "major_closed_two_years_ago": closed_case(
            NOW - relativedelta(years=2), **major, steward=stella, unit=unit_a
        ),
        "open_general_ten_years": open_case(
            NOW - relativedelta(years=10), major=False, steward=stella, unit=unit_a
        ),
        "open_major_ten_years": open_case(
            NOW - relativedelta(years=10), major=True, steward=stella, unit=unit_a, photos=[photo("旧.jpg")]
        ),
        "open_today": open_case(NOW - H, major=False, steward=stella, unit=unit_a),
    }


GONE = ("general_gone", "major_gone")


def test_it_removes_exactly_the_expired_closed_cases(cases, django_capture_on_commit_callbacks):
    """R-VIO-8: general ones a year after closing, major ones five years; open cases never."""
    kept_records = {name: records(v.pk) for name, v in cases.items() if name not in GONE}
    with django_capture_on_commit_callbacks(execute=True):
        removed = services.retention_purge(now=NOW)
    assert removed == {"general": [cases["general_gone"].pk], "major": [cases["major_gone"].pk]}
    remaining = set(Violation.objects.values_list("pk", flat=True))
    assert remaining == {v.pk for name, v in cases.items() if name not in GONE}
    assert {name: records(v.pk) for name, v in cases.items() if name not in GONE} == kept_records


def test_it_removes_every_record_and_photo_file_of_a_removed_case(cases, django_capture_on_commit_callbacks):
    gone = cases["major_gone"]
    before = records(gone.pk)
    assert all(before.values()), before  # the case really had photos, measures, notices, … and ledger rows
    assert before["deadlines"] == 4  # rectification, next step, signature, follow-up
    gone_files = files_of(gone) + files_of(cases["general_gone"])
    kept_files = files_of(cases["general_kept"]) + files_of(cases["open_major_ten_years"])
    assert len(gone_files) == 3 and len(kept_files) == 2 and all(f.exists() for f in gone_files + kept_files)
    with django_capture_on_commit_callbacks(execute=True):
        services.retention_purge(now=NOW)
    for pk in (gone.pk, cases["general_gone"].pk):
        assert records(pk) == dict.fromkeys(before, 0)
    assert not any(f.exists() for f in gone_files)
    assert all(f.exists() for f in kept_files)


def test_it_writes_one_audit_entry_with_counts_and_ids_but_no_personal_data(cases, owner_a):
    services.retention_purge(now=NOW)
    entry = AuditEntry.objects.get(kind="violations.retention")
    assert entry.kind == "violations.retention" and entry.actor is None and entry.community is None
    assert entry.data == {
        "general": 1,
        "major": 1,
        "photos": 3,
        "ids": sorted([cases["general_gone"].pk, cases["major_gone"].pk]),
    }
    dumped = json.dumps(entry.data, ensure_ascii=False) + json.dumps(entry.data)
    personal = [owner_a.name, owner_a.mobile, owner_a.mobile[-4:], GENERAL_FACTS["description"]]
    personal += [MAJOR_FACTS[k] for k in ("description", "loss_note", "safety_note")]
    for text in personal:
        assert text not in dumped


def test_it_writes_no_audit_entry_when_nothing_is_due(stella, pete, unit_a):
    closed_case(NOW - relativedelta(months=6), major=False, steward=stella, closer=pete, unit=unit_a)
    assert services.retention_purge(now=NOW) == {"general": [], "major": []}
    assert not AuditEntry.objects.filter(kind="violations.retention").exists()


def test_it_only_reports_on_a_dry_run(cases, django_capture_on_commit_callbacks):
    files = [f for v in cases.values() for f in files_of(v)]
    count = Violation.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        report = services.retention_purge(now=NOW, dry_run=True)
    assert report == {"general": [cases["general_gone"].pk], "major": [cases["major_gone"].pk]}
    assert Violation.objects.count() == count and all(f.exists() for f in files)
    assert records(cases["major_gone"].pk)["deadlines"] == 4
    assert not AuditEntry.objects.filter(kind="violations.retention").exists()


def test_it_lists_the_expired_cases_from_the_command_on_a_dry_run(cases):
    out = io.StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("purge_violations", "--dry-run", stdout=out)
    text = out.getvalue()
    assert f"general: would remove 1: {cases['general_gone'].number}" in text
    assert f"major: would remove 1: {cases['major_gone'].number}" in text
    for name, violation in cases.items():
        if name not in GONE:
            assert violation.number not in text
    assert "dry run: nothing was removed" in text
    assert Violation.objects.count() == len(cases)
    assert not AuditEntry.objects.filter(kind="violations.retention").exists()


def test_it_removes_the_expired_cases_from_the_command(cases):
    out = io.StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("purge_violations", stdout=out)
    assert f"general: removed 1: {cases['general_gone'].number}" in out.getvalue()
    assert Violation.objects.count() == len(cases) - 2
    assert AuditEntry.objects.filter(kind="violations.retention").count() == 1


def test_it_runs_daily_from_beat_and_the_task_removes_the_expired_cases(cases):
    from propsvc.celery import app
    from violations.tasks import purge_expired_violations

    entry = app.conf.beat_schedule["purge-expired-violations"]
    assert entry["task"] == purge_expired_violations.name == "violations.tasks.purge_expired_violations"
    with time_machine.travel(NOW, tick=False):
        assert purge_expired_violations() == {"general": 1, "major": 1}
        assert purge_expired_violations() == {"general": 0, "major": 0}
    assert AuditEntry.objects.filter(kind="violations.retention").count() == 1


# -- the audit trail is append-only -------------------------------------------------------------------------


@pytest.fixture
def entry(cases):
    services.retention_purge(now=NOW)
    return AuditEntry.objects.get(kind="violations.retention")


def test_it_refuses_to_change_or_delete_an_audit_entry(entry):
    original = dict(entry.data)
    entry.data = {"general": 0}
    with pytest.raises(AuditEntry.Immutable):
        entry.save()
    with pytest.raises(AuditEntry.Immutable):
        entry.delete()
    with pytest.raises(AuditEntry.Immutable):
        AuditEntry.objects.all().delete()
    with pytest.raises(AuditEntry.Immutable):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(AuditEntry.Immutable):
        AuditEntry.objects.all().update(data={})
    with pytest.raises(AuditEntry.Immutable):
        AuditEntry.objects.filter(pk=entry.pk).update(kind="violations.nothing")
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert (stored.kind, stored.data) == ("violations.retention", original)


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    ["DELETE FROM propsvc_auditentry", "UPDATE propsvc_auditentry SET kind = 'x'"],
    ids=["delete", "update"],
)
def test_it_refuses_raw_sql_on_the_audit_trail(entry, sql):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the trigger that refuses UPDATE and DELETE exists only there")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert AuditEntry.objects.filter(pk=entry.pk, kind="violations.retention").exists()
