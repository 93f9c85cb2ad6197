"""Tenant isolation on every URL (issue 11, item 1).

The sweep walks every URL pattern of the project (get_resolver(), recursively through includes and
namespaces), fills its arguments with objects of community B and requests it as a user who holds every
community role — but only in community A. Each pattern must be classified:

- FILLERS: the pattern takes community data; its kwargs are filled with B's objects. GET and POST (empty
  data) must answer 403 or 404 (405 for a method the view does not take) and write nothing; B's marker
  never appears in the body.
- SCOPED_LISTS: a page without arguments that lists, exports or creates community data; requested with
  ?community=<B's pk> (and POSTed with community=<B's pk>), it may answer 200, but B's marker never shows
  and nothing is written.
- PUBLIC: reached without login by a secret printed for the owners; it shows only that community's data.
- NOT_COMMUNITY: company-level pages that hold no community data (with the reason).

A new URL that is in none of them fails test_every_url_pattern_is_classified with its name.
"""

import datetime
import io
import zipfile
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern

from archives import services as archive_services
from archives.models import AccessLog, ArchiveDocument, LookupRequest
from archives.views import archive as archive_views
from complaints import services as complaint_services
from complaints.models import Callback, Complaint, ComplaintEvent, MonthlyReport
from propsvc.models import AuditEntry, Deadline, Department, Membership, Notification
from propsvc.roles import COMPANY_ROLES, DEPARTMENT_ROLES, Role
from reception import services as reception_services
from reception.models import ReceptionRecord, WorkOrder
from surveys import notices as survey_notices
from surveys import rounds as survey_rounds
from surveys import services as survey_services
from surveys.models import BoxSuggestion, Month, Questionnaire, Suggestion, SurveyRound, Visit, VisitSummary
from surveys.models import Notice as BoardNotice
from tests.archives.support import PDF, open_window, upload
from tests.factories import (
    BuildingFactory,
    DepartmentFactory,
    MembershipFactory,
    NotificationFactory,
    OwnershipFactory,
    UnitFactory,
    UserFactory,
)
from tests.violations.conftest import photo
from violations import services as violation_services
from violations.models import ChargeList, Measure, Violation
from violations.models import Notice as ViolationNotice

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Wednesday 10 June 2026: May is over (its summary, charge list and statistics exist), June's round runs.
NOW = datetime.datetime(2026, 6, 10, 10, 0, tzinfo=SHANGHAI)

MARK = "B社区机密标记"  # in B's subjects, names and texts: never in a page served to A's staff
MOBILE_B = "13977778888"
TENANT_PHONE_B = "13900005555"  # searched for on archives:privacy-contacts (the page echoes the search)
COMMUNITY_ROLES = [r for r in Role if r not in COMPANY_ROLES]


# -- the URL patterns ------------------------------------------------------------------------------


def _converters(pattern) -> list[str]:
    if isinstance(pattern, RoutePattern):
        return list(pattern.converters)
    return list(pattern.regex.groupindex)  # a RegexPattern (re_path), a LocalePrefixPattern (none)


