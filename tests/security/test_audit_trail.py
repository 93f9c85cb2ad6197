"""The audit trail (issue 11, item 5; "security logs are kept at least 6 months" of item 6).

Each sensitive action writes an AuditEntry (who, when, what, community, from where); the managers'
page /audit/ reads them within the reader's scope; nothing changes or deletes an entry; no sweep
removes an entry or an access-log row.
"""

import datetime
import importlib
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from archives import services as archive_services
from archives.models import AccessLog
from propsvc import export_jobs
from propsvc.celery import app as celery_app
from propsvc.models import AuditEntry, ExportJob, Membership
from propsvc.roles import Role
from propsvc.services import audit_write
from tests.archives.support import ask, open_window
from tests.conftest import _member
from tests.factories import CommunityFactory, UnitFactory, UserFactory
from tests.violations.conftest import persuade, register
from violations import services as violation_services

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
H = datetime.timedelta(hours=1)
ADDRESS = "10.8.1.23"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def mona(community_a):
    return _member("mona", community_a, Role.CS_MANAGER)


@pytest.fixture
def mike(community_b):
    return _member("mike", community_b, Role.CS_MANAGER)


@pytest.fixture
def leo(db):
    return _member("leo", None, Role.LEADERSHIP)


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def _proposed(community, *, steward, handler):
    unit = UnitFactory(building__community=community)
    violation = register(steward, community, unit=unit, caused_loss=True, loss_note="损坏公共绿地草坪")
    persuade(violation, steward)
    violation_services.violation_propose_penalty(
        violation_id=violation.pk, by=handler, kind="compensation", basis="《管理规约》第二十条", amount=300
    )
    return violation


def _only(kind: str) -> AuditEntry:
    return AuditEntry.objects.get(kind=kind)


# -- 1. every sensitive action is written ----------------------------------------------------------------


def test_it_records_a_signed_penalty_with_who_when_community_and_address(client, clock, community_a, mona):
    pete = _member("pete", community_a, Role.PROPERTY_SUPERVISOR)
    stella = _member("stella", community_a, Role.AREA_STEWARD)
    violation = _proposed(community_a, steward=stella, handler=pete)
    client.force_login(mona)
    r = client.post(f"/violations/{violation.pk}/sign/", {"sign-note": "同意赔偿"}, REMOTE_ADDR=ADDRESS)
    assert r.status_code == 302
    entry = _only("violations.penalty_signed")
    measure = violation.measures.get(kind="compensation")
    assert (entry.actor, entry.community, entry.address, entry.at) == (mona, community_a, ADDRESS, NOW)
    assert entry.data == {"violation": violation.pk, "measure": measure.pk, "penalty": "compensation"}


def test_it_records_a_refused_penalty(clock, community_a, mona):
    pete = _member("pete", community_a, Role.PROPERTY_SUPERVISOR)
    violation = _proposed(community_a, steward=pete, handler=pete)
    violation_services.violation_refuse_penalty(violation_id=violation.pk, by=mona, note="先再劝导一次")
    entry = _only("violations.penalty_refused")
    assert (entry.actor, entry.community_id, entry.address) == (mona, community_a.pk, None)  # no request


def test_it_records_the_approval_the_registration_and_each_access_of_a_look_up(
    client, clock, community_a, mona, unit_a
):
    ada = _member("ada", community_a, Role.ARCHIVIST)
    alice = _member("alice", community_a, Role.RECEPTIONIST)
    lookup = ask(unit_a, alice)
    client.force_login(mona)
    client.post(f"/archives/lookups/{lookup.pk}/approve/", {"note": "同意"}, REMOTE_ADDR="10.8.1.1")
    client.force_login(ada)
    client.post(f"/archives/lookups/{lookup.pk}/register/", REMOTE_ADDR="10.8.1.2")
    client.force_login(alice)
    for _ in range(2):
        assert client.get(f"/archives/units/{unit_a.pk}/archive/", REMOTE_ADDR=ADDRESS).status_code == 200
    approved, registered = _only("archives.lookup_approved"), _only("archives.lookup_registered")
    assert (approved.actor, approved.community, approved.address) == (mona, community_a, "10.8.1.1")
    assert (registered.actor, registered.address) == (ada, "10.8.1.2")
    assert approved.data["lookup"] == lookup.pk and approved.data["requested_by"] == alice.pk
    reads = list(AuditEntry.objects.filter(kind="archives.accessed"))
    assert len(reads) == 2 == AccessLog.objects.filter(request=lookup).count()
    assert {(e.actor, e.community, e.address, e.data["what"]) for e in reads} == {
        (alice, community_a, ADDRESS, "page")
    }


