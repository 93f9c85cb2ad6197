"""Bad input on every form (issue 11, item 7): never a 500, always a form error or a clean save.

Two sweeps, neither with a hand-kept list of forms:

- Form level: every django Form subclass defined in the apps' modules (found by walking the packages)
  is built with its keyword arguments (INIT_KWARGS, by parameter name, from community B's world), bound
  with data drawn per field type (_field_strategy) and validated; a valid one is also rendered and its
  cleaned data handed to the methods the views call (service_fields, owners, filters). A form with a
  field type or a keyword argument the sweep does not know fails the test with where to register it.
- View level: every URL pattern (test_isolation's walk and classification, with B's objects) is
  requested as a user who may use it; every form on the page (read from the HTML, prefixes and all) is
  submitted with data drawn per input type, through the test client, so the view's own service call
  does the saving. The answer must never be a 500 (nor an exception): 2xx, 3xx or 4xx.

Each example runs in transaction.atomic() and is rolled back, so every example starts from the same
world. Profiles: HYPOTHESIS_PROFILE=ci (CI, on PostgreSQL) draws more examples than the default (dev).
Then, deterministically: every far date and integer overflow into every field; and the world saved
with an HTML tag (never shown raw) or control characters (no page or export breaks) in every text.
"""

import datetime
import inspect
import io
import logging
import os
import pkgutil
import traceback
from decimal import Decimal
from importlib import import_module
from pathlib import Path

import pytest
import time_machine
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from propsvc.roles import COMPANY_ROLES
from reception.models import WorkOrder
from tests.factories import MembershipFactory, OwnershipFactory, UnitFactory, UserFactory
from tests.security import test_isolation as iso
from tests.security.html_forms import HtmlField, HtmlForm, page_forms

NOW = iso.NOW
ROOT = str(Path(__file__).resolve().parents[2]) + "/"  # the repository: where a traceback is ours

# -- profiles: examples per form ------------------------------------------------------------------------

_COMMON = dict(
    deadline=None,
    database=None,  # no .hypothesis/ directory in the checkout
    derandomize=False,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
                           HealthCheck.function_scoped_fixture, HealthCheck.nested_given],
)  # fmt: skip
settings.register_profile("dev", max_examples=10, **_COMMON)  # make test: about 1½ minutes for both files
settings.register_profile("ci", max_examples=25, **_COMMON)  # HYPOTHESIS_PROFILE=ci: about 2 minutes
PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
FORM_EXAMPLES = PROFILE.max_examples * 3 // 2  # a form alone is cheap
VIEW_EXAMPLES = PROFILE.max_examples


# -- strategies: bad input per kind of field ----------------------------------------------------------

NASTY = [
    "'; DROP TABLE x;--",
    "' OR '1'='1",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "{{ 7*7 }}",
    "{% debug %}",
    "${7*7}",
    "%s%s%s%n",
    "\x00",
    "a\x00b",
    "\r\n\t\x0b\x0c\x1b[31m",
    "\u202e\u200f\u200b\ufeff",  # RTL override, RTL mark, zero width, BOM
    "😀👨‍👩‍👧‍👦🏳️‍🌈",
    "𠀀𪚥",  # beyond the BMP
    "../../etc/passwd",
    "NaN",
    "-1",
    "99999999999999999999",
    " ",
    "null",
    "０１２３４５６７８９",
]
PLAIN = ["测试", "业主反映楼道灯不亮", "13812345678", "3-2-1101", "粤B12345", "1", "张三", "ok"]

control_chars = st.text(alphabet=st.characters(max_codepoint=0x1F), min_size=1, max_size=8)
long_strings = st.builds(
    lambda s, n: s * n,
    st.sampled_from(["a", "测", "😀", "\u202e", "<", "'", "\x00"]),
    st.integers(300, 30000),
)
nasty_text = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=30),  # any code point but surrogates: controls, marks, emoji
    control_chars,
    long_strings,
    st.lists(st.sampled_from(NASTY + PLAIN), min_size=2, max_size=4).map("".join),
)
# A plain value or a plain value with a fragment: the form is valid and the view saves it.
plausible_text = st.one_of(
    st.sampled_from(PLAIN), st.tuples(st.sampled_from(PLAIN), st.sampled_from(NASTY)).map("".join)
)
text_values = st.one_of(plausible_text, nasty_text)

_FAR_DATES = ["0001-01-01", "1000-01-01", "1900-01-01", "1969-12-31", "2038-01-19", "2100-12-31",
              "9999-12-31", "10000-01-01", "0000-00-00", "2026-02-30", "2026-13-01", "-2026-01-01",
              "2026-6-1", "2026/06/10", "20260610", "1e9", "２０２６-０６-１０"]  # fmt: skip