def url_patterns(resolver=None, namespace="", route="", kwargs=()):
    """Every URLPattern of the project: (key, reversible name or None, route, kwarg names, callback)."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        here = route + str(entry.pattern)
        names = [*kwargs, *_converters(entry.pattern)]
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from url_patterns(entry, inner, here, names)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else None
            yield SimpleNamespace(key=name or f"{namespace}<{here}>", name=name, route=here, kwargs=names)


# -- community B's world, built through the services -----------------------------------------------


def _b_world(community_a, community_b):
    eng_a = DepartmentFactory(community=community_a, kind=Department.Kind.ENGINEERING)
    eng_b = DepartmentFactory(community=community_b, kind=Department.Kind.ENGINEERING)
    DepartmentFactory(community=community_b, kind=Department.Kind.CUSTOMER_SERVICE)

    # ann: every community role, all of them in community A only.
    ann = UserFactory(username="ann")
    for role in COMMUNITY_ROLES:
        MembershipFactory(
            user=ann, community=community_a, role=role, department=eng_a if role in DEPARTMENT_ROLES else None
        )
    # B's staff: bert holds every community role of B; mike approves and bea registers look-ups.
    bert = UserFactory(username="bert")
    for role in COMMUNITY_ROLES:
        MembershipFactory(
            user=bert,
            community=community_b,
            role=role,
            department=eng_b if role in DEPARTMENT_ROLES else None,
        )
    mike = UserFactory(username="mike")
    MembershipFactory(user=mike, community=community_b, role=Role.CS_MANAGER)
    bea = UserFactory(username="bea")
    MembershipFactory(user=bea, community=community_b, role=Role.ARCHIVIST)

    building = BuildingFactory(community=community_b, number="3")
    unit = UnitFactory(building=building, entrance=2, floor=11, room="1101")
    owner = OwnershipFactory(unit=unit, owner__name=f"{MARK}业主", owner__mobile=MOBILE_B).owner
    unit2 = UnitFactory(building=building, entrance=2, floor=12, room="1202")
    OwnershipFactory(unit=unit2, owner__name=f"{MARK}二号业主", owner__mobile="13977779999")

    later = NOW + datetime.timedelta(hours=8)
    record = reception_services.record_log(
        by=bert, community=community_b, unit=unit, owner=owner, kind="repair", subject=f"{MARK}·报修"
    )
    ordered = reception_services.record_log(
        by=bert, community=community_b, unit=unit, owner=owner, kind="repair", subject=f"{MARK}·派工"
    )
    reception_services.record_transfer(
        record_id=ordered.pk, by=bert, department=eng_b, task=f"{MARK}·上门检修", due_at=later
    )
    work_order = WorkOrder.objects.get(record=ordered)
    # A tenant's visit: a non-owner's name and phone, found by phone on the data-rights search.
    tenant_record = reception_services.record_log(
        by=bert, community=community_b, unit=unit, contact_type="tenant", contact_name=f"{MARK}租客",
        contact_phone=TENANT_PHONE_B, consent_given=True, consent_purpose=MARK, kind="repair",
        subject=f"{MARK}·租客报修",
    )  # fmt: skip

    complaint = complaint_services.complaint_register(
        by=bert, community=community_b, unit=unit, owner=owner, channel="visit", subject=f"{MARK}·投诉",
        details=MARK, request=MARK, category="facilities", severity="general", department=eng_b,
        apology_given=True,
    )  # fmt: skip

    violation = violation_services.violation_register(
        by=bert, community=community_b, unit=unit, owner=owner, category="fire", subtype="fire_lane",
        description=f"{MARK}·违章", observed_at=NOW - datetime.timedelta(hours=1), photos=[photo()],
    )  # fmt: skip
    violation_notice = violation_services.notice_issue(violation_id=violation.pk, by=bert, kind="violation")

    lookup = open_window(unit, bert, approver=mike, archivist=bea)
    document = archive_services.document_add(
        unit_id=unit.pk, by=bert, part="basic", title=f"{MARK}·房产证", upload=upload("房产证.pdf", PDF)
    )
    pending_lookup = archive_services.lookup_request(by=mike, unit_id=unit2.pk, reason=f"{MARK}·核对车辆信息")
    # A family member removed from the archive, whose data is still held (owners' data rights, PIPL).
    archive_services.consent_record(
        unit_id=unit.pk, by=bert, owner_id=owner.pk, group="family", purpose=f"{MARK}·登记",
        given_on=NOW.date(),
    )  # fmt: skip
    former_family = archive_services.personal_row_add(
        unit_id=unit.pk, by=bert, owner_id=owner.pk, group="family", reason=MARK, name=f"{MARK}家人",
        relation="配偶", mobile="13977770000",
    )  # fmt: skip
    archive_services.personal_row_remove(
        unit_id=unit.pk, by=bert, group="family", row_id=former_family.pk, reason=MARK
    )

    may_visit = survey_services.visit_record(
        by=bert, unit=unit, mode="office", topics=["cleaning"], signature="signed",
        visited_at=datetime.datetime(2026, 5, 20, 10, 0, tzinfo=SHANGHAI), opinions=f"{MARK}·五月意见",
    )  # fmt: skip
    summary, _created = survey_services.visit_summary_open(
        community_id=community_b.pk, month=Month.of(datetime.date(2026, 5, 1))
    )
    suggestion = Suggestion.objects.filter(summary=summary).first()
    visit = survey_services.visit_record(
        by=bert, unit=unit2, mode="office", topics=["cleaning"], signature="signed",
        visited_at=NOW - datetime.timedelta(hours=1), opinions=f"{MARK}·六月意见",
    )  # fmt: skip
    box_note = survey_services.box_suggestion_post(
        community_id=community_b.pk, text=f"{MARK}·意见箱", address="203.0.113.9"
    )

    survey_round = survey_rounds.survey_round_create(
        by=bert, community_id=community_b.pk, year=2026, period=6
    )
    survey_round = survey_rounds.survey_round_send(
        round_id=survey_round.pk, by=bert, sent_on=datetime.date(2026, 6, 1)
    )
    questionnaire = Questionnaire.objects.filter(round=survey_round, unit=unit).first()

    board_notice = survey_notices.notice_create(
        by=bert, community=community_b, kind="other", title=f"{MARK}·公告", body=f"{MARK}·公告正文"
    )

    violation_services.charge_list_build()  # May's charge lists, one per community
    charge_list = ChargeList.objects.get(community=community_b)
    complaint_services.monthly_report_build()  # May's statistics, per community and the company's
    report = MonthlyReport.objects.get(community=community_b)

    notification = NotificationFactory(
        recipient=bert, text=f"{MARK}·通知", link=f"/complaints/{complaint.pk}/"
    )

    from propsvc.models import ExportJob

    export_job = ExportJob.objects.create(
        requested_by=bert, kind="complaints", params={}, language="zh-hans", total_rows=1, rows_written=1,
        file_name=f"{MARK}.xlsx", stored_path="exports/b-world-export.xlsx", status=ExportJob.Status.DONE,
        finished_at=NOW, expires_at=NOW + datetime.timedelta(hours=24),
    )  # fmt: skip
    return SimpleNamespace(
        ann=ann, bert=bert, community=community_b, community_a=community_a, building=building, unit=unit,
        owner=owner, record=record, ordered=ordered, work_order=work_order, complaint=complaint,
        violation=violation, photo=violation.photos.first(), violation_notice=violation_notice,
        lookup=lookup, pending_lookup=pending_lookup, document=document, may_visit=may_visit,
        summary=summary, suggestion=suggestion, visit=visit, box_note=box_note, survey_round=survey_round,
        questionnaire=questionnaire, board_notice=board_notice, charge_list=charge_list, report=report,
        notification=notification,
        export_job=export_job,
        former_family=former_family,
        tenant_record=tenant_record,
    )  # fmt: skip


# -- the classification ----------------------------------------------------------------------------


def _pk(attr):
    return lambda b: {"pk": getattr(b, attr).pk}


def _complaint(b):
    return {"pk": b.complaint.pk}


def _violation(b):
    return {"pk": b.violation.pk}


# url name -> B's kwargs (a dict, or a list of dicts to request each)
FILLERS = {
    "notification-open": _pk("notification"),
    "export-detail": _pk("export_job"),
    "export-progress": _pk("export_job"),
    "export-download": _pk("export_job"),
    "archives:community": lambda b: {"pk": b.community.pk},
    "archives:building": _pk("building"),
    "archives:unit": _pk("unit"),
    "archives:unit-use": _pk("unit"),
    "archives:unit-transfer": _pk("unit"),
    "archives:archive": _pk("unit"),
    "archives:archive-change": lambda b: [{"pk": b.unit.pk, "step": step} for step in archive_views.STEPS],
    "archives:lookup-new": _pk("unit"),
    "archives:document": _pk("document"),
    "archives:lookup-action": lambda b: [
        {"pk": lookup.pk, "action": action}
        for lookup in (b.lookup, b.pending_lookup)
        for action in archive_views.ACTIONS
    ],
    "archives:privacy-owner": lambda b: {"pk": b.unit.pk, "owner_pk": b.owner.pk},
    "archives:privacy-owner-export": lambda b: {"pk": b.unit.pk, "owner_pk": b.owner.pk},
    "archives:privacy-anonymise": lambda b: [
        {"kind": "reception", "pk": b.tenant_record.pk},
        {"kind": "complaint", "pk": b.complaint.pk},
        {"kind": "box", "pk": b.box_note.pk},
        {"kind": "family", "pk": b.former_family.pk},
    ],
    "reception:detail": _pk("record"),
    "reception:respond": _pk("record"),
    "reception:handle": _pk("record"),
    "reception:pending": _pk("record"),
    "reception:transfer": _pk("record"),
    "reception:out-of-remit": _pk("record"),
    "reception:reply": _pk("ordered"),
    "reception:work-order": _pk("work_order"),
    "reception:work-order-sign": _pk("work_order"),
    "reception:work-order-report": _pk("work_order"),
    "complaints:report-download": _pk("report"),
    "complaints:from-record": lambda b: {"record_pk": b.record.pk},
    "complaints:detail": _complaint,
    **{
        f"complaints:{name}": _complaint
        for name in ("respond", "triage", "work-order", "result", "pause", "resume", "unsolvable")
    },
    **{
        f"complaints:{name}": _complaint
        for name in ("reply-again", "take-up", "sign-off", "send-back", "accept", "reject")
    },
    **{f"complaints:{name}": _complaint for name in ("callback", "unreachable", "reschedule")},
    "violations:charge-download": _pk("charge_list"),
    "violations:detail": _violation,
    "violations:photo": lambda b: {"pk": b.violation.pk, "photo_pk": b.photo.pk},
    "violations:notice-issue": _violation,
    "violations:notice": lambda b: {"pk": b.violation.pk, "notice_pk": b.violation_notice.pk},
    **{
        f"violations:{name}": _violation
        for name in ("persuade", "rectify", "reinspect", "propose", "sign", "refuse", "publish")
    },
    **{
        f"violations:{name}": _violation
        for name in ("lawyer-letter", "lawsuit", "follow-up", "close", "reassess", "photos")
    },
    "surveys:summary": _pk("summary"),
    "surveys:summary-prepare": _pk("summary"),
    "surveys:summary-submit": _pk("summary"),
    "surveys:suggestion-decide": lambda b: {"pk": b.summary.pk, "suggestion_pk": b.suggestion.pk},
    "surveys:suggestion-answer": _pk("box_note"),
    "surveys:suggestion-no-answer": _pk("box_note"),
    "surveys:box-poster": lambda b: {"code": b.community.code},
    "surveys:detail": _pk("visit"),
    **{
        f"surveys:{name}": _pk("survey_round")
        for name in ("round", "round-send", "round-close", "round-grid", "round-forms")
    },
    **{
        f"surveys:{name}": _pk("survey_round")
        for name in ("round-statistics", "round-statistics-export", "round-statistics-print", "round-finish")
    },
    **{
        f"surveys:{name}": _pk("survey_round")
        for name in ("round-publish", "round-publication-notice", "round-quality-copy")
    },
    **{
        f"surveys:{name}": _pk("board_notice")
        for name in ("notice", "notice-edit", "notice-publish", "notice-withdraw", "notice-print")
    },
}

# Pages without arguments that list, export or create community data: requested with ?community=<B>
# plus the filters below (a search for B's room, B's month), and POSTed with community=<B>.
UNIT_QUERY = {"unit_query": "1101"}
MAY = {"month": "2026-05"}
YEAR = {"year": "2026"}
SCOPED_LISTS = {
    "home": {},
    "notifications": {},
    "exports": {},
    "audit": {},
    "audit-export": {},
    "notification-bell": {},
    "notification-read-all": {},
    "notification-preferences": {},
    "community-switch": {},
    "archives:search": {"q": "1101"},
    "archives:roster-import": {},
    "archives:roster-template": {},
    "archives:catalogue": {},
    "archives:catalogue-export": {},
    "archives:lookups": {},
    "archives:access-log": {},
    "archives:access-log-export": {},
    "archives:privacy-contacts": {"q": TENANT_PHONE_B},
    "archives:access-log-staff": {"staff": "c"},
    "reception:list": {},
    "reception:desk": {},
    "reception:unit-lookup": UNIT_QUERY,
    "reception:export": {},
    "reception:work-orders": {},
    "complaints:list": {},
    "complaints:new": {},
    "complaints:export": {},
    "complaints:callbacks": {},
    "complaints:report": MAY,
    "complaints:report-export": MAY,
    "complaints:callback-report": MAY,
    "complaints:report-archive": {},
    "violations:list": {},
    "violations:new": {},
    "violations:unit-lookup": UNIT_QUERY,
    "violations:export": {},
    "violations:charges": MAY,
    "violations:statistics": YEAR,
    "violations:statistics-export": YEAR,
    "surveys:list": {},
    "surveys:new": {},
    "surveys:unit-lookup": UNIT_QUERY,
    "surveys:export": {},
    "surveys:quota": {},
    "surveys:suggestions": {},
    "surveys:rounds": {},
    "surveys:round-new": {},
    "surveys:notices": {},
    "surveys:notice-new": {},
    "surveys:fee-accounts": {},
}

# Reached without login by a secret the owners hold; each shows only its own community's data.
PUBLIC = {
    "suggestion-box": "the suggestion box (R-COM-1): the community's public code on the QR poster; "
    "shows the community's name and a form, never a note",
    "suggestion-box-thanks": "the box's thank-you page: the community's name only",
    "questionnaire-online": "a household's questionnaire (R-SUR-1): the secret token on its paper form; "
    "shows that round's items and that unit only",
}

# Company-level pages: no community data behind them.
NOT_COMMUNITY = {
    "login": "the login form",
    "logout": "ends the session",
    "set_language": "Django's i18n view: stores the language choice",
    "healthz": "database and broker state, no data",
    "calendar": "the working-day calendar is the company's (official Chinese schedule), not a community's",
    "calendar-year": "one year of the company's working-day calendar",
    "calendar-edit": "editing the company's working-day calendar (system administrator)",
    "surveys:templates": "questionnaire templates are the company's (quality department)",
    "surveys:template-new": "a new company questionnaire template",
    "surveys:template-edit": "a company questionnaire template (no community)",
}
# Whole namespaces that are company-level.
NOT_COMMUNITY_NAMESPACES = {
    "admin": "Django admin: only is_staff/superusers log in; community staff are never is_staff "
    "(checked below: A's user is sent to the admin login)",
}


def classification(pattern) -> str | None:
    if pattern.name in FILLERS:
        return "filled"
    if pattern.name in SCOPED_LISTS:
        return "scoped list"
    if pattern.name in PUBLIC:
        return "public"
    if pattern.name in NOT_COMMUNITY or pattern.key.split(":")[0] in NOT_COMMUNITY_NAMESPACES:
        return "not community"
    return None


# -- reading responses and the database ------------------------------------------------------------


def body_text(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    if raw[:2] == b"PK":  # xlsx / docx: search the parts' XML (shared strings hold the cells' text)
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            raw = b"".join(archive.read(n) for n in archive.namelist() if n.endswith((".xml", ".rels")))
    return raw.decode("utf-8", errors="replace")


B_NAME = "翠湖苑"  # community_b's name (tests/conftest.py): A's staff never see it either


def leaks(text: str) -> list[str]:
    return [needle for needle in (MARK, MOBILE_B, B_NAME) if needle in text]


STATEFUL = [
    (ReceptionRecord, "status"), (WorkOrder, "status"), (Complaint, "status"), (Callback, "status"),
    (Violation, "status"), (LookupRequest, "status"), (VisitSummary, "status"), (BoxSuggestion, "status"),
    (SurveyRound, "status"), (BoardNotice, "status"), (Suggestion, "decision"),
]  # fmt: skip
COUNTED = [
    ComplaintEvent, Measure, ViolationNotice, ArchiveDocument, AccessLog, Visit, Questionnaire, AuditEntry,
    Notification, Deadline, Membership, ChargeList, MonthlyReport,
]  # fmt: skip


def snapshot() -> dict:
    state = {m.__name__: sorted(m.objects.values_list("pk", field)) for m, field in STATEFUL}
    state |= {m.__name__: m.objects.count() for m in COUNTED}
    state["Notification.read"] = Notification.objects.filter(read_at__isnull=False).count()
    state["Questionnaire.returned"] = Questionnaire.objects.filter(returned_at__isnull=False).count()
    return state


def changes(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def _login_redirect(response) -> bool:
    return response.status_code in (301, 302) and "/login/" in response.get("Location", "")


# -- fixtures --------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(community_a, community_b):
    assert community_b.name == B_NAME
    with time_machine.travel(NOW, tick=False):
        yield _b_world(community_a, community_b)


# -- the tests -------------------------------------------------------------------------------------


def test_every_url_pattern_is_classified():
    patterns = list(url_patterns())
    unclassified = [f"{p.key}  ({p.route})" for p in patterns if classification(p) is None]
    assert not unclassified, (
        "URL patterns not classified for the tenant-isolation sweep — add each to FILLERS (kwargs "
        "from community B's objects), SCOPED_LISTS, PUBLIC or NOT_COMMUNITY in "
        "tests/security/test_isolation.py:\n  " + "\n  ".join(unclassified)
    )
    names = {p.name for p in patterns}
    stale = sorted((set(FILLERS) | set(SCOPED_LISTS) | set(PUBLIC) | set(NOT_COMMUNITY)) - names)
    assert not stale, f"classified names that are no URL pattern any more: {stale}"
    for p in patterns:
        if p.name in FILLERS:
            continue
        if classification(p) in ("scoped list",) and p.kwargs:
            pytest.fail(f"{p.key} takes {p.kwargs}: it belongs in FILLERS, with B's objects")


def _filled(world):
    for p in url_patterns():
        if p.name not in FILLERS:
            continue
        built = FILLERS[p.name](world)
        for kwargs in built if isinstance(built, list) else [built]:
            yield p, kwargs


def test_no_url_serves_community_b_to_a_member_of_community_a(client, world):
    """GET and POST every filled URL with B's objects as ann (every community role, in A only)."""
    client.force_login(world.ann)
    problems = []
    requested = 0
    for p, kwargs in _filled(world):
        if sorted(kwargs) != sorted(p.kwargs):
            problems.append(f"{p.key}: filler gives {sorted(kwargs)}, the pattern takes {sorted(p.kwargs)}")
            continue
        url = reverse(p.name, kwargs=kwargs)
        answered = set()
        for method in ("get", "post"):
            before = snapshot()
            with time_machine.travel(NOW, tick=False):
                response = getattr(client, method)(url, {})
            requested += 1
            status = response.status_code
            answered.add(status)
            text = body_text(response)
            where = f"{method.upper()} {url} ({p.key})"
            if _login_redirect(response):
                problems.append(f"{where}: redirected to login — the user was not logged in")
            elif status not in (403, 404, 405):
                problems.append(f"{where}: {status}, expected 403 or 404")
            if found := leaks(text):
                problems.append(f"{where}: B's data in the response: {found}")
            if changed := changes(before, snapshot()):
                problems.append(f"{where}: wrote {changed}")
        if answered == {405}:
            problems.append(f"{p.key}: both GET and POST answered 405 — the sweep cannot test it")
    assert requested == 2 * sum(1 for _ in _filled(world))
    assert not problems, "community B's data reached a member of community A:\n  " + "\n  ".join(problems)