def test_it_records_a_rejected_look_up(clock, community_a, mona, unit_a):
    alice = _member("alice", community_a, Role.RECEPTIONIST)
    lookup = ask(unit_a, alice)
    archive_services.lookup_reject(request_id=lookup.pk, by=mona, note="理由不充分")
    assert _only("archives.lookup_rejected").data["lookup"] == lookup.pk


def test_it_records_roles_given_changed_and_taken_in_the_admin(client, root, community_a, community_b):
    ivy = UserFactory(username="ivy")
    client.force_login(root)
    url = "/admin/propsvc/membership/"
    data = {"user": ivy.pk, "community": community_a.pk, "role": Role.RECEPTIONIST, "department": ""}
    assert client.post(url + "add/", data, REMOTE_ADDR=ADDRESS).status_code == 302
    membership = Membership.objects.get(user=ivy)
    changed = data | {"community": community_b.pk, "role": Role.CS_MANAGER}
    assert client.post(f"{url}{membership.pk}/change/", changed, REMOTE_ADDR=ADDRESS).status_code == 302
    assert client.post(f"{url}{membership.pk}/change/", changed, REMOTE_ADDR=ADDRESS).status_code == 302
    assert (
        client.post(f"{url}{membership.pk}/delete/", {"post": "yes"}, REMOTE_ADDR=ADDRESS).status_code == 302
    )
    entries = list(AuditEntry.objects.order_by("pk"))
    # Saving the same values again changes nothing: no entry.
    assert [e.kind for e in entries] == [
        "roles.membership_added",
        "roles.membership_changed",
        "roles.membership_removed",
    ]
    added, moved, removed = entries
    assert {e.actor for e in entries} == {root} and {e.address for e in entries} == {ADDRESS}
    assert (added.community, added.data["role"], added.data["user"]) == (community_a, "receptionist", ivy.pk)
    assert moved.community == community_b
    assert moved.data["before"] == {
        "role": "receptionist",
        "role_community": community_a.pk,
        "department": None,
        "user": ivy.pk,
    }
    assert (removed.community, removed.data["role"]) == (community_b, "cs_manager")


def test_it_records_roles_taken_by_the_bulk_delete_action(client, root, community_a, mona):
    client.force_login(root)
    pk = Membership.objects.get(user=mona).pk
    r = client.post(
        "/admin/propsvc/membership/",
        {"action": "delete_selected", "_selected_action": [pk], "post": "yes"},
        REMOTE_ADDR=ADDRESS,
    )
    assert r.status_code == 302 and not Membership.objects.filter(pk=pk).exists()
    entry = _only("roles.membership_removed")
    assert (entry.community, entry.data["user"], entry.address) == (community_a, mona.pk, ADDRESS)


def test_it_records_a_superuser_flag_given_in_the_admin(client, root):
    ivy = UserFactory(username="ivy")
    client.force_login(root)
    page = client.get(f"/admin/auth/user/{ivy.pk}/change/")
    data = {
        key: value
        for key, value in page.context["adminform"].form.initial.items()
        if key in ("username", "first_name", "last_name", "email") and value is not None
    }
    data |= {"is_active": "on", "is_superuser": "on", "date_joined_0": "2026-11-01", "date_joined_1": "09:00"}
    r = client.post(f"/admin/auth/user/{ivy.pk}/change/", data, REMOTE_ADDR=ADDRESS)
    assert r.status_code == 302, r.context["adminform"].form.errors if r.context else r
    entry = _only("staff.access_changed")
    assert (entry.actor, entry.address, entry.community) == (root, ADDRESS, None)
    assert entry.data == {"user": ivy.pk, "is_superuser": True}