_FAR_TIMES = ["0001-01-01T00:00", "0001-01-01 00:00:00", "9999-12-31T23:59", "9999-12-31 23:59:59",
              "1900-01-01T08:05", "2100-01-01T00:00", "2026-06-10T25:61", "2026-06-10T10:00+99:00",
              "2026-06-10T10:00:00.9999999", "2026-06-10T", "T10:00"]  # fmt: skip
_FAR_MONTHS = ["0001-01", "9999-12", "2026-00", "2026-13", "10000-01", "2026", "-1-01"]


def _near(days: int) -> st.SearchStrategy[datetime.datetime]:
    return st.integers(-days * 24 * 60, days * 24 * 60).map(lambda m: NOW + datetime.timedelta(minutes=m))


any_datetime = st.datetimes(min_value=datetime.datetime(1, 1, 1), max_value=datetime.datetime(9999, 12, 31))
datetime_values = st.one_of(
    _near(10).map(lambda d: d.strftime("%Y-%m-%dT%H:%M")),
    any_datetime.map(lambda d: d.strftime("%Y-%m-%dT%H:%M")),
    st.sampled_from(_FAR_TIMES),
    nasty_text,
)
date_values = st.one_of(
    _near(30).map(lambda d: d.date().isoformat()),
    st.dates().map(lambda d: d.strftime("%Y-%m-%d")),
    st.sampled_from(_FAR_DATES),
    nasty_text,
)
month_values = st.one_of(
    _near(60).map(lambda d: d.strftime("%Y-%m")),
    st.dates().map(lambda d: d.strftime("%Y-%m")),
    st.sampled_from(_FAR_MONTHS),
    nasty_text,
)
_NUMBERS = ["0", "1", "2", "5", "2026", "-1", "-0", "1.5", "0.001", "1e3", "1e308", "NaN", "nan", "Infinity",
            "-inf", "2147483647", "2147483648", "32768", "65536", "9223372036854775808", "9" * 40, "１２",
            "0x1F", "1_000"]  # fmt: skip
number_values = st.one_of(
    st.sampled_from(_NUMBERS),
    st.integers().map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    nasty_text,
)
bool_values = st.sampled_from([None, "on", "true", "1", "", "false", "0", "off", "\x00", "<script>"])


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "red").save(buffer, "PNG")
    return buffer.getvalue()


def _xlsx() -> bytes:
    from openpyxl import Workbook

    buffer = io.BytesIO()
    book = Workbook()
    book.active.append(["楼栋", "单元", "房号", "<script>alert(1)</script>", "=1+1"])
    book.save(buffer)
    return buffer.getvalue()


