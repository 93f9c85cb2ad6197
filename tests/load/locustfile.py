"""The load scenario of issue 11 (item 10): a working day at the customer service center, through the
real pages of the app, as a browser would use them (docs/PERFORMANCE.md, "Load test").

    python -m tests.load.run --size small --seconds 30        # the runner: database, gunicorn, Locust
    locust -f tests/load/locustfile.py --host http://127.0.0.1:8765 --users 55 --spawn-rate 5

55 users: 40 front-desk receptionists log contacts and look units up, 10 property supervisors work
complaints, 5 managers open the statistics and the access log. Each user logs in through the login
form with the CSRF token of the page, then works in a loop with a think time of 1–3 s between
actions (`between(1, 3)`; LOAD_THINK=min,max changes it), and 0.2–0.6 s between the keystrokes of
the unit search as you type (the page asks after 200 ms without typing). Real staff pause far longer
(tens of seconds for a visit at the desk), so 55 users here press the server like several hundred.

The accounts are the seeded staff (archives/scale/staff.py, password `propsvc-bench`), spread over
the communities: LOAD_COMMUNITIES (comma-separated codes, from run.py; default sc001…sc005).

A request fails when the answer is not the one expected: another status, an error page, a redirect
to the login page, or a form that comes back with errors. Requests are named by URL pattern.
"""

import itertools
import os
import random
import re
import time
from datetime import date
from html.parser import HTMLParser

import gevent
from locust import HttpUser, between, events, task

PASSWORD = os.environ.get("LOAD_PASSWORD", "propsvc-bench")
THINK = between(*(float(x) for x in os.environ.get("LOAD_THINK", "1,3").split(",")))
LOGIN_PATH = "/login/"
HTMX = {"HX-Request": "true"}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
SUBJECTS = {
    "consultation": ["咨询物业费缴纳方式", "询问停车位租赁", "咨询装修申请流程", "询问快递代收"],
    "repair": ["厨房水龙头漏水", "楼道灯不亮", "门禁卡失灵", "卫生间下水堵塞"],
    "suggestion": ["建议增加充电桩", "建议延长会所开放时间"],
    "praise": ["表扬保安帮忙搬运", "感谢维修师傅及时上门"],
}
COMPLAINTS = [
    ("facilities", "电梯多次停运"),
    ("cleaning", "垃圾清运不及时"),
    ("security", "夜间外来车辆乱停"),
    ("service", "客服电话无人接听"),
    ("neighbours", "楼上装修噪音扰民"),
]


def _communities() -> list[str]:
    codes = [c for c in os.environ.get("LOAD_COMMUNITIES", "").split(",") if c]
    return codes or [f"sc{i:03d}" for i in range(1, 6)]


def _spread(codes: list[str], n: int, offset: int = 0) -> list[str]:
    """n communities evenly spread over the list (repeating when the list is shorter)."""
    if len(codes) >= n:
        step = len(codes) / n
        return [codes[(int(i * step) + offset) % len(codes)] for i in range(n)]
    return [codes[(i + offset) % len(codes)] for i in range(n)]


def _handed_out(usernames: list[str]):
    """Each username with its slot among the users that share it and their number: at the small size
    there are fewer accounts than users, and users of one account work on different complaints."""
    total = {name: usernames.count(name) for name in usernames}
    seen: dict[str, int] = {}
    for name in itertools.cycle(usernames):
        slot = seen.get(name, 0)
        seen[name] = slot + 1
        yield name, slot % total[name], total[name]


def _accounts():
    codes = _communities()
    desk = [f"{c}_desk1" for c in _spread(codes, 40)]
    staff = [f"{c}_supervisor" for c in _spread(codes, 10, offset=1)]
    managers = [f"{c}_manager" for c in _spread(codes, 3, offset=2)]
    return {
        "desk": _handed_out(desk),
        "staff": _handed_out(staff),
        # Two company leaders read the whole company; three CS center managers their community.
        "manager": _handed_out(["scale_leader", managers[0], "scale_gm", managers[1], managers[2]]),
    }


ACCOUNTS = _accounts()


# -- reading the pages ----------------------------------------------------------------------------