def test_it_records_an_export_with_personal_data_in_its_community(client, clock, community_a, mona):
    audit_write(kind="archives.accessed", actor=mona, community=community_a, what="page", lookup=1, unit=1)
    client.force_login(mona)
    r = client.get("/audit/export/", REMOTE_ADDR=ADDRESS)
    assert r.status_code == 200
    entry = _only("export.inline")
    assert (entry.actor, entry.address, entry.community) == (mona, ADDRESS, community_a)
    assert entry.data == {"export": "audit_trail", "rows": 1, "communities": [community_a.pk]}


def test_it_records_retention_removals(community_a):
    pete = _member("pete", community_a, Role.PROPERTY_SUPERVISOR)
    closed = NOW - datetime.timedelta(days=400)
    with time_machine.travel(closed, tick=False):
        violation = register(
            pete, community_a, category="sanitation", subtype="piling", description="楼道堆放纸箱",
            observed_at=closed - H,
        )  # fmt: skip
        persuade(violation, pete, reaction="stopped", at_=closed - H / 2)
        violation_services.violation_close(violation_id=violation.pk, by=pete, note="业主已整改")
    with time_machine.travel(NOW, tick=False):
        violation_services.retention_purge()
    entry = _only("violations.retention")
    assert entry.actor is None and entry.data["ids"] == [violation.pk] and entry.at == NOW


def test_an_anonymous_entry_never_takes_the_request_address(client, community_a):
    # The public suggestion box: owners are not tracked by their address.
    from surveys import services as survey_services

    response = client.get("/healthz")  # any request: the address is known only while it is served
    assert response.status_code in (200, 503)
    survey_services.box_suggestion_post(
        community_id=community_a.pk, text="电梯经常停运", address="203.0.113.9"
    )
    assert _only("surveys.suggestion_posted").address is None


# -- 2. the page for managers ------------------------------------------------------------------------------


@pytest.fixture
def trail(clock, community_a, community_b, mona, mike, leo):
    """One entry of each kind in A, one in B, one without a community."""
    alice = _member("alice", community_a, Role.RECEPTIONIST)
    ivy = UserFactory(username="ivy", first_name="艾", last_name="李")
    entries = {
        "signed": audit_write(
            kind="violations.penalty_signed", actor=mona, community=community_a, address="10.0.0.5",
            violation=42, measure=7, penalty="compensation",
        ),
        "accessed": audit_write(
            kind="archives.accessed", actor=alice, community=community_a, address="10.0.1.9",
            lookup=12, unit=3, what="document", document=5,
        ),
        "role": audit_write(
            kind="roles.membership_added", actor=leo, community=community_a, address="10.0.0.1",
            membership=9, user=ivy.pk, role="archivist", role_community=community_a.pk, department=None,
        ),
        "b": audit_write(
            kind="violations.penalty_signed", actor=mike, community=community_b, address="10.9.9.9",
            violation=43, measure=8, penalty="criticism",
        ),
        "company": audit_write(kind="login.failed", address="10.7.7.7", failures=3, known=False),
    }  # fmt: skip
    return entries


def _listed(response) -> set[int]:
    return {e.pk for e in response.context["page"].object_list}


def test_a_cs_center_manager_sees_only_their_own_communitys_entries(client, trail, mona):
    client.force_login(mona)
    r = client.get("/audit/")
    assert r.status_code == 200
    assert _listed(r) == {trail["signed"].pk, trail["accessed"].pk, trail["role"].pk}
    html = r.content.decode()
    assert "翠湖苑" not in html and "10.9.9.9" not in html and "10.7.7.7" not in html
    # Asking for B (or the company level) by the filter shows nothing more.
    b = trail["b"].community_id
    assert _listed(client.get(f"/audit/?community={b}")) == _listed(r)
    assert _listed(client.get("/audit/?community=company")) == _listed(r)
    assert _listed(client.get(f"/audit/?community={b}&kind=violations.penalty_signed")) == {
        trail["signed"].pk
    }


