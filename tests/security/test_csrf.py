"""CSRF on every POST endpoint (issue 11, item 7), with Client(enforce_csrf_checks=True).

- Every URL pattern of the project (test_isolation's walk, filled with community B's objects, the
  admin's pages that take no argument included) refuses a POST without a token: 403, the refusal is
  CSRF's (django.security.csrf logs it), and nothing is written.
- Every POST form of every page accepts the token of its own page (the csrftoken cookie and the
  form's csrfmiddlewaretoken): CSRF never refuses it.
- Valid POSTs with the token work end to end: login, logout, a desk record, htmx (the X-CSRFToken
  header base.html gives htmx), and the public pages (the suggestion box, the questionnaire).
"""

import logging
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from reception.models import ReceptionRecord
from surveys.models import BoxSuggestion, Questionnaire
from tests.security import test_isolation as iso
from tests.security.html_forms import htmx_token, page_forms
from tests.security.test_forms_fuzz import ANONYMOUS, SKIP_ACTIONS, _in_rollback, clients, every_form, pages

NOW = iso.NOW
ADDRESS = "203.0.113.7"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


class _Refusals(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.paths: list[str] = []

    def emit(self, record):
        request = getattr(record, "request", None)
        self.paths.append(request.path if request is not None else record.getMessage())


@pytest.fixture
def csrf_refusals():
    """The paths CSRF refused (django.security.csrf logs each refusal)."""
    handler, logger = _Refusals(), logging.getLogger("django.security.csrf")
    logger.addHandler(handler)
    request_logger = logging.getLogger("django.request")
    level = request_logger.level
    request_logger.setLevel(logging.CRITICAL)
    yield handler.paths
    logger.removeHandler(handler)
    request_logger.setLevel(level)


@pytest.fixture
def world(community_a, community_b):
    from tests.factories import MembershipFactory, UserFactory

    with time_machine.travel(NOW, tick=False):
        w = iso._b_world(community_a, community_b)
        w.quin = UserFactory(username="quin")
        for role in iso.COMPANY_ROLES:
            MembershipFactory(user=w.quin, community=None, role=role)
        w.bert.set_password("bert-Passw0rd!")
        w.bert.save()
        yield w


def _enforcing(user=None) -> Client:
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR=ADDRESS)
    if user is not None:
        client.force_login(user)
    return client


