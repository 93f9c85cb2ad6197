"""The load test of issue 11 (item 10): the Locust scenario of locustfile.py against gunicorn on
PostgreSQL, at a size of `seed_scale`; prints the table and writes docs/load-<size>.json.

    python -m tests.load.run --size large --seconds 300          # make load
    python -m tests.load.run --size small --seconds 30           # CI: errors fail it, timings do not

The database (LOAD_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/propsvc_load_<size>) is
a fresh copy of the benchmark's database propsvc_bench_<size> when that exists and nothing is
connected to it (CREATE DATABASE … TEMPLATE; the benchmark's database is only read). Otherwise the
load database is used as it is when it holds the size, or else migrated and seeded with
`seed_scale --size <size>`. Migrations the code has and the copy lacks are applied.

gunicorn runs production's settings (DEBUG off, CSP enforced, WhiteNoise with the manifest of a
temporary collectstatic) with 2 × cores + 1 sync workers, on plain http: SECURE_SSL_REDIRECT and the
Secure flag of the cookies are off, since there is no TLS proxy in front. Celery's broker is a
temporary folder (no worker runs: queued tasks wait there) and mail goes to the console.

Every request Locust makes is written to a file (locustfile.py), so the percentiles are exact, not
Locust's rounded ones: for the whole run (the logins at its start included) and for the steady state
once the last user has logged in. The requests of the stop's grace period are left out of the
times, not out of the failures. gunicorn's access log gives the workers' own time per request too.

Exit status 1 when any request failed, or with --strict when the whole run's p95 is 300 ms or more.
"""

import argparse
import csv
import json
import math
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
SIZES_COMPLAINTS = {"small": 2_000, "medium": 100_000, "large": 1_000_000}
P95_TARGET_MS = 300
USERS = {"FrontDesk": 40, "ComplaintStaff": 10, "Manager": 5}
LOAD_AVERAGES: list[float] = []


STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"load [{time.monotonic() - STARTED:4.0f} s]: {message}", flush=True)


# -- the database ------------------------------------------------------------------------------------


def _admin_url(url: str) -> str:
    return urlparse(url)._replace(path="/postgres").geturl()


def _name(url: str) -> str:
    return urlparse(url).path.lstrip("/")


def _exists(conn, name: str) -> bool:
    return bool(conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone())


def _copy(url: str, template: str, *, retries: int, wait: int) -> bool:
    """Drop the load database and create it again as a copy of the template; False when the template
    is missing or stays in use."""
    import psycopg

    name = _name(url)
    if name == template or name.startswith("propsvc_bench_"):
        raise SystemExit(f"refusing to write into the benchmark's database {name}: choose another")
    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        if not _exists(conn, template):
            log(f"no template database {template}")
            return False
        for attempt in range(retries + 1):
            users = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [template]
            ).fetchone()[0]
            if users == 0:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                started = time.perf_counter()
                try:
                    # FILE_COPY: one checkpoint and a copy of the files, not the whole database in WAL.
                    conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
                except psycopg.errors.ObjectInUse:
                    log(f"{template} got a connection during the copy")
                else:
                    log(f"copied {template} to {name} in {time.perf_counter() - started:.0f} s")
                    return True
            else:
                log(f"{template} has {users} connection(s)")
            if attempt < retries:
                log(f"retrying the copy in {wait} s ({attempt + 1}/{retries})")
                time.sleep(wait)
    return False


def _complaints(url: str) -> int | None:
    """The number of complaints in the load database (created empty when missing), None when empty."""
    import psycopg

    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        if not _exists(conn, _name(url)):
            conn.execute(f'CREATE DATABASE "{_name(url)}"')
            log(f"created database {_name(url)}")
            return None
    with psycopg.connect(url) as conn:
        table = conn.execute("SELECT to_regclass('complaints_complaint')").fetchone()[0]
        return conn.execute("SELECT count(*) FROM complaints_complaint").fetchone()[0] if table else None


def _manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def prepare_database(args, env: dict) -> str:
    """Returns how the database was prepared (copy, reused, seeded)."""
    url, want = args.database_url, SIZES_COMPLAINTS[args.size]
    how = "copy of " + args.template
    copied = not args.reuse and _copy(url, args.template, retries=args.copy_retries, wait=args.copy_wait)
    have = _complaints(url)
    if copied and not (have is not None and 0.9 * want <= have <= 1.1 * want):
        log(f"the copy holds {have or 0:,} complaints, not the size {args.size}: seeding it")
        copied = False
    if not copied:
        if have is not None and 0.9 * want <= have <= 1.1 * want:
            how = "reused"
            log(f"using {_name(url)} as it is ({have:,} complaints)")
        else:
            log(f"seeding {_name(url)} at size {args.size} …")
            started = time.perf_counter()
            _manage(env, "migrate", "--verbosity", "0")
            _manage(env, "seed_scale", "--size", args.size, "--force", "--verbosity", "0")
            log(f"seeded in {time.perf_counter() - started:.0f} s")
            how = "seeded"
    _manage(env, "migrate", "--verbosity", "0")
    return how