def test_leadership_sees_every_entry_company_level_included(client, trail, leo):
    client.force_login(leo)
    assert _listed(client.get("/audit/")) == {e.pk for e in trail.values()}
    assert _listed(client.get("/audit/?community=company")) == {trail["company"].pk}
    assert _listed(client.get(f"/audit/?community={trail['b'].community_id}")) == {trail["b"].pk}


def test_a_manager_of_a_who_works_in_b_sees_none_of_bs_entries(client, trail, mona, community_b):
    from tests.factories import MembershipFactory

    MembershipFactory(user=mona, community=community_b, role=Role.RECEPTIONIST)
    client.force_login(mona)
    assert trail["b"].pk not in _listed(client.get("/audit/"))
    assert trail["b"].pk not in _listed(client.get(f"/audit/?community={community_b.pk}"))


@pytest.mark.parametrize("role", [Role.RECEPTIONIST, Role.ARCHIVIST, Role.CS_SUPERVISOR, Role.QUALITY])
def test_it_refuses_staff_without_the_permission(client, trail, community_a, role):
    user = _member("u", None if role == Role.QUALITY else community_a, role)
    client.force_login(user)
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export/").status_code == 403


def test_it_shows_each_action_in_chinese_words_never_as_raw_data(client, trail, leo):
    from django.utils import translation

    from propsvc.audit import kind_label

    client.force_login(leo)
    html = client.get("/audit/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    table = html[html.index("<tbody>") : html.index("</tbody>")]
    assert "{" not in table and "&quot;" not in table  # no JSON
    with translation.override("zh-hans"):
        for e in trail.values():
            assert e.kind not in table  # the dotted kind is never shown for a known kind
            assert kind_label(e.kind) in table
    assert "WZ000042" in table and "CY000012" in table
    assert "李艾" in table or "艾 李" in table  # the staff member the role was given to, by name
    assert "阳光花园" in table


def test_the_menu_links_the_page_for_managers_only(client, trail, mona, community_a):
    client.force_login(mona)
    assert 'href="/audit/"' in client.get("/").content.decode()
    client.force_login(_member("alice2", community_a, Role.RECEPTIONIST))
    assert 'href="/audit/"' not in client.get("/").content.decode()


def test_it_filters_by_date_action_staff_community_and_address(client, trail, leo, mona, community_a):
    with time_machine.travel(NOW - datetime.timedelta(days=10), tick=False):
        old = audit_write(
            kind="violations.penalty_signed", actor=mona, community=community_a, address="10.0.0.5"
        )
    client.force_login(leo)
    assert _listed(client.get("/audit/?date_to=2026-11-15")) == {old.pk}
    assert old.pk not in _listed(client.get("/audit/?date_from=2026-11-23"))
    assert _listed(client.get("/audit/?kind=login.failed")) == {trail["company"].pk}
    assert _listed(client.get("/audit/?staff=mona")) == {trail["signed"].pk, old.pk}
    assert _listed(client.get("/audit/?staff=nobody-at-all")) == set()
    assert _listed(client.get(f"/audit/?community={community_a.pk}&address=10.0.1.")) == {
        trail["accessed"].pk
    }
    assert _listed(client.get("/audit/?address=10.9.9.9")) == {trail["b"].pk}
    assert client.get("/audit/?address=x'--").status_code == 200  # refused by the form, not an error


def test_it_pages_the_trail(client, clock, community_a, mona):
    for i in range(60):
        audit_write(
            kind="archives.accessed", actor=mona, community=community_a, lookup=i, unit=1, what="page"
        )
    client.force_login(mona)
    first, second = client.get("/audit/"), client.get("/audit/?page=2")
    assert len(first.context["page"].object_list) == 50 and len(second.context["page"].object_list) == 10
    assert not _listed(first) & _listed(second)


def _grow(community, actors, n: int):
    ivy = UserFactory()
    for i in range(n):
        actor = actors[i % len(actors)]
        audit_write(
            kind="violations.penalty_signed", actor=actor, community=community, violation=i, penalty="legal"
        )
        audit_write(kind="archives.accessed", actor=actor, community=community, lookup=i, unit=1, what="page")
        audit_write(
            kind="roles.membership_changed", actor=actor, community=community, membership=i,
            user=UserFactory().pk, role="archivist", role_community=community.pk, department=None,
            before={"role": "receptionist", "role_community": community.pk, "user": ivy.pk},
        )  # fmt: skip
        audit_write(kind="login.failed", actor=actor, failures=i, known=True)


def test_the_page_runs_the_same_queries_however_long(
    client, clock, community_a, community_b, leo, mona, mike
):
    client.force_login(leo)
    _grow(community_a, [mona, leo], 2)
    _grow(community_b, [mike], 1)
    client.get("/audit/")  # the session's first write, the content-type cache
    with CaptureQueriesContext(connection) as small:
        assert client.get("/audit/").status_code == 200
    _grow(community_a, [mona, leo, UserFactory()], 20)
    _grow(community_b, [mike, UserFactory()], 20)
    with CaptureQueriesContext(connection) as large:
        r = client.get("/audit/")
    assert r.context["page"].paginator.count > 100
    assert len(small) == len(large) <= 12, [q["sql"][:120] for q in large.captured_queries]


def test_the_export_writes_the_filtered_entries_in_words(client, trail, mona):
    client.force_login(mona)
    r = client.get("/audit/export/?kind=violations.penalty_signed", HTTP_ACCEPT_LANGUAGE="zh-hans")
    rows = list(load_workbook(io.BytesIO(b"".join(r.streaming_content))).active.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][2] != "violations.penalty_signed" and "WZ000042" in rows[1][5]
    assert rows[1][3] == "阳光花园" and rows[1][4] == "10.0.0.5"


def test_a_large_export_runs_in_the_background_scoped_to_the_reader(client, settings, trail, mona):
    settings.PROPSVC_EXPORT_INLINE_MAX_ROWS = 1
    client.force_login(mona)
    r = client.get("/audit/export/")
    job = ExportJob.objects.get(kind="audit_trail")
    assert r.status_code == 302 and job.total_rows == 3
    assert _only("export.queued").community_id == trail["signed"].community_id
    assert export_jobs.export_job_run(job_id=job.pk) == "done"
    sheet = load_workbook(export_jobs.stored_file(job)).active
    text = " ".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row if v)
    assert "翠湖苑" not in text and "10.9.9.9" not in text and "10.7.7.7" not in text
    assert sheet.max_row == 1 + 3 + 1  # read when the job runs: the export's own entry is in A too


