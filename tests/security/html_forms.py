"""The forms and htmx posts of a rendered page, read from its HTML (for the bad-input and CSRF sweeps).

A page is parsed with the standard library's HTMLParser: every <form> (its method, action, enctype
and fields) and every element that posts by htmx (hx-post) outside a form. Fields are read the way a
browser submits them: inputs by type, selects with their options, textareas, and named submit buttons.
"""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit


@dataclass
class HtmlField:
    name: str
    kind: str  # the input type, or "select", "select-multiple", "textarea", "submit"
    value: str = ""
    options: list[str] = field(default_factory=list)  # select options, radio/checkbox values
    checked: bool = False


@dataclass
class HtmlForm:
    method: str
    action: str  # the path the form posts to
    enctype: str = ""
    htmx: bool = False
    fields: dict[str, HtmlField] = field(default_factory=dict)

    def add(self, f: HtmlField) -> None:
        known = self.fields.get(f.name)
        if known is None:
            self.fields[f.name] = f
        elif f.kind in ("radio", "checkbox", "submit") and known.kind == f.kind:
            known.options.append(f.value)  # one name, several values: a radio group, checkboxes
            known.checked = known.checked or f.checked
            if f.checked and f.kind == "radio":
                known.value = f.value
        # else: the same name twice (a hidden input behind a checkbox…): the first one wins

    def signature(self) -> tuple:
        """The same form on another object (/notifications/7/open/, /notifications/8/open/) is one form."""
        return (self.method, re.sub(r"/\d+/", "/<pk>/", self.action), tuple(sorted(self.fields)))


class _Parser(HTMLParser):
    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[HtmlForm] = []
        self.htmx_posts: list[str] = []
        self.htmx_token = ""  # the X-CSRFToken of <body hx-headers>
        self._form: HtmlForm | None = None
        self._select: HtmlField | None = None
        self._textarea: HtmlField | None = None

    def _url(self, action: str | None) -> str:
        return urlsplit(urljoin(self.page_url, action or self.page_url)).path

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if "hx-post" in a and tag != "form" and self._form is None:
            self.htmx_posts.append(self._url(a["hx-post"]))
        if tag == "body" and "hx-headers" in a:
            import json

            self.htmx_token = json.loads(a["hx-headers"]).get("X-CSRFToken", "")
        if tag == "form":
            method = "post" if "hx-post" in a else (a.get("method") or "get").lower()
            action = a.get("hx-post") or a.get("action")
            self._form = HtmlForm(method=method, action=self._url(action), enctype=a.get("enctype", ""),
                                  htmx="hx-post" in a)  # fmt: skip
            self.forms.append(self._form)
            return
        if self._form is None or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name and "hx-get" in a:  # a live search: its own GET, to its own URL
            lookup = HtmlForm(method="get", action=self._url(a["hx-get"]), htmx=True)
            lookup.add(HtmlField(name, (a.get("type") or "text").lower(), a.get("value", "")))
            self.forms.append(lookup)
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            value = a.get("value", "on" if kind in ("checkbox", "radio") else "")
            self._form.add(
                HtmlField(
                    name,
                    kind,
                    value,
                    options=[value] if kind in ("checkbox", "radio", "submit") else [],
                    checked="checked" in a,
                )
            )
        elif tag == "button" and name:
            self._form.add(HtmlField(name, "submit", a.get("value", ""), options=[a.get("value", "")]))
        elif tag == "select" and name:
            self._select = HtmlField(name, "select-multiple" if "multiple" in a else "select")
            self._form.add(self._select)
        elif tag == "option" and self._select is not None:
            self._select.options.append(a.get("value", ""))
            if "selected" in a:
                self._select.value = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = HtmlField(name, "textarea")
            self._form.add(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def page_forms(html: str, page_url: str) -> tuple[list[HtmlForm], list[str]]:
    """The page's forms, and the paths of its htmx posts outside forms."""
    parser = _Parser(page_url)
    parser.feed(html)
    return parser.forms, parser.htmx_posts


def htmx_token(html: str) -> str:
    """The CSRF token base.html gives htmx (<body hx-headers='{"X-CSRFToken": …}'>)."""
    parser = _Parser("/")
    parser.feed(html)
    return parser.htmx_token
