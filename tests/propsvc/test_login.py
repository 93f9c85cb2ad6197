import pytest

from tests.factories import PASSWORD


def test_it_sends_anonymous_users_to_the_login_page(client, db):
    r = client.get("/")
    assert r.status_code == 302
    assert r["Location"].startswith("/login/?next=/")


def test_it_shows_the_login_page_in_chinese(client, db):
    r = client.get("/login/")
    assert r.status_code == 200
    body = r.content.decode()
    assert "登录" in body
    assert 'lang="zh-hans"' in body


def test_it_logs_in_with_username_and_password(client, alice):
    r = client.post("/login/", {"username": "alice", "password": PASSWORD})
    assert r.status_code == 302
    assert r["Location"] == "/"
    assert client.get("/").status_code == 200


def test_it_refuses_a_wrong_password_with_a_message(client, alice):
    r = client.post("/login/", {"username": "alice", "password": "wrong"})
    assert r.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "用户名" in r.content.decode()  # Django's Chinese "please enter a correct username and password"


def test_it_logs_out_on_post_only(client, alice):
    client.force_login(alice)
    assert client.get("/logout/").status_code == 405
    r = client.post("/logout/")
    assert r.status_code == 302
    assert r["Location"] == "/login/"
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("language", ["en"])
def test_it_switches_the_language(client, alice, language):
    client.force_login(alice)
    r = client.post("/i18n/setlang/", {"language": language, "next": "/"})
    assert r.status_code == 302
    body = client.get("/").content.decode()
    assert "My communities" in body