# -- 3. nothing can change or delete an entry ------------------------------------------------------------


@pytest.fixture
def entry(db, community_a):
    return audit_write(kind="login.failed", community=community_a, address="10.0.0.1", failures=1)


def test_the_orm_refuses_to_change_or_delete_an_entry(entry):
    entry.kind = "nothing.happened"
    with pytest.raises(AuditEntry.Immutable):
        entry.save()
    with pytest.raises(AuditEntry.Immutable):
        entry.delete()
    with pytest.raises(AuditEntry.Immutable):
        AuditEntry.objects.filter(pk=entry.pk).update(kind="nothing.happened")
    with pytest.raises(AuditEntry.Immutable):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).kind == "login.failed"


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE propsvc_auditentry SET kind = 'nothing.happened' WHERE id = %s",
        "UPDATE propsvc_auditentry SET address = NULL WHERE id = %s",
        "DELETE FROM propsvc_auditentry WHERE id = %s",
    ],
)
def test_the_database_refuses_raw_sql_that_changes_or_deletes_an_entry(entry, sql):
    assert connection.vendor == "postgresql"
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk, kind="login.failed", address="10.0.0.1").exists()


def test_the_database_refuses_to_change_or_delete_an_access_log_row(clock, community_a, mona, unit_a):
    ada = _member("ada", community_a, Role.ARCHIVIST)
    alice = _member("alice", community_a, Role.RECEPTIONIST)
    lookup = open_window(unit_a, alice, approver=mona, archivist=ada)
    row = archive_services.access_log_write(lookup=lookup, user=alice, what="page", address="10.0.0.2")
    for sql in (
        "UPDATE archives_accesslog SET address = NULL WHERE id = %s",
        "DELETE FROM archives_accesslog WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [row.pk])
    assert AccessLog.objects.filter(pk=row.pk, address="10.0.0.2").exists()


def test_the_admin_offers_no_add_change_or_delete_even_to_a_superuser(client, root, entry):
    client.force_login(root)
    url = f"/admin/propsvc/auditentry/{entry.pk}/"
    page = client.get(url + "change/")
    assert page.status_code == 200  # read only
    html = page.content.decode()
    assert 'name="_save"' not in html and "/delete/" not in html
    assert client.post(url + "change/", {"kind": "nothing.happened"}).status_code == 403
    assert client.get(url + "delete/").status_code == 403
    assert client.post(url + "delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/propsvc/auditentry/add/").status_code == 403
    listing = client.get("/admin/propsvc/auditentry/").content.decode()
    assert "delete_selected" not in listing
    assert AuditEntry.objects.get(pk=entry.pk).kind == "login.failed"


# -- 4. kept at least six months: no sweep removes an entry or an access-log row -----------------------------

SIX_MONTHS_AGO = NOW - datetime.timedelta(days=183)


def _beat_tasks():
    """Every task the beat schedule runs (propsvc/celery.py), as callables."""
    for name in sorted({entry["task"] for entry in celery_app.conf.beat_schedule.values()}):
        module, _dot, function = name.rpartition(".")
        yield name, getattr(importlib.import_module(module), function)


def test_login_entries_and_access_log_rows_of_six_months_ago_survive_every_sweep(
    client, community_a, mona, unit_a
):
    ada = _member("ada", community_a, Role.ARCHIVIST)
    alice = _member("alice", community_a, Role.RECEPTIONIST)
    with time_machine.travel(SIX_MONTHS_AGO, tick=False):
        client.post("/login/", {"username": "alice", "password": "wrong"}, REMOTE_ADDR="10.5.5.5")
        lookup = open_window(unit_a, alice, approver=mona, archivist=ada)
        archive_services.access_log_write(lookup=lookup, user=alice, what="page", address="10.5.5.6")
    entries = set(AuditEntry.objects.values_list("pk", flat=True))
    logged = set(AccessLog.objects.values_list("pk", flat=True))
    assert AuditEntry.objects.filter(kind="login.failed", address="10.5.5.5").exists() and logged
    ran = []
    with time_machine.travel(NOW, tick=False):
        # A new failed login prunes the lockout's counter (LoginFailure rows older than a day): a
        # counter, not the log.
        client.post("/login/", {"username": "alice", "password": "wrong"}, REMOTE_ADDR="10.5.5.5")
        for name, task in _beat_tasks():
            task()
            ran.append(name)
    assert "violations.tasks.purge_expired_violations" in ran and "propsvc.tasks.purge_notifications" in ran
    assert entries <= set(AuditEntry.objects.values_list("pk", flat=True))
    assert logged <= set(AccessLog.objects.values_list("pk", flat=True))


def test_no_setting_keeps_security_logs_less_than_six_months(settings):
    """Nothing deletes the audit trail or the access log; a keeping setting, were one added, is 183 days
    or more."""
    for name in dir(settings):
        if name.startswith("PROPSVC_") and (
            "AUDIT" in name or "ACCESS_LOG" in name or "SECURITY_LOG" in name
        ):
            value = getattr(settings, name)
            if isinstance(value, int) and "DAYS" in name:
                assert value >= 183, name


def test_it_shows_an_unknown_kind_by_its_name_and_data(client, db, leo):
    CommunityFactory()  # a community without entries
    audit_write(kind="something.new", actor=leo, answer=42)
    client.force_login(leo)
    html = client.get("/audit/").content.decode()
    assert "something.new" in html and "answer: 42" in html