def communities(url: str) -> list[str]:
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT code FROM propsvc_community WHERE code ~ '^sc[0-9]+$' ORDER BY code"
        ).fetchall()
    return [code for (code,) in rows]


def row_counts(url: str) -> dict[str, int]:
    import psycopg

    tables = {
        "reception records": "reception_receptionrecord",
        "complaints": "complaints_complaint",
        "complaint events": "complaints_complaintevent",
    }
    counts = {}
    with psycopg.connect(url) as conn:
        for label, table in tables.items():
            if conn.execute("SELECT to_regclass(%s)", [table]).fetchone()[0]:
                # The newest rows only: an index walk, not a count of millions.
                counts[label] = conn.execute(f'SELECT coalesce(max(id), 0) FROM "{table}"').fetchone()[0]  # noqa: S608
    return counts


# -- the server ---------------------------------------------------------------------------------------


def server_env(args, work: Path) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE", "EMAIL_URL"}
    }
    var = work / "var"
    for folder in ("celery/queue", "celery/processed", "media"):
        (var / folder).mkdir(parents=True, exist_ok=True)
    env.update(
        {
            "DEBUG": "false",
            "SECRET_KEY": "load-test-only-not-a-secret",
            "DATABASE_URL": args.database_url,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "SECURE_HSTS_SECONDS": "0",
            "EMAIL_URL": "console://",
            "PROPSVC_VAR_DIR": str(var),
            "PROPSVC_LOAD_STATIC_ROOT": str(work / "static"),
            "PROPSVC_LOAD_STATIC_EXTRA": str(work / "static-extra"),
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def collect_static(env: dict, work: Path) -> None:
    """collectstatic into the temporary folder; an empty source map for each vendored file whose
    sourceMappingURL names a file static/ does not have (the manifest storage refuses those)."""
    extra = work / "static-extra"
    extra.mkdir(exist_ok=True)
    for path in (ROOT / "static").rglob("*"):
        if path.suffix in {".js", ".css"} and path.is_file():
            for target in re.findall(r"sourceMappingURL=([\w./-]+\.map)", path.read_text(errors="ignore")):
                if not (path.parent / target).exists():
                    stub = extra / path.parent.relative_to(ROOT / "static") / target
                    stub.parent.mkdir(parents=True, exist_ok=True)
                    stub.write_text('{"version": 3, "sources": [], "mappings": ""}\n')
    subprocess.run(
        [sys.executable, "-m", "tests.load.wsgi", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def start_gunicorn(args, env: dict, work: Path) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "gunicorn", "tests.load.wsgi:application",
        "--bind", f"127.0.0.1:{args.port}",
        "--workers", str(args.workers),
        "--timeout", "60",
        "--no-control-socket",
        "--access-logfile", str(work / "access.log"),
        "--access-logformat", "%(m)s %(U)s %(s)s %(D)s",
        "--error-logfile", str(work / "gunicorn.log"),
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}: see {work / 'gunicorn.log'}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{args.port}/healthz", timeout=5) as answer:
                if answer.status == 200:
                    log(f"gunicorn is up: {args.workers} workers on port {args.port}")
                    return server
        except OSError:
            pass
        time.sleep(1)
    stop(server)
    raise SystemExit(f"gunicorn did not answer /healthz within 90 s: see {work / 'gunicorn.log'}")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


# -- Locust and its figures ---------------------------------------------------------------------------


def run_locust(args, work: Path, codes: list[str]) -> int:
    env = {
        **os.environ,
        "LOAD_COMMUNITIES": ",".join(codes),
        "LOAD_REQUEST_LOG": str(work / "requests.tsv"),
        "LOAD_THINK": args.think,
    }
    command = [
        sys.executable, "-m", "locust",
        "-f", str(ROOT / "tests" / "load" / "locustfile.py"),
        "--headless", "--only-summary",
        "--host", f"http://127.0.0.1:{args.port}",
        "--users", str(sum(USERS.values())),
        "--spawn-rate", str(args.spawn_rate),
        "--run-time", f"{args.seconds}s",
        "--stop-timeout", "10",
        "--csv", str(work / "locust"),
        "--logfile", str(work / "locust.log"),
        "--exit-code-on-error", "0",
    ]  # fmt: skip
    log(f"Locust: {sum(USERS.values())} users ({USERS}), {args.seconds} s, spawn rate {args.spawn_rate}/s")
    with open(work / "locust.out", "w") as out:
        locust = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        while True:  # the machine's 1-minute load average every 10 s: how busy it was meanwhile
            try:
                return locust.wait(timeout=10)
            except subprocess.TimeoutExpired:
                LOAD_AVERAGES.append(round(os.getloadavg()[0], 2))


def _percentile(ordered: list[float], share: float) -> float:
    """Nearest rank: the smallest value with at least `share` of the values at or below it."""
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else 0.0


def _summary(name: str, times: list[float], failures: int, seconds: float) -> dict:
    ordered = sorted(times)
    return {
        "name": name,
        "requests": len(ordered),
        "failures": failures,
        "median_ms": round(_percentile(ordered, 0.5)),
        "p95_ms": round(_percentile(ordered, 0.95)),
        "p99_ms": round(_percentile(ordered, 0.99)),
        "max_ms": round(ordered[-1]) if ordered else 0,
        "rps": round(len(ordered) / seconds, 2) if seconds > 0 else 0.0,
    }


def _table(requests: list[tuple], seconds: float) -> dict:
    by_name = defaultdict(list)
    for request in requests:
        by_name[request[1]].append(request)
    rows = [
        _summary(name, [r[2] for r in group], sum(r[3] for r in group), seconds)
        for name, group in sorted(by_name.items())
    ]
    total = _summary("all requests", [r[2] for r in requests], sum(r[3] for r in requests), seconds)
    return {"seconds": round(seconds, 1), "total": total, "results": rows}


def request_stats(work: Path, seconds: float) -> dict:
    """Every request of Locust's run (locustfile.py writes them): the whole run, and the steady
    state once every user has logged in (the logins, a password hash each, are behind it)."""
    marks, logged_in, requests = {}, [], []
    for line in (work / "requests.tsv").read_text().splitlines():
        at, name, milliseconds, failed = line.split("\t")
        if name == "LOGGED_IN":
            logged_in.append(float(at))
        elif name in {"START", "STOP"}:
            marks.setdefault(name, float(at))
        else:
            requests.append((float(at), name, float(milliseconds), failed == "1"))
    if not requests:
        return {}
    start = marks.get("START", requests[0][0])
    # The run time, without the stop's grace period (users finish what they are doing, fewer each second).
    stop = min(marks.get("STOP", requests[-1][0]), start + seconds)
    failures = sum(r[3] for r in requests)  # the stop's grace period included
    requests = [r for r in requests if r[0] <= stop]
    all_in = max(logged_in, default=start)  # the last user's login
    return {
        "failures_in_all": failures,
        "whole_run": _table(requests, stop - start),
        "steady": {
            "from_second": round(all_in - start),
            "logins": len(logged_in),
            **_table([r for r in requests if r[0] > all_in], stop - all_in),
        },
    }


def locust_failures(work: Path) -> list[dict]:
    path = work / "locust_failures.csv"
    if not path.exists():
        return []
    with open(path, newline="") as handle:
        return [
            {"name": line["Name"], "error": line["Error"], "count": int(line["Occurrences"])}
            for line in csv.DictReader(handle)
        ]


def server_times(work: Path) -> dict:
    """The workers' own time per request (gunicorn's %(D)s): without the wait in the listen queue."""
    by_path = defaultdict(list)
    path = work / "access.log"
    if not path.exists():
        return {}
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[1] != "/healthz":
            pattern = re.sub(r"/\d+(?=/|$)", "/<pk>", parts[1])
            by_path[f"{parts[0]} {pattern}"].append(int(parts[3]) / 1000)
    every = sorted(t for times in by_path.values() for t in times)

    def summary(times):
        times = sorted(times)
        return {
            "requests": len(times),
            "median_ms": round(statistics.median(times), 1),
            "p95_ms": round(_percentile(times, 0.95), 1),
            "worker_s": round(sum(times) / 1000, 1),  # where the workers' time went
        }

    return {
        "overall": summary(every) if every else {},
        "by_path": {key: summary(times) for key, times in sorted(by_path.items())},
    }


def print_table(title: str, table: dict) -> None:
    head = f"{title:<56} {'count':>7} {'fails':>6} {'median':>7} {'p95':>7} {'p99':>7} {'rps':>7}"
    print(head)
    print("-" * len(head))
    for row in [*table["results"], table["total"]]:
        print(
            f"{row['name']:<56} {row['requests']:>7} {row['failures']:>6} {row['median_ms']:>7} "
            f"{row['p95_ms']:>7} {row['p99_ms']:>7} {row['rps']:>7}"
        )
    print()


def machine(url: str) -> dict:
    import psycopg

    with psycopg.connect(url) as conn:
        server = conn.execute("SHOW server_version").fetchone()[0]
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "postgresql": server,
        "platform": platform.platform(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.load.run", description=__doc__.split("\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES_COMPLAINTS), default="large")
    parser.add_argument("--seconds", type=int, default=300, help="how long Locust runs (default 300)")
    parser.add_argument("--spawn-rate", type=float, default=2, help="users started per second (default 2)")
    parser.add_argument("--think", default="1,3", help="think time between actions, min,max s (1,3)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--database-url", default=os.environ.get("LOAD_DATABASE_URL"))
    parser.add_argument("--template", help="the database to copy (default propsvc_bench_<size>)")
    parser.add_argument("--reuse", action="store_true", help="no copy: the load database as it is")
    parser.add_argument("--copy-retries", type=int, default=3)
    parser.add_argument("--copy-wait", type=int, default=60, help="seconds between copy attempts")
    parser.add_argument("--json", type=Path, help="write the results here (default docs/load-<size>.json)")
    parser.add_argument(
        "--strict", action="store_true", help=f"fail when the p95 is {P95_TARGET_MS} ms or more"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, CSV)")
    args = parser.parse_args(argv)
    args.database_url = args.database_url or f"postgres://postgres@127.0.0.1:5432/propsvc_load_{args.size}"
    args.template = args.template or f"propsvc_bench_{args.size}"
    args.json = args.json or ROOT / "docs" / f"load-{args.size}.json"
    if not args.database_url.startswith("postgres"):
        print("the load test needs PostgreSQL: LOAD_DATABASE_URL=postgres://…", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="propsvc-load-"))
    env = server_env(args, work)
    how = prepare_database(args, env)
    codes = communities(args.database_url)
    before = row_counts(args.database_url)
    log("collectstatic into a temporary folder")
    collect_static(env, work)
    load_before = os.getloadavg()
    server = start_gunicorn(args, env, work)
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    try:
        code = run_locust(args, work, codes)
    finally:
        stop(server)
    load_after = os.getloadavg()
    if code not in (0, 1) or not (work / "requests.tsv").exists():
        print(f"Locust failed (exit {code}): see {work / 'locust.log'}", file=sys.stderr)
        return 1
    log("Locust is done")
    stats, failures = request_stats(work, args.seconds), locust_failures(work)
    if not stats:
        print(f"Locust made no request: see {work / 'locust.log'}", file=sys.stderr)
        return 1
    after = row_counts(args.database_url)
    print()
    print_table(f"whole run ({stats['whole_run']['seconds']:g} s), ms", stats["whole_run"])
    steady = stats["steady"]
    print_table(f"steady state (from {steady['from_second']} s: all logged in), ms", steady)
    server = server_times(work)
    if server.get("overall"):
        o = server["overall"]
        print(f"server-side (gunicorn worker time): median {o['median_ms']} ms, p95 {o['p95_ms']} ms")
        busiest = sorted(server["by_path"].items(), key=lambda item: -item[1]["worker_s"])[:5]
        shares = ", ".join(f"{key} {v['worker_s'] / o['worker_s']:.0%}" for key, v in busiest)
        print(f"the workers' time ({o['worker_s']:g} s in all) went mostly to {shares}")
    if LOAD_AVERAGES:
        print(
            f"load average of the machine ({os.cpu_count()} cores) during the run: "
            f"{min(LOAD_AVERAGES)}–{max(LOAD_AVERAGES)}, median {statistics.median(LOAD_AVERAGES)}"
        )
    for failure in failures:
        print(f"FAILED {failure['count']}× {failure['name']}: {failure['error']}")

    payload = {
        "size": args.size,
        "when": started,
        "database": {"name": _name(args.database_url), "prepared": how, "communities": len(codes)},
        "scenario": {
            "users": USERS,
            "seconds": args.seconds,
            "spawn_rate": args.spawn_rate,
            "think_time_s": [float(x) for x in args.think.split(",")],
            "gunicorn_workers": args.workers,
        },
        "machine": {
            **machine(args.database_url),
            "load_average_before": load_before,
            "load_average_after": load_after,
            "load_average_every_10_s": LOAD_AVERAGES,
        },
        **stats,
        "failures": failures,
        "server_side": server,
        "rows_written": {label: after.get(label, 0) - before.get(label, 0) for label in before},
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n")
    print(f"written {args.json}")
    if args.keep:
        print(f"logs and CSV kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)

    total = stats["whole_run"]["total"]
    failed = stats["failures_in_all"] > 0 or sum(f["count"] for f in failures) > 0
    slow = total["p95_ms"] >= P95_TARGET_MS
    print(
        f"{total['requests']:,} requests, {stats['failures_in_all']} failed, {total['rps']} requests/s, "
        f"p95 {total['p95_ms']} ms ({'under' if not slow else 'NOT under'} {P95_TARGET_MS} ms); "
        f"steady state {steady['total']['rps']} requests/s, p95 {steady['total']['p95_ms']} ms"
    )
    return 1 if failed or (args.strict and slow) else 0


if __name__ == "__main__":
    sys.exit(main())