_PAYLOADS = {
    "png": (_png(), "image/png"),
    "gif": (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/gif"),
    "pdf": (iso.PDF, "application/pdf"),
    "xlsx": (_xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "empty": (b"", "application/octet-stream"),
    "html": (b"<script>alert(1)</script>", "text/html"),
    "junk": (bytes(range(256)) * 4, "image/jpeg"),
    "zip": (b"PK\x03\x04" + b"\x00" * 40, "application/zip"),
}
_NAMES = ["现场.png", "x.jpg", "a.pdf", "名册.xlsx", "<script>.png", "../../etc/passwd", "x.php.jpg",
          "a" * 300 + ".png", "rtl\u202egnp.exe", "😀.webp", "no-extension"]  # fmt: skip
upload_values = st.builds(
    lambda payload, name: SimpleUploadedFile(name, _PAYLOADS[payload][0], _PAYLOADS[payload][1]),
    st.sampled_from(sorted(_PAYLOADS)),
    st.sampled_from(_NAMES),
)


def choice_values(valid: list[str]) -> st.SearchStrategy:
    garbage = st.one_of(nasty_text, number_values)
    return st.one_of(st.sampled_from(valid), garbage) if valid else garbage


def multi_values(valid: list[str]) -> st.SearchStrategy:
    return st.lists(choice_values(valid), max_size=4)


# -- form level: every Form subclass of the apps -------------------------------------------------------

APPS = ["propsvc", "reception", "complaints", "violations", "archives", "surveys"]


def app_forms() -> list[type[forms.BaseForm]]:
    """Every Form subclass defined in a module of the apps (migrations and management aside)."""
    found = {}
    for app in APPS:
        package = import_module(app)
        for info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if any(part in info.name for part in (".migrations", ".management", ".scale")):
                continue
            module = import_module(info.name)
            for obj in vars(module).values():
                if (
                    inspect.isclass(obj)
                    and issubclass(obj, forms.BaseForm)
                    and obj.__module__ == module.__name__
                ):
                    found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return [found[k] for k in sorted(found)]


def _field_strategy(field: forms.Field) -> st.SearchStrategy | None:
    """None: a field type the sweep cannot drive (add it here)."""
    if isinstance(field, forms.FileField):  # FileField, ImageField, violations' PhotosField
        return st.one_of(st.none(), upload_values, st.lists(upload_values, min_size=2, max_size=3))
    if isinstance(field, forms.BooleanField):  # NullBooleanField too
        return bool_values
    if isinstance(field, forms.ModelMultipleChoiceField):
        return multi_values([str(pk) for pk in field.queryset.values_list("pk", flat=True)[:5]])
    if isinstance(field, forms.ModelChoiceField):
        return choice_values([str(pk) for pk in field.queryset.values_list("pk", flat=True)[:5]])
    if isinstance(field, forms.MultipleChoiceField):
        return multi_values([str(k) for k, _label in _flat(field.choices)])
    if isinstance(field, forms.ChoiceField):  # TypedChoiceField
        return choice_values([str(k) for k, _label in _flat(field.choices)])
    if isinstance(field, forms.DateTimeField):
        return datetime_values
    if isinstance(field, forms.DateField):
        return st.one_of(date_values, month_values)
    if isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
        return number_values
    if isinstance(field, forms.CharField):  # EmailField, UsernameField …
        return text_values
    return None


def _flat(choices):
    for key, label in choices:
        if isinstance(label, list | tuple):
            yield from _flat(label)
        else:
            yield key, label


def _keyword_params(form_class) -> dict[str, bool]:
    """The keyword-only parameters of the form's __init__ (and its bases'): name -> required."""
    params = {}
    for klass in reversed(form_class.__mro__):
        if "__init__" not in vars(klass) or klass.__module__.startswith("django."):
            continue
        for p in inspect.signature(klass.__init__).parameters.values():
            if p.kind is p.KEYWORD_ONLY:
                params[p.name] = p.default is p.empty
    return params


# The form's keyword arguments, by parameter name, from community B's world (as its views pass them).
INIT_KWARGS = {
    "communities": lambda w: [w.community],
    "current": lambda w: w.community,
    "user": lambda w: w.bert,
    "record": lambda w: w.record,
    "complaint": lambda w: w.complaint,
    "violation": lambda w: w.violation,
    "notice": lambda w: w.board_notice,
    "survey_round": lambda w: w.survey_round,
    "owners": lambda w: [w.owner],
    "staff_queryset": lambda w: get_user_model().objects.all(),
    "staff": lambda w: get_user_model().objects.all(),
    "templates": lambda w: import_module("surveys.models").QuestionnaireTemplate.objects.all(),
    "year": lambda w: 2027,
    "kind_choices": lambda w: [("login.failed", "login.failed"), ("complaint.closed", "complaint.closed")],
    "company": lambda w: True,
    "suggest_url": lambda w: "/archives/access-log/",
}
# Methods the views call on a valid form: called with the cleaned data.
VALID_HOOKS = ("service_fields", "owners", "filters")


def _build(form_class, world, data=None, files=None):
    kwargs = {}
    for name, required in _keyword_params(form_class).items():
        if name in INIT_KWARGS:
            kwargs[name] = INIT_KWARGS[name](world)
        elif required:
            raise LookupError(name)
    if issubclass(form_class, AuthenticationForm):
        request = RequestFactory().post("/login/", REMOTE_ADDR="203.0.113.7")
        return form_class(request, data=data, files=files, **kwargs)
    return form_class(data, files, **kwargs)


def _form_data(form, draw) -> tuple[dict, dict]:
    data, files = {}, {}
    for name, field in form.fields.items():
        value = draw(_field_strategy(field))
        if value is None:
            continue
        if isinstance(field, forms.FileField):
            files[name] = value
        else:
            data[name] = value
    return data, files


def _summary(exc: BaseException) -> str:
    notes = "\n      ".join(getattr(exc, "__notes__", []))
    frames = traceback.extract_tb(exc.__traceback__)
    mine = [f for f in frames if f.filename.startswith(ROOT) and "/.venv/" not in f.filename][-2:]
    where = "; ".join(f"{f.filename.removeprefix(ROOT)}:{f.lineno}" for f in mine)
    return f"{type(exc).__name__}: {str(exc)[:300]} [{where}]\n      {notes[:1500]}"


class _Rollback(Exception):
    pass


def _in_rollback(fn):
    """Run fn inside a transaction that is always rolled back: each example starts from the same world."""
    try:
        with transaction.atomic():
            fn()
            raise _Rollback
    except _Rollback:
        pass
    except OverflowError as exc:
        if not _sqlite_integer_limit(exc):
            raise


def _sqlite_integer_limit(exc: OverflowError) -> bool:
    """Django's SQLite backend declares no integer ranges, so a model choice of id 2**63 reaches sqlite3,
    which raises (PostgreSQL's backend turns it into "no such row"). SQLite is the bare-machine
    fallback only: CI sweeps PostgreSQL, where this is a 500 like any other."""
    return connection.vendor == "sqlite" and "SQLite INTEGER" in str(exc)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _quiet_request_log():
    """Thousands of 400s and 403s: Django's request log would drown the report."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


@pytest.fixture
def world(community_a, community_b):
    with time_machine.travel(NOW, tick=False):
        w = iso._b_world(community_a, community_b)
        # quin holds every company-level role: the calendar, the questionnaire templates, statistics.
        w.quin = UserFactory(username="quin")
        for role in COMPANY_ROLES:
            MembershipFactory(user=w.quin, community=None, role=role)
        _more_states(w)
        yield w


def _try(step, failed: list[str]):
    """One step of the extra states; a step the services refuse only costs coverage (the page test
    test_every_form_is_on_a_page_of_the_world says which form is then not reached)."""
    try:
        with transaction.atomic():
            return step()
    except Exception as exc:  # a DomainError, or a signature that has changed
        failed.append(f"{getattr(step, '__name__', step)}: {exc!r}"[:300])
        return None


def _more_states(w):
    """Community B's cases in the states whose forms the plain world does not show: a complaint at each
    step, a violation down the penalty path, a signed work order, a round to send and one to report,
    a unit without a look-up, a family member to remove. All through the services, as bert (every
    community role of B)."""
    from archives import services as archives_services
    from complaints import services as complaints_services
    from reception import services as reception_services
    from surveys import round_report, rounds
    from violations import services as violations_services

    failed: list[str] = []
    later = NOW + datetime.timedelta(days=2)
    cs, vs, by = complaints_services, violations_services, w.bert
    eng = w.work_order.department

    def complaint(channel="letter"):
        return cs.complaint_register(
            by=by, community=w.community, unit=w.unit, owner=w.owner, channel=channel, subject="电梯故障",
            details="电梯停在12楼", request="尽快修复", category="facilities", severity="general",
            department=eng, apology_given=channel in ("visit", "phone"),
        )  # fmt: skip

    def to_triaged():
        c = complaint("visit")
        cs.complaint_triage(complaint_id=c.pk, by=by, valid=True, plan="派工程部检修")
        return c

    def to_ordered():
        c = to_triaged()
        cs.complaint_issue_work_order(
            complaint_id=c.pk, by=by, department=eng, task="更换控制板", due_at=later
        )
        return c

    def to_resolved():
        c = to_ordered()
        order = WorkOrder.objects.latest("pk")
        reception_services.work_order_sign(work_order_id=order.pk, by=by)
        reception_services.work_order_report(work_order_id=order.pk, by=by, result="已更换")
        cs.complaint_report_result(complaint_id=c.pk, by=by, result="已更换电梯控制板")
        return c

    def to_signed_off():
        c = to_resolved()
        cs.complaint_sign_off(complaint_id=c.pk, by=by)
        return c

    def to_unsolvable():
        c = to_ordered()
        cs.complaint_mark_unsolvable(complaint_id=c.pk, by=by, reason="需业委会表决", next_reply_at=later)
        return c

    def to_callback():
        c = to_signed_off()
        cs.complaint_owner_accepts(complaint_id=c.pk, by=by)
        return c

    shown = []  # the detail pages of these cases, swept like the world's
    for step in (complaint, to_triaged, to_ordered, to_resolved, to_signed_off, to_unsolvable):
        shown.append(_try(step, failed))  # the first, a letter: not yet responded to
    with time_machine.travel(NOW - datetime.timedelta(days=10), tick=False):
        shown.append(_try(to_callback, failed))  # its call-back is due by NOW

    def violation(category="fire", subtype="fire_lane"):
        return vs.violation_register(
            by=by, community=w.community, unit=w.unit, owner=w.owner, category=category, subtype=subtype,
            description="电动车停放在消防通道", observed_at=timezone.now() - datetime.timedelta(hours=2),
        )  # fmt: skip

    def to_rectifying(category="fire", subtype="fire_lane"):
        v = violation(category, subtype)
        vs.violation_persuade(
            violation_id=v.pk, by=by, at=timezone.now() - datetime.timedelta(hours=1), reaction="refused"
        )
        vs.violation_set_rectification(
            violation_id=v.pk,
            by=by,
            requirement="移走电动车",
            due_date=timezone.localdate() + datetime.timedelta(days=1),
        )
        return v

    def to_not_rectified(*case):
        v = to_rectifying(*case)
        vs.violation_reinspect(violation_id=v.pk, by=by, rectified=False, note="仍未移走")
        return v

    def to_penalty(kind, *case):
        def step():
            v = to_not_rectified(*case)
            vs.violation_propose_penalty(violation_id=v.pk, by=by, kind=kind, basis="管理规约第五条")
            vs.violation_sign_penalty(violation_id=v.pk, by=w.bert)
            return v

        step.__name__ = f"penalty_{kind}"
        return step

    with time_machine.travel(NOW - datetime.timedelta(days=5), tick=False):
        shown.append(_try(to_rectifying, failed))
        shown.append(_try(to_not_rectified, failed))
        shown.append(_try(to_penalty("criticism"), failed))
        shown.append(_try(to_penalty("legal", "fees", "fee_refusal"), failed))  # legal action needs fees
        lettered = _try(to_penalty("legal", "fees", "fee_refusal"), failed)
        if lettered is not None:  # the lawyer's letter sent: the lawsuit form
            _try(lambda: vs.violation_send_lawyer_letter(violation_id=lettered.pk, by=by,
                                                         sent_on=timezone.localdate()), failed)  # fmt: skip
            shown.append(lettered)

    def signed_work_order():
        record = reception_services.record_log(
            by=by, community=w.community, unit=w.unit, owner=w.owner, kind="repair", subject="水管漏水"
        )
        reception_services.record_transfer(record_id=record.pk, by=by, department=eng, task="上门检修",
                                           due_at=later)  # fmt: skip
        order = WorkOrder.objects.get(record=record)
        reception_services.work_order_sign(work_order_id=order.pk, by=by)
        return order

    shown.append(_try(signed_work_order, failed))

    def unsent_round():
        return rounds.survey_round_create(by=by, community_id=w.community.pk, year=2026, period=12)

    def reported_round():
        r = rounds.survey_round_create(by=by, community_id=w.community.pk, year=2025, period=12)
        rounds.survey_round_send(round_id=r.pk, by=by, sent_on=datetime.date(2025, 12, 1))
        rounds.survey_round_close(round_id=r.pk, by=by)
        return r

    shown.append(_try(unsent_round, failed))
    reported = _try(reported_round, failed)
    shown.append(reported)
    if reported is not None:  # its statistics finished: the publish form
        _try(lambda: round_report.round_statistics_finish(round_id=reported.pk, by=by, analysis="总体满意"),
             failed)  # fmt: skip

    free_unit = UnitFactory(building=w.building, entrance=2, floor=13, room="1303")  # no look-up yet
    OwnershipFactory(unit=free_unit, owner__name="王五", owner__mobile="13977770000")

    def family_member():
        archives_services.personal_row_add(
            unit_id=w.unit.pk, by=by, owner_id=w.owner.pk, group="family", reason="业主告知",
            name="李四", relation="配偶", mobile="13900001111",
        )  # fmt: skip

    _try(family_member, failed)
    w.failed_states = failed
    w.extra_pages = [obj.get_absolute_url() for obj in shown if obj is not None] + [
        reverse("archives:unit", kwargs={"pk": free_unit.pk}),
        reverse("archives:archive", kwargs={"pk": free_unit.pk}),
        *([reverse("surveys:round-statistics", kwargs={"pk": reported.pk})] if reported else []),
    ]
    if os.environ.get("FUZZ_LIST"):
        with open(os.environ["FUZZ_LIST"] + ".states", "w") as out:
            out.write("\n".join(failed))


def test_every_form_of_the_apps_can_be_driven(world):
    """A new form is swept as soon as it exists; one the sweep cannot build or fill says where to add it."""
    problems = []
    classes = app_forms()
    assert len(classes) > 50, f"only {len(classes)} forms found: is the walk of the apps broken?"
    for form_class in classes:
        try:
            form = _build(form_class, world)
        except LookupError as exc:
            problems.append(
                f"{form_class.__module__}.{form_class.__qualname__}: its __init__ needs `{exc.args[0]}` — "
                "add it to INIT_KWARGS in tests/security/test_forms_fuzz.py"
            )
            continue
        for name, field in form.fields.items():
            if _field_strategy(field) is None:
                problems.append(
                    f"{form_class.__module__}.{form_class.__qualname__}.{name}: no strategy for "
                    f"{type(field).__name__} — add one to _field_strategy in "
                    "tests/security/test_forms_fuzz.py"
                )
    assert not problems, "forms the bad-input sweep cannot drive:\n  " + "\n  ".join(problems)


def test_no_form_raises_on_bad_input(world):
    """Every form, bound with bad data: is_valid() answers; a valid one renders and gives its data."""
    problems = []
    with time_machine.travel(NOW, tick=True):
        for form_class in app_forms():
            label = f"{form_class.__module__}.{form_class.__qualname__}"
            try:
                _build(form_class, world)
            except LookupError:
                continue  # test_every_form_of_the_apps_can_be_driven names it

            run = _form_runner(form_class, world, label)
            try:
                run()
            except Exception as exc:
                problems.append(f"{label}: {_summary(exc)}")
    assert not problems, "forms that raise on bad input:\n  " + "\n  ".join(problems)


def _form_runner(form_class, world, label):
    @settings(PROFILE, max_examples=FORM_EXAMPLES)
    @given(st.data())
    def run(data):
        def example():
            shape = _build(form_class, world)
            payload, files = _form_data(shape, data.draw)
            form = _build(form_class, world, payload, files)
            if form.is_valid():
                for hook in VALID_HOOKS:
                    if callable(getattr(form, hook, None)):
                        getattr(form, hook)()
                _no_nul(form.cleaned_data, label)
            form.as_div()  # the view renders it again, bad values and errors included

        _in_rollback(example)

    return run


def _no_nul(cleaned: dict, label: str) -> None:
    """PostgreSQL refuses NUL in text: a cleaned string with one would fail at the save."""
    for key, value in cleaned.items():
        values = value if isinstance(value, list | tuple) else [value]
        for v in values:
            if isinstance(v, str) and "\x00" in v:
                raise AssertionError(f"{label}.{key}: a NUL character got through the form")
            if isinstance(v, Decimal) and not v.is_finite():
                raise AssertionError(f"{label}.{key}: {v} got through the form")


# -- view level: every form on every page, through the test client -------------------------------------

# Forms on every page that the sweep leaves alone: logging out or switching the language would change
# the client under the next examples (test_csrf.py posts to them).
SKIP_ACTIONS = {"/logout/", "/i18n/setlang/"}
NOT_COMMUNITY_KWARGS = {
    "calendar-year": lambda w: {"year": 2026},
    "calendar-edit": lambda w: {"year": 2027},
    "surveys:template-edit": lambda w: {
        "pk": import_module("surveys.models").QuestionnaireTemplate.objects.values_list("pk", flat=True)[0]
    },
}
PUBLIC_KWARGS = {
    "suggestion-box": lambda w: {"code": w.community.code},
    "suggestion-box-thanks": lambda w: {"code": w.community.code},
    "questionnaire-online": lambda w: {"token": w.questionnaire.token},
}
ANONYMOUS = {"login", *PUBLIC_KWARGS}


def pages(world):
    """(url name, kwargs) of every page of the project but the admin, filled with B's objects."""
    for p in iso.url_patterns():
        if p.name is None or p.key.startswith("admin:"):
            continue
        if p.name in iso.FILLERS:
            built = iso.FILLERS[p.name](world)
            for kwargs in built if isinstance(built, list) else [built]:
                yield p.name, kwargs
        elif p.name in PUBLIC_KWARGS:
            yield p.name, PUBLIC_KWARGS[p.name](world)
        elif p.name in NOT_COMMUNITY_KWARGS:
            yield p.name, NOT_COMMUNITY_KWARGS[p.name](world)
        elif not p.kwargs:
            yield p.name, {}


def clients(world) -> dict[str, Client]:
    made = {"anonymous": Client(REMOTE_ADDR="203.0.113.7")}
    for who in ("bert", "quin"):
        made[who] = Client(REMOTE_ADDR="203.0.113.7")
        made[who].force_login(getattr(world, who))
    return made


def page_for(name, kwargs, made) -> tuple[str, str, object] | None:
    """The page as the first user who may see it (B's staff, then the company's, or anyone)."""
    url = reverse(name, kwargs=kwargs)
    for who in ("anonymous",) if name in ANONYMOUS else ("bert", "quin"):
        response = made[who].get(url)
        if response.status_code == 200:
            return who, url, response
    return None


def every_form(world, made):
    """Each distinct form of the project's pages: (who, page url, HtmlForm)."""
    seen, found = set(), []
    for name, kwargs in pages(world):
        got = page_for(name, kwargs, made)
        if got is None:
            continue
        who, url, response = got
        if "html" not in response.get("Content-Type", "") or getattr(response, "streaming", False):
            continue
        forms_on_page, _htmx = page_forms(response.content.decode(), url)
        found += _new_forms(who, url, forms_on_page, seen)
    for url in getattr(world, "extra_pages", []):
        for who in ("bert", "quin"):
            response = made[who].get(url)
            if response.status_code == 200:
                found += _new_forms(who, url, page_forms(response.content.decode(), url)[0], seen)
                break
    return found


def _new_forms(who, url, forms_on_page, seen) -> list:
    found = []
    for form in forms_on_page:
        if form.action in SKIP_ACTIONS:
            continue
        key = (who, *form.signature())
        if key not in seen:
            seen.add(key)
            found.append((who, url, form))
    return found


HTML_STRATEGIES = {
    "text": text_values, "textarea": text_values, "search": text_values, "tel": text_values,
    "email": text_values, "url": text_values, "password": text_values,
    "number": number_values, "date": date_values, "datetime-local": datetime_values, "month": month_values,
}  # fmt: skip


def _html_field_strategy(f: HtmlField) -> st.SearchStrategy | None:
    if f.kind in HTML_STRATEGIES:
        return st.one_of(st.just(f.value), HTML_STRATEGIES[f.kind]) if f.value else HTML_STRATEGIES[f.kind]
    if f.kind == "hidden":  # a unit's pk, an owner's, a kind: kept mostly, sometimes replaced
        return st.one_of(st.just(f.value), st.just(f.value), number_values, nasty_text)
    if f.kind in ("select", "radio"):
        return st.one_of(st.none(), choice_values([o for o in f.options if o]))
    if f.kind in ("select-multiple",):
        return multi_values([o for o in f.options if o])
    if f.kind == "checkbox":  # one box, or a group of boxes (a multiple choice)
        if len(f.options) > 1:
            return st.lists(choice_values(f.options), max_size=len(f.options) + 1, unique=True)
        return st.sampled_from([None, f.options[0] if f.options else "on", "\x00", "x" * 500])
    if f.kind == "submit":
        return st.sampled_from([None, *f.options])
    if f.kind == "file":
        return st.one_of(st.none(), upload_values, st.lists(upload_values, min_size=2, max_size=3))
    return None


def _html_data(form: HtmlForm, draw) -> dict:
    data = {}
    for name, f in form.fields.items():
        if name == "csrfmiddlewaretoken":
            continue
        value = draw(_html_field_strategy(f))
        if value is not None:
            data[name] = value
    return data


def _view_runner(form, method):
    @settings(PROFILE, max_examples=VIEW_EXAMPLES)
    @given(st.data())
    def run(data):
        payload = _html_data(form, data.draw)

        def example():
            response = method(form.action, payload)
            assert response.status_code < 500, f"{response.status_code} for {payload!r:.500}"

        _in_rollback(example)

    return run


def test_no_page_answers_500_to_bad_input(world):
    """Every form of every page, submitted with bad data as a user who may use it: never a 500."""
    made = clients(world)
    problems, driven = [], 0
    with time_machine.travel(NOW, tick=True):
        found = every_form(world, made)
        for who, page, form in found:
            label = f"{form.method.upper()} {form.action} (form on {page}, as {who})"
            undrivable = [
                f"{n} ({f.kind})" for n, f in form.fields.items() if _html_field_strategy(f) is None
            ]
            if undrivable:
                problems.append(
                    f"{label}: cannot drive {undrivable} — add the input type to _html_field_strategy in "
                    "tests/security/test_forms_fuzz.py"
                )
                continue
            client = made[who]
            method = client.post if form.method == "post" else client.get

            run = _view_runner(form, method)
            try:
                run()
                driven += 1
            except Exception as exc:
                problems.append(f"{label}: {_summary(exc)}")
    if os.environ.get("FUZZ_LIST"):
        with open(os.environ["FUZZ_LIST"], "w") as out:  # which forms were driven, for a look by hand
            out.write("\n".join(f"{w} {f.method} {f.action} {sorted(f.fields)}" for w, _p, f in found))
    assert driven > 40, f"only {driven} forms were driven: is the page walk broken?"
    assert not problems, "pages that fail on bad input:\n  " + "\n  ".join(problems)


# -- HTML is escaped on output --------------------------------------------------------------------------

PAYLOADS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_saved_html_is_escaped_on_every_page(community_a, community_b, monkeypatch, payload):
    """Community B's world with the tag in every text (subjects, names, notes, the box, notices …),
    saved through the services; every page of B's staff, the company's and the public shows it
    escaped, never as a tag."""
    monkeypatch.setattr(iso, "MARK", payload)
    with time_machine.travel(NOW, tick=False):
        world = iso._b_world(community_a, community_b)
        world.quin = UserFactory(username="quin")
        for role in COMPANY_ROLES:
            MembershipFactory(user=world.quin, community=None, role=role)
        made = clients(world)
        escaped = payload.replace("<", "&lt;").replace(">", "&gt;")
        raw, shown = [], []
        for name, kwargs in pages(world):
            got = page_for(name, kwargs, made)
            if got is None:
                continue
            who, url, response = got
            if "html" not in response.get("Content-Type", "") or getattr(response, "streaming", False):
                continue
            html = response.content.decode()
            if payload in html:
                raw.append(f"{url} ({name}, as {who})")
            if escaped in html:
                shown.append(url)
    assert not raw, f"{payload} shown unescaped on:\n  " + "\n  ".join(raw)
    # The sweep proves something only if the pages show the texts at all.
    for must in (
        reverse("reception:detail", kwargs={"pk": world.record.pk}),
        reverse("complaints:detail", kwargs={"pk": world.complaint.pk}),
        reverse("violations:detail", kwargs={"pk": world.violation.pk}),
        reverse("surveys:notice", kwargs={"pk": world.board_notice.pk}),
        reverse("surveys:suggestions"),
        reverse("reception:list"),
        reverse("complaints:list"),
    ):
        assert must in shown, f"{must} does not show the saved text: {shown}"
    assert len(shown) > 15, shown


# -- every form class is on some page of the world ----------------------------------------------------

# Forms the page walk does not reach in the world, with the reason (the form level still sweeps them).
NOT_ON_A_PAGE = {}


def _on_page(fields: set[str], form: HtmlForm) -> bool:
    """The form's fields (under a prefix or not) are on the page; a filter form's drill-down fields
    (hidden, shown only when set) may be missing, so half of them is enough when nothing else is."""
    names = set(form.fields) - {"csrfmiddlewaretoken", "version", "next"}
    prefixes = {""} | {n.rsplit("-", 1)[0] + "-" for n in names if "-" in n}
    for p in prefixes:
        wanted = {p + f for f in fields}
        if wanted <= names or (names <= wanted and len(names) * 2 >= len(wanted)):
            return True
    return False


def test_every_form_is_on_a_page_of_the_world(world):
    """The view-level sweep drives a form only if a page shows it: a form no page of the world shows
    needs its state built in the world (or a reason in NOT_ON_A_PAGE)."""
    with time_machine.travel(NOW, tick=True):
        found = [f for _who, _page, f in every_form(world, clients(world))]
    missing = []
    for form_class in app_forms():
        label = f"{form_class.__module__}.{form_class.__qualname__}"
        try:
            fields = set(_build(form_class, world).fields)
        except LookupError:
            continue
        if not fields or label in NOT_ON_A_PAGE:
            continue
        if not any(_on_page(fields, f) for f in found):
            missing.append(label)
    assert not missing, (
        "forms no page of the world shows (the view-level sweep cannot drive them) — build their state "
        "in the world fixture of tests/security/test_forms_fuzz.py, or give the reason in NOT_ON_A_PAGE:\n  "
        + "\n  ".join(missing)
    )


# -- the edges, every one on every field: far dates, huge numbers ------------------------------------

EDGES = {
    "date": ["0001-01-01", "9999-12-31", "1900-01-01", "2100-12-31"],
    "datetime-local": ["0001-01-01T00:00", "9999-12-31T23:59", "1900-01-01T00:00", "2100-12-31T23:59"],
    "month": ["0001-01", "9999-12", "1900-01", "2100-12"],
    "number": ["-1", "0", "32768", "2147483648", "9223372036854775808", "9" * 40, "1e308", "NaN"],
    "hidden": ["0", "-1", "2147483648", "9223372036854775808", "\x00"],
}


def _defaults(form: HtmlForm) -> dict:
    data = {}
    for name, f in form.fields.items():
        if f.kind in ("select", "radio"):
            value = f.value or next((o for o in f.options if o), "")
        elif f.kind in ("checkbox", "file", "submit", "select-multiple"):
            continue
        else:
            value = f.value or ("测试" if f.kind in ("text", "textarea", "search") else "")
        if value:
            data[name] = value
    return data


def test_far_dates_and_huge_numbers_never_answer_500(world):
    """Hypothesis draws the edges now and then; here each one goes into each field, the others left as
    the page filled them: the first and last day Python knows, year 1900 and 2100, int overflows."""
    made = clients(world)
    problems = []
    with time_machine.travel(NOW, tick=True):
        for who, _page, form in every_form(world, made):
            method = made[who].post if form.method == "post" else made[who].get
            base = _defaults(form)
            for name, f in form.fields.items():
                for value in EDGES.get(f.kind, []):
                    if name == "csrfmiddlewaretoken":
                        continue
                    data = {**base, name: value}

                    def example(method=method, action=form.action, data=data):
                        response = method(action, data)
                        assert response.status_code < 500, response.status_code

                    try:
                        _in_rollback(example)
                    except Exception as exc:
                        problems.append(
                            f"{form.method.upper()} {form.action} {name}={value!r}: {_summary(exc)}"
                        )
    assert not problems, "edges that answer 500:\n  " + "\n  ".join(problems)


def test_saved_control_characters_never_break_a_page_or_an_export(community_a, community_b, monkeypatch):
    """The forms keep control characters other than NUL (a pasted text carries them): B's world with
    them in every text, and every page, print-out and Excel or Word file of it still answers."""
    monkeypatch.setattr(iso, "MARK", "控制\x01\x08\x0b\x1b\x1f字符\u202e")
    problems = []
    with time_machine.travel(NOW, tick=False):
        world = iso._b_world(community_a, community_b)
        world.quin = UserFactory(username="quin")
        for role in COMPANY_ROLES:
            MembershipFactory(user=world.quin, community=None, role=role)
        made = clients(world)
        for name, kwargs in pages(world):
            url = reverse(name, kwargs=kwargs)
            for who in ("anonymous",) if name in ANONYMOUS else ("bert", "quin"):
                try:
                    response = made[who].get(url)
                    if getattr(response, "streaming", False):
                        b"".join(response.streaming_content)
                except Exception as exc:
                    problems.append(f"GET {url} ({name}, as {who}): {_summary(exc)}")
                    break
                if response.status_code >= 500:
                    problems.append(f"GET {url} ({name}, as {who}): {response.status_code}")
                if response.status_code == 200:
                    break
    assert not problems, "pages that fail on saved control characters:\n  " + "\n  ".join(problems)
