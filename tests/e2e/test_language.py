"""Journey: the language switch, from Chinese to English and back (issue 9), as a person does it —
the menu under their name, the Language list — and the page answers in the chosen language."""

from playwright.sync_api import expect


def test_the_language_switch_turns_the_pages_to_english_and_back(login, alice):
    page = login(alice)
    expect(page.get_by_role("button", name="登录")).to_have_count(0)
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    me = alice.get_full_name() or alice.username

    page.get_by_role("button", name=me).click()
    page.get_by_label("语言").select_option("en")
    page.wait_for_load_state("networkidle")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("navigation").get_by_role("link", name="Complaints", exact=True)).to_be_visible()

    page.get_by_role("button", name=me).click()
    page.get_by_label("Language").select_option("zh-hans")
    page.wait_for_load_state("networkidle")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("navigation").get_by_role("link", name="投诉", exact=True)).to_be_visible()