def test_scoped_lists_never_show_community_b(client, world):
    """Lists, exports and new-forms, asked for B's community: 200 is fine, B's data is not."""
    client.force_login(world.ann)
    problems = []
    b = str(world.community.pk)
    for p in url_patterns():
        if p.name not in SCOPED_LISTS:
            continue
        url = reverse(p.name)
        query = {"community": b, **SCOPED_LISTS[p.name]}
        for method, data in (("get", query), ("post", {"community": b})):
            before = snapshot()
            with time_machine.travel(NOW, tick=False):
                response = getattr(client, method)(url, data)
            where = f"{method.upper()} {url} {data} ({p.key})"
            if _login_redirect(response):
                problems.append(f"{where}: redirected to login — the user was not logged in")
            elif response.status_code >= 500:
                problems.append(f"{where}: {response.status_code}")
            if found := leaks(body_text(response)):
                problems.append(f"{where}: B's data in the response: {found}")
            changed = changes(before, snapshot())
            # Reading one's own notifications (bell, read-all) marks one's own rows only.
            changed = [
                c for c in changed if not (p.name.startswith("notification") and c.startswith("Notif"))
            ]
            if changed:
                problems.append(f"{where}: wrote {changed}")
        # The header switch must not have moved ann into B: her pages still show none of B.
        home = client.get("/")
        if found := leaks(body_text(home)):
            problems.append(f"after {p.key}: the home page shows B's data: {found}")
    assert not problems, "community B's data reached a member of community A:\n  " + "\n  ".join(problems)