class _Forms(HTMLParser):
    """The forms of a page with what a browser would submit as they stand (inputs with their value,
    checked boxes and radios, the selected option or else the first, textareas)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action") or "", "fields": {}, "options": {}}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in {"radio", "checkbox"}:
                if "checked" in a:
                    self._form["fields"][a["name"]] = a.get("value", "on")
            elif kind not in {"submit", "button", "file"}:
                self._form["fields"][a["name"]] = a.get("value") or ""
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form["options"][self._select] = []
        elif tag == "option" and self._select:
            value = a.get("value", "")
            self._form["options"][self._select].append(value)
            if "selected" in a or self._select not in self._form["fields"]:
                self._form["fields"][self._select] = value
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._form["fields"][self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form["fields"][self._textarea] += data


def forms_of(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def form_with(html: str, action_pattern: str) -> dict | None:
    """The first form whose action matches (a path, '' for the page itself)."""
    for form in forms_of(html):
        if re.fullmatch(action_pattern, form["action"]):
            return form
    return None


_ERRORS = re.compile(r'class="[^"]*(?:invalid-feedback|alert-danger|errorlist)[^"]*"[^>]*>(.{0,400})', re.S)


def form_errors(html: str) -> str:
    """The first error text a re-rendered form shows, or ''."""
    for found in _ERRORS.findall(html):
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.split("</div>")[0])).strip()
        if text:
            return text[:200]
    return "form errors" if "is-invalid" in html else ""


def links(html: str, pattern: str) -> list[str]:
    return re.findall(rf'href="({pattern})"', html)


def months_back(n: int) -> str:
    today = date.today()
    index = today.year * 12 + today.month - 1 - n
    return f"{index // 12}-{index % 12 + 1:02d}"


# -- the users --------------------------------------------------------------------------------------


class Staff(HttpUser):
    abstract = True
    wait_time = THINK
    role = ""

    def on_start(self):
        self.username, self.slot, self.sharing = next(ACCOUNTS[self.role])
        # All users log in from 127.0.0.1, up to one per gunicorn worker at once: the lockout must not
        # count the attempts still being checked (propsvc/lockout.py).
        self.login()
        _mark("LOGGED_IN")

    def login(self):
        page = self.page(LOGIN_PATH, name="GET /login/", allow_login=True)
        form = page and form_with(page, "")
        if not form:
            return
        data = {**form["fields"], "username": self.username, "password": PASSWORD}
        self.submit(LOGIN_PATH, data, name="POST /login/", expect_location=r"/")

    # Every request goes through one of these two: they decide what counts as a failure.

    def page(self, path, *, name, expect="", htmx=False, allow_login=False, params=None) -> str | None:
        """GET a page; its HTML, or None after marking the request failed."""
        with self.client.get(
            path, params=params, name=name, headers=HTMX if htmx else None, catch_response=True
        ) as response:
            problem = ""
            if response.status_code != 200:
                problem = f"status {response.status_code}"
            elif not allow_login and LOGIN_PATH in response.url:
                problem = "redirected to the login page"
            elif htmx and "<html" in response.text:
                problem = "a whole page where a fragment was expected"
            elif not htmx and "</html>" not in response.text:
                problem = "an incomplete page"
            elif not allow_login and "is-invalid" in response.text:
                problem = f"the page shows form errors: {form_errors(response.text)}"
            elif expect and expect not in response.text:
                problem = f"the page does not show {expect!r}"
            if problem:
                response.failure(problem)
                return None
            response.success()
            return response.text

    def submit(self, path, data, *, name, expect_location) -> str | None:
        """POST a form; success is the redirect after the save (PRG). Returns where it leads."""
        with self.client.post(
            path, data=data, name=name, allow_redirects=False, catch_response=True
        ) as response:
            location = response.headers.get("Location", "")
            if response.status_code == 302 and LOGIN_PATH in location:
                response.failure("redirected to the login page")
            elif response.status_code == 302 and re.fullmatch(expect_location, location):
                response.success()
                return location
            elif response.status_code == 302:
                response.failure(f"redirected to {location}")
            elif response.status_code in (200, 400):
                who = f" ({self.username})" if path == LOGIN_PATH else ""
                response.failure(f"form refused{who}: {form_errors(response.text) or 'no error shown'}")
            else:
                response.failure(f"status {response.status_code}")
            return None

    def lookup(self, text: str, *, name="GET /reception/units/ (as you type)") -> list[str]:
        """Type into the unit search: the debounced requests of the typing, then the full text;
        the ids of the units offered."""
        html = ""
        for end in sorted({max(1, len(text) // 2), len(text)}):
            self.wait_keys()
            html = self.page("/reception/units/", params={"unit_query": text[:end]}, name=name, htmx=True)
            if html is None:
                return []
        return re.findall(r'data-unit-id="(\d+)"', html)

    def wait_keys(self):
        self._sleep(random.uniform(0.2, 0.6))

    def think(self):
        self._sleep(THINK(self))

    def _sleep(self, seconds):
        gevent.sleep(seconds)


def _unit_text() -> str:
    """What the receptionist types: a room (1101), a building and room (3-1101), or a surname."""
    roll = random.random()
    room = f"{random.randint(1, 18)}{random.randint(1, 4):02d}"
    if roll < 0.5:
        return room
    if roll < 0.8:
        return f"{random.randint(1, 6)}-{room}"
    return random.choice(SURNAMES)


class FrontDesk(Staff):
    """A receptionist (scNNN_desk1): logs visits and calls, looks units up, checks today's list."""

    weight = 40
    role = "desk"

    @task(4)
    def log_a_visit(self):
        page = self.page("/reception/new/", name="GET /reception/new/", expect='id="desk-form"')
        if page is None:
            return
        units = []
        for _ in range(2):  # a second try when the first text finds nothing
            units = self.lookup(_unit_text())
            if units:
                break
        self.think()  # filling in the form
        form = form_with(page, "")
        if not form:
            return
        kind = random.choices(list(SUBJECTS), weights=[5, 3, 1, 1])[0]
        data = {
            **form["fields"],
            "contact_type": "owner",
            "channel": random.choice(["visit", "phone"]),
            "kind": kind,
            "subject": random.choice(SUBJECTS[kind]),
            "details": "压测记录",
            "outcome": "handled",
            "outcome_note": "已当场答复业主",
        }
        if units:
            data["unit"] = random.choice(units)
        else:  # nobody found: a visitor's name and phone, with consent
            data |= {
                "contact_type": "other",
                "contact_name": "访客" + random.choice(SURNAMES),
                "contact_phone": f"139{random.randint(0, 99_999_999):08d}",
                "consent_given": "on",
            }
        if kind == "repair" and random.random() < 0.5 and form["options"].get("department"):
            data |= self._transfer(page, form)
        data.pop("unit_query", None)
        self.submit("/reception/new/", data, name="POST /reception/new/", expect_location=r"/reception/new/")

    def _transfer(self, page, form):
        """A repair sent to a department as a work order, due in two days, reply promised."""
        from datetime import datetime, timedelta

        received = datetime.strptime(form["fields"]["received_at"], "%Y-%m-%dT%H:%M")
        departments = [v for v in form["options"]["department"] if v]
        return {
            "outcome": "transferred",
            "outcome_note": "已转工程部处理",
            "department": random.choice(departments),
            "task": "上门检修",
            "work_order_due_at": (received + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
            "promised_reply_at": (received + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "reply_method": "phone",
        }

    @task(2)
    def answer_a_call(self):
        """An owner calls: find the unit, then its page."""
        units = self.lookup(_unit_text())
        if units:
            self.think()
            self.page(f"/archives/units/{random.choice(units)}/", name="GET /archives/units/<pk>/")

    @task(1)
    def todays_records(self):
        page = self.page("/reception/", params={"view": "today"}, name="GET /reception/?view=today")
        records = links(page or "", r"/reception/\d+/")
        if records:
            self.think()
            self.page(random.choice(records), name="GET /reception/<pk>/")


class ComplaintStaff(Staff):
    """A property supervisor (scNNN_supervisor): handles the community's general complaints."""

    weight = 10
    role = "staff"
    # Steps of the detail page this user takes when offered, with what is typed into them.
    STEPS = {
        "triage": {"triage-valid": "valid", "triage-plan": "安排工程部上门查看，三日内处理完毕"},
        "respond": {"respond-apology_given": "on", "respond-note": "已致歉并告知处理时限"},
        "resume": {},
        "pause": {"pause-reason": "业主出差，周五后再联系"},
    }

    @task(4)
    def work_the_queue(self):
        view = random.choice(["status=processing", "status=new", "view=mine", "view=triage", "view=overdue"])
        key, value = view.split("=")
        page = self.page("/complaints/", params={key: value}, name=f"GET /complaints/?{key}=…")
        complaints = [path for path in links(page or "", r"/complaints/\d+/") if self.mine(path)]
        if not complaints:
            return
        self.think()
        self.work_on(random.choice(complaints[:10]))

    def mine(self, path: str) -> bool:
        """Users sharing an account (small size) each take their own complaints, by number."""
        return int(re.search(r"\d+", path).group()) % self.sharing == self.slot

    def work_on(self, path):
        page = self.page(path, name="GET /complaints/<pk>/")
        if page is None:
            return
        offered = {m for m in re.findall(rf'action="{path}([a-z-]+)/"', page)}
        # Pause only now and then (it would stop the clock of half the queue), resume always.
        steps = [s for s in self.STEPS if s in offered and (s != "pause" or random.random() < 0.2)]
        if not steps:
            return
        step = steps[0]
        form = form_with(page, rf"{path}{step}/")
        if not form:
            return
        self.think()
        data = {**form["fields"], **self.STEPS[step]}
        if self.submit(f"{path}{step}/", data, name=f"POST /complaints/<pk>/{step}/", expect_location=path):
            self.page(path, name="GET /complaints/<pk>/")

    @task(2)
    def call_backs(self):
        page = self.page("/complaints/callbacks/", name="GET /complaints/callbacks/")
        complaints = links(page or "", r"/complaints/\d+/")
        if complaints:
            self.think()
            self.page(random.choice(complaints), name="GET /complaints/<pk>/")

    @task(1)
    def register_a_complaint(self):
        """A complaint taken on patrol: registered directly, then triaged from the queue."""
        page = self.page("/complaints/new/", name="GET /complaints/new/")
        form = page and form_with(page, "")
        if not form:
            return
        units = self.lookup(_unit_text())
        self.think()
        category, subject = random.choice(COMPLAINTS)
        data = {
            **form["fields"],
            "channel": "patrol",
            "subject": subject,
            "details": "压测投诉",
            "category": category,
            "severity": "general",
        }
        data.pop("unit_query", None)
        if units:
            data["unit"] = random.choice(units)
        else:
            data |= {"contact_name": "业主" + random.choice(SURNAMES), "contact_phone": "13900001111"}
        location = self.submit(
            "/complaints/new/", data, name="POST /complaints/new/", expect_location=r"/complaints/\d+/"
        )
        if location:
            self.page(location, name="GET /complaints/<pk>/")


class Manager(Staff):
    """Two company leaders (scale_leader, scale_gm) and three CS center managers (scNNN_manager)."""

    weight = 5
    role = "manager"

    def on_start(self):
        super().on_start()
        self.company = self.username.startswith("scale_")

    @property
    def scope(self):
        return "company" if self.company else "community"

    @task(3)
    def monthly_statistics(self):
        month = months_back(1 if random.random() < 0.7 else random.randint(2, 12))
        page = self.page(
            "/complaints/statistics/",
            params={"month": month},
            name=f"GET /complaints/statistics/ ({self.scope})",
        )
        if page and self.company:  # then one community of the company
            communities = re.findall(r'name="communities" value="(\d+)"', page)
            if communities:
                self.think()
                self.page(
                    "/complaints/statistics/",
                    params={"month": month, "communities": random.choice(communities)},
                    name="GET /complaints/statistics/ (one community)",
                )

    @task(2)
    def callback_statistics(self):
        self.page(
            "/complaints/statistics/callbacks/",
            params={"month": months_back(1)},
            name=f"GET /complaints/statistics/callbacks/ ({self.scope})",
        )

    @task(1)
    def access_log(self):
        month = months_back(random.randint(0, 3))
        year, number = (int(x) for x in month.split("-"))
        first = date(year, number, 1)
        last = date(year + number // 12, number % 12 + 1, 1).toordinal() - 1
        params = {"date_from": first.isoformat(), "date_to": date.fromordinal(last).isoformat()}
        self.page("/archives/access-log/", params=params, name=f"GET /archives/access-log/ ({self.scope})")


# -- every request into a file, for run.py's exact percentiles (Locust's own are rounded) -----------

_REQUEST_LOG_PATH = os.environ.get("LOAD_REQUEST_LOG")
# Open for the whole run (line-buffered), closed when the process ends.
_REQUEST_LOG = open(_REQUEST_LOG_PATH, "a", buffering=1) if _REQUEST_LOG_PATH else None  # noqa: SIM115


def _mark(what: str) -> None:
    if _REQUEST_LOG:
        _REQUEST_LOG.write(f"{time.time():.3f}\t{what}\t0\t0\n")


@events.request.add_listener
def _log_request(request_type, name, response_time, exception=None, **_kwargs):
    if _REQUEST_LOG:
        _REQUEST_LOG.write(f"{time.time():.3f}\t{name}\t{response_time:.1f}\t{int(exception is not None)}\n")


@events.test_start.add_listener
def _log_start(environment, **_kwargs):
    print(f"load: communities {', '.join(_communities()[:5])}… ({len(_communities())})", flush=True)
    _mark("START")


@events.test_stop.add_listener
def _log_stop(environment, **_kwargs):
    _mark("STOP")