def _token_of(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "the page has no csrfmiddlewaretoken"
    return match.group(1)


def _all_posts(world):
    for name, kwargs in pages(world):
        yield name, reverse(name, kwargs=kwargs)
    for p in iso.url_patterns():
        if p.key.startswith("admin:") and p.name and not p.kwargs:
            yield p.name, reverse(p.name)


def test_every_post_without_a_token_is_refused(world, csrf_refusals):
    """POST with no token and no cookie, to every URL: 403 from CSRF, and nothing written."""
    problems, posted = [], 0
    signed_in = _enforcing(world.bert)
    anonymous = _enforcing()
    with time_machine.travel(NOW, tick=False):
        for name, url in _all_posts(world):
            client = anonymous if name in ANONYMOUS or name.startswith("admin:") else signed_in
            before = iso.snapshot()
            refused = len(csrf_refusals)
            response = client.post(url, {"note": "x", "community": str(world.community.pk)})
            posted += 1
            if response.status_code != 403:
                problems.append(f"POST {url} ({name}): {response.status_code}, expected 403")
            elif len(csrf_refusals) == refused:
                problems.append(f"POST {url} ({name}): 403, but not from CSRF (the view ran)")
            if changed := iso.changes(before, iso.snapshot()):
                problems.append(f"POST {url} ({name}): wrote {changed}")
    assert posted > 100, f"only {posted} URLs posted: is the walk broken?"
    assert not problems, "POSTs without a CSRF token that were not refused:\n  " + "\n  ".join(problems)


def test_every_form_accepts_the_token_of_its_page(world, csrf_refusals):
    """Each POST form of each page, sent back with its page's cookie and token: CSRF lets it through."""
    made = {who: c for who, c in clients(world).items()}
    found = every_form(world, made)  # with plain clients: the pages and their forms
    enforcing = {"anonymous": _enforcing(), "bert": _enforcing(world.bert), "quin": _enforcing(world.quin)}
    problems, checked = [], 0
    with time_machine.travel(NOW, tick=False):
        for who, page, form in found:
            if form.method != "post":
                continue
            client = enforcing[who]
            response = client.get(page)  # sets the csrftoken cookie
            html = response.content.decode()
            if "csrfmiddlewaretoken" not in html:
                problems.append(f"GET {page} as {who}: {response.status_code}, no token on the page")
                continue
            data = {n: f.value for n, f in form.fields.items() if f.kind not in ("checkbox", "radio", "file")}
            data["csrfmiddlewaretoken"] = _token_of(html)
            refused = len(csrf_refusals)
            _in_rollback(lambda client=client, form=form, data=data: client.post(form.action, data))
            checked += 1
            if len(csrf_refusals) != refused:
                problems.append(
                    f"POST {form.action} (form on {page}, as {who}): refused with the page's token"
                )
    assert checked > 30, f"only {checked} forms checked"
    assert not problems, "forms whose own token is refused:\n  " + "\n  ".join(problems)


def test_login_works_with_the_token_and_not_without(world, csrf_refusals):
    client = _enforcing()
    html = client.get("/login/").content.decode()
    credentials = {"username": "bert", "password": "bert-Passw0rd!"}
    assert client.post("/login/", credentials).status_code == 403
    assert "_auth_user_id" not in client.session
    response = client.post("/login/", {**credentials, "csrfmiddlewaretoken": _token_of(html)})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(world.bert.pk)


def test_logout_needs_the_token(world, csrf_refusals):
    client = _enforcing(world.bert)
    html = client.get("/").content.decode()
    assert client.post("/logout/").status_code == 403
    assert client.session.get("_auth_user_id") == str(world.bert.pk)  # still logged in
    assert client.post("/logout/", {"csrfmiddlewaretoken": _token_of(html)}).status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_desk_record_is_saved_with_the_token_and_not_without(world, csrf_refusals):
    client = _enforcing(world.bert)
    with time_machine.travel(NOW, tick=False):
        html = client.get("/reception/new/").content.decode()
        data = {
            "community": str(world.community.pk), "unit": str(world.unit.pk), "contact_type": "owner",
            "channel": "visit", "kind": "repair", "subject": "楼道灯不亮", "received_at": "2026-06-10T09:30",
            "outcome": "handled", "outcome_note": "已派电工今日修复",
        }  # fmt: skip
        before = ReceptionRecord.objects.count()
        assert client.post("/reception/new/", data).status_code == 403
        assert ReceptionRecord.objects.count() == before
        response = client.post("/reception/new/", {**data, "csrfmiddlewaretoken": _token_of(html)})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ReceptionRecord.objects.count() == before + 1


def test_htmx_posts_carry_the_token_in_the_header(world, csrf_refusals):
    """htmx sends the token base.html puts on <body hx-headers>: with it a post works, without it not."""
    client = _enforcing(world.bert)
    html = client.get("/notifications/").content.decode()
    token = htmx_token(html)
    assert token, "base.html gives htmx no X-CSRFToken"
    unread = iso.Notification.objects.filter(recipient=world.bert, read_at__isnull=True)
    assert unread.exists()
    assert client.post("/notifications/read-all/", HTTP_HX_REQUEST="true").status_code == 403
    response = client.post("/notifications/read-all/", HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token)
    assert response.status_code in (200, 204, 302)
    assert not unread.exists()
    # and a form's htmx-style post (the community switch in the header)
    response = client.post(
        "/community/switch/", {"community": str(world.community.pk)}, HTTP_HX_REQUEST="true",
        HTTP_X_CSRFTOKEN=token,
    )  # fmt: skip
    assert response.status_code == 302


def test_the_suggestion_box_enforces_csrf(world, csrf_refusals):
    client = _enforcing()
    url = reverse("suggestion-box", kwargs={"code": world.community.code})
    with time_machine.travel(NOW, tick=False):
        html = client.get(url).content.decode()
        before = BoxSuggestion.objects.count()
        assert client.post(url, {"text": "电梯经常停运"}).status_code == 403
        assert BoxSuggestion.objects.count() == before
        response = client.post(url, {"text": "电梯经常停运", "csrfmiddlewaretoken": _token_of(html)})
    assert response.status_code == 302
    assert BoxSuggestion.objects.count() == before + 1


def test_the_online_questionnaire_enforces_csrf(world, csrf_refusals):
    client = _enforcing()
    questionnaire = world.questionnaire
    url = reverse("questionnaire-online", kwargs={"token": questionnaire.token})
    with time_machine.travel(NOW, tick=False):
        html = client.get(url).content.decode()
        forms, _htmx = page_forms(html, url)
        (form,) = [f for f in forms if f.method == "post" and f.action not in SKIP_ACTIONS]
        data = {n: (f.options[0] if f.kind == "radio" else f.value) for n, f in form.fields.items()}
        del data["csrfmiddlewaretoken"]
        assert client.post(url, data).status_code == 403
        assert Questionnaire.objects.get(pk=questionnaire.pk).returned_at is None
        response = client.post(url, {**data, "csrfmiddlewaretoken": _token_of(html)})
    assert response.status_code in (200, 302)
    assert Questionnaire.objects.get(pk=questionnaire.pk).returned_at is not None