def test_the_community_switch_refuses_community_b(client, world):
    client.force_login(world.ann)
    client.post("/community/switch/", {"community": str(world.community.pk)})
    assert client.session.get("propsvc_community") != world.community.pk
    assert not leaks(client.get("/reception/").content.decode())


def test_public_urls_show_only_their_own_community(client, world, community_a):
    """PUBLIC: anonymous, by B's own secret — B's community only, never A's data, never B's notes."""
    a_marker = "A社区机密标记"
    with time_machine.travel(NOW, tick=False):
        a_unit = UnitFactory(building__community=community_a, building__number="8")
        reception_services.record_log(
            by=world.ann, community=community_a, unit=a_unit, kind="repair", subject=a_marker
        )
        survey_services.box_suggestion_post(
            community_id=community_a.pk, text=a_marker, address="203.0.113.10"
        )
        for name in ("suggestion-box", "suggestion-box-thanks"):
            html = client.get(reverse(name, kwargs={"code": world.community.code})).content.decode()
            assert world.community.name in html
            assert community_a.name not in html and a_marker not in html
            assert MARK not in html  # the box never shows the notes put into it
        other = (
            Questionnaire.objects.filter(round=world.survey_round).exclude(pk=world.questionnaire.pk).get()
        )
        r = client.get(reverse("questionnaire-online", kwargs={"token": world.questionnaire.token}))
        html = r.content.decode()
        assert r.status_code == 200 and world.community.name in html
        assert community_a.name not in html and a_marker not in html
        assert other.token not in html and MARK not in html and MOBILE_B not in html
        assert client.get(reverse("questionnaire-online", kwargs={"token": "x" * 24})).status_code == 404
    assert set(PUBLIC) == {p.name for p in url_patterns() if p.name in PUBLIC}


