"""Keyboard helpers for the front-desk journey: every key sent is counted, so the speed figures in
docs/front-desk-speed.json are what a receptionist would press (a chord such as Control+Enter is two keys,
a typed string is one key per character)."""

import datetime

from playwright.sync_api import Locator, Page, expect


class CountingKeyboard:
    """page.keyboard, counting keys: `typed` for the text written, `other` for Tab, arrows and Enter."""

    def __init__(self, page: Page):
        self.page = page
        self.typed = 0
        self.other = 0

    @property
    def total(self) -> int:
        return self.typed + self.other

    def press(self, key: str) -> None:
        self.other += len(key.split("+"))
        self.page.keyboard.press(key)

    def type(self, text: str) -> None:
        self.typed += len(text)
        self.page.keyboard.type(text)

    def tab_to(self, field: Locator, *, most: int = 12) -> None:
        """Tab until `field` has the focus, as a person does (a date-time field has several Tab stops)."""
        for _ in range(most):
            if _has_focus(field):
                return
            self.press("Tab")
        expect(field).to_be_focused()

    def arrow_to_option(self, select: Locator, label: str, *, most: int = 10) -> None:
        """In a focused, closed <select>, ↓ until the option `label` is chosen (Chromium on Linux)."""
        for _ in range(most):
            if (
                select.evaluate("s => s.selectedOptions[0] && s.selectedOptions[0].textContent.trim()")
                == label
            ):
                return
            self.press("ArrowDown")
        expect(select.locator("option:checked")).to_have_text(label)

    def arrow_to_radio(self, radio: Locator, *, most: int = 8) -> None:
        """In a focused radio group, ↓ until `radio` is checked (arrows move and check)."""
        for _ in range(most):
            if radio.is_checked():
                return
            self.press("ArrowDown")
        expect(radio).to_be_checked()

    def type_datetime(self, field: Locator, moment: datetime.datetime, *, browser_args: list[str]) -> None:
        """Type a moment into a focused <input type=datetime-local>, segment by segment.

        The segments follow the browser's own locale, not the page's (Playwright's context locale changes
        Intl and Accept-Language, not this field): Debian's headless Chromium runs en-US here
        (MM/DD/YYYY, hh:mm AM/PM); launched with --lang=zh-CN it shows YYYY/MM/DD HH:mm.
        """
        # A full month, day, hour or minute moves on to the next segment; the year takes up to 6 digits,
        # so Tab leaves it.
        if any(arg.startswith("--lang=zh") for arg in browser_args):
            segments = [moment.strftime("%Y"), "Tab", moment.strftime("%m%d%H%M")]
        else:
            segments = [moment.strftime("%m%d%Y"), "Tab", moment.strftime("%I%M") + moment.strftime("%p")[0]]
        for segment in segments:
            self.press(segment) if segment == "Tab" else self.type(segment)
        expect(field).to_have_value(moment.strftime("%Y-%m-%dT%H:%M"))


def _has_focus(field: Locator) -> bool:
    return field.evaluate("el => el === document.activeElement")