def test_community_staff_never_reach_the_admin(client, world):
    client.force_login(world.ann)
    for p in url_patterns():
        if p.key.startswith("admin:") and p.name and not p.kwargs:
            r = client.get(reverse(p.name))
            assert r.status_code != 200 or p.name in ("admin:login", "admin:jsi18n", "admin:logout"), p.key
            assert not leaks(body_text(r))


def test_the_sweep_covers_what_it_claims(world):
    """Every builder above produced its object, in community B (a filler of A's data would prove nothing)."""
    for attr in (
        "record", "ordered", "work_order", "complaint", "violation", "photo", "violation_notice", "lookup",
        "pending_lookup", "document", "summary", "suggestion", "visit", "box_note", "survey_round",
        "questionnaire", "board_notice", "charge_list", "report",
    ):  # fmt: skip
        obj = getattr(world, attr)
        assert obj is not None, attr
        community_id = getattr(obj, "community_id", None)
        if community_id is None and hasattr(obj, "violation"):
            community_id = obj.violation.community_id
        if community_id is None and hasattr(obj, "summary"):
            community_id = obj.summary.community_id
        if community_id is None and hasattr(obj, "round"):
            community_id = obj.round.community_id
        if community_id is None and hasattr(obj, "unit"):
            community_id = obj.unit.community_id
        assert community_id == world.community.pk, attr
