"""Hand-written SQL that returns the monthly statistics' numbers, timed beside the page (issue 10).

The target: each statistics page within 2× the time of this SQL, which must return exactly the
numbers the page shows (checked every run: a mismatch is an error, not a slow result). The SQL is
what a developer would write by hand for PostgreSQL: one pass per table and period with FILTER
aggregates and GROUPING SETS, the ledger read through its (community, kind, due_at) index.
"""

from datetime import timedelta

from django.db import connection
from django.utils import timezone

FIGURES = """
SELECT count(*),
       count(*) FILTER (WHERE validity = 'valid'),
       count(*) FILTER (WHERE validity = 'invalid'),
       count(*) FILTER (WHERE validity = ''),
       count(*) FILTER (WHERE status = 'closed'),
       count(*) FILTER (WHERE reopen_count > 0),
       count(*) FILTER (WHERE paused_seconds > 0 OR status = 'paused'),
       coalesce(sum(paused_seconds), 0),
       count(*) FILTER (WHERE validity = 'valid' AND result_at IS NOT NULL),
       avg(result_at - received_at) FILTER (WHERE validity = 'valid' AND result_at IS NOT NULL),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM result_at - received_at))
           FILTER (WHERE validity = 'valid' AND result_at IS NOT NULL)
  FROM complaints_complaint
 WHERE community_id = ANY(%(c)s) AND received_at >= %(s)s AND received_at < %(e)s
"""

BREAKDOWN = """
SELECT GROUPING(c.category, d.kind, c.severity, c.validity, c.channel, c.community_id),
       c.category, d.kind, c.severity, c.validity, c.channel, c.community_id, count(*)
  FROM complaints_complaint c JOIN propsvc_department d ON d.id = c.department_id
 WHERE c.community_id = ANY(%(c)s) AND c.received_at >= %(s)s AND c.received_at < %(e)s
 GROUP BY GROUPING SETS ((c.category), (d.kind), (c.severity), (c.validity), (c.channel), (c.community_id))
"""

ON_TIME = """
SELECT count(*) FILTER (WHERE d.met_at IS NOT NULL
                           OR (d.paused_at IS NULL AND d.due_at < %(now)s)),
       count(*) FILTER (WHERE d.met_at <= d.due_at)
  FROM propsvc_deadline d JOIN complaints_complaint c ON c.id = d.object_id
 WHERE d.content_type_id = %(ct)s AND d.kind = %(kind)s
   AND c.community_id = ANY(%(c)s) AND c.received_at >= %(s)s AND c.received_at < %(e)s
   AND (%(valid_only)s = false OR c.validity = 'valid')
"""

OPEN_AT_END = """
SELECT count(*),
       count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM propsvc_deadline d
            WHERE d.content_type_id = %(ct)s AND d.object_id = c.id AND d.due_at < %(e)s
              AND (d.met_at IS NULL OR d.met_at >= %(e)s)))
  FROM complaints_complaint c
 WHERE c.community_id = ANY(%(c)s) AND c.received_at < %(e)s
   AND (c.closed_at IS NULL OR c.closed_at >= %(e)s)
"""

CALLBACKS_DUE = """
SELECT community_id, count(*) FROM complaints_callback
 WHERE community_id = ANY(%(c)s) AND planned_at >= %(s)s AND planned_at < %(e)s
 GROUP BY community_id
"""

CALLBACKS_DONE = """
SELECT cb.community_id,
       count(*) FILTER (WHERE cb.status = 'done'),
       count(*) FILTER (WHERE cb.status = 'unreachable'),
       count(*) FILTER (WHERE cb.satisfaction = 'dissatisfied'),
       count(*) FILTER (WHERE cb.satisfaction = 'dissatisfied' AND c.status = 'closed'),
       count(*) FILTER (WHERE cb.quality_rating = 'satisfied'),
       count(*) FILTER (WHERE cb.quality_rating = 'basic'),
       count(*) FILTER (WHERE cb.quality_rating = 'dissatisfied'),
       count(*) FILTER (WHERE cb.effect_rating = 'satisfied'),
       count(*) FILTER (WHERE cb.effect_rating = 'basic'),
       count(*) FILTER (WHERE cb.effect_rating = 'dissatisfied'),
       count(*) FILTER (WHERE cb.satisfaction = 'satisfied'),
       count(*) FILTER (WHERE cb.satisfaction = 'basic')
  FROM complaints_callback cb JOIN complaints_complaint c ON c.id = cb.complaint_id
 WHERE cb.community_id = ANY(%(c)s) AND cb.done_at >= %(s)s AND cb.done_at < %(e)s
 GROUP BY cb.community_id
"""

CALLBACKS_KEY = """
SELECT count(*) FILTER (WHERE status = 'done'), count(*) FILTER (WHERE satisfaction IN ('satisfied', 'basic'))
  FROM complaints_callback
 WHERE community_id = ANY(%(c)s) AND done_at >= %(s)s AND done_at < %(e)s
"""

CALLBACK_ON_TIME = """
SELECT count(*) FILTER (WHERE met_at IS NOT NULL OR (paused_at IS NULL AND due_at < %(now)s)),
       count(*) FILTER (WHERE met_at <= due_at)
  FROM propsvc_deadline
 WHERE community_id = ANY(%(c)s) AND kind = %(kind)s AND due_at >= %(s)s AND due_at < %(e)s
   AND content_type_id = %(ct)s
"""

TREND = """
SELECT to_char(received_at AT TIME ZONE %(tz)s, 'YYYY-MM'), count(*)
  FROM complaints_complaint
 WHERE community_id = ANY(%(c)s) AND received_at >= %(s)s AND received_at < %(e)s
 GROUP BY 1
"""

BREAKDOWN_FIELDS = ("category", "department", "severity", "validity", "channel", "community")
DONE_FIELDS = (
    "done", "unreachable", "dissatisfied", "dissatisfied_closed",
    "quality_rating_satisfied", "quality_rating_basic", "quality_rating_dissatisfied",
    "effect_rating_satisfied", "effect_rating_basic", "effect_rating_dissatisfied",
    "satisfaction_satisfied", "satisfaction_basic",
)  # fmt: skip


def _hours(value) -> float | None:
    if value is None:
        return None
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    return round(seconds / 3600, 1)


def _one(cursor, sql, params):
    cursor.execute(sql, params)
    return cursor.fetchone()


def period_numbers(cursor, *, communities, month, now, ct, breakdowns: bool = True) -> dict:
    from complaints.services import KIND_CALLBACK, KIND_FIRST_RESPONSE, KIND_RESOLVE

    p = {"c": communities, "s": month.start, "e": month.end, "now": now, "ct": ct}
    row = _one(cursor, FIGURES, p)
    out = dict(zip(("total", "valid", "invalid", "untriaged", "closed", "reopened", "paused",
                    "paused_seconds", "resolved_n"), row[:9], strict=True))  # fmt: skip
    out["mean_hours"], out["median_hours"] = _hours(row[9]), _hours(row[10])
    if breakdowns:  # the page breaks down the month itself only
        cursor.execute(BREAKDOWN, p)
        groups = {f: {} for f in BREAKDOWN_FIELDS}
        for grouping, *values, n in cursor.fetchall():
            # GROUPING() sets a bit for each column not grouped: the one clear bit names the set.
            index = next(i for i in range(6) if not grouping & (1 << (5 - i)))
            groups[BREAKDOWN_FIELDS[index]][values[index]] = n
        out |= {f"by_{f}": groups[f] for f in BREAKDOWN_FIELDS}
    for key, kind, valid_only in (
        ("resolve", KIND_RESOLVE, True),
        ("first_response", KIND_FIRST_RESPONSE, False),
    ):
        decided, on_time = _one(cursor, ON_TIME, {**p, "kind": kind, "valid_only": valid_only})
        out[key] = {"decided": decided, "on_time": on_time}
    out["open_at_end"], out["overdue_at_end"] = _one(cursor, OPEN_AT_END, p)
    if not breakdowns:  # a month the page only compares with: the call-backs' key figures
        done, pleased = _one(cursor, CALLBACKS_KEY, p)
        out["callbacks"] = {"done": done, "pleased": pleased}
        return out
    cursor.execute(CALLBACKS_DUE, p)
    due = dict(cursor.fetchall())
    cursor.execute(CALLBACKS_DONE, p)
    done = {row[0]: dict(zip(DONE_FIELDS, row[1:], strict=True)) for row in cursor.fetchall()}
    callbacks = {"due": sum(due.values())}
    callbacks |= {f: sum(d[f] for d in done.values()) for f in DONE_FIELDS}
    decided, on_time = _one(cursor, CALLBACK_ON_TIME, {**p, "kind": KIND_CALLBACK})
    callbacks["on_time"] = {"decided": decided, "on_time": on_time}
    out["callbacks"] = callbacks
    out["callbacks_by_community"] = {
        pk: {"due": due.get(pk, 0), **{f: done.get(pk, {}).get(f, 0) for f in DONE_FIELDS[:4]}}
        for pk in set(due) | set(done)
    }
    return out


def sql_report(*, communities, month, now) -> dict:
    from django.conf import settings
    from django.contrib.contenttypes.models import ContentType

    from complaints.models import Complaint

    ct = ContentType.objects.get_for_model(Complaint).pk
    periods = {"current": month, "previous": month.previous, "last_year": month.last_year}
    with connection.cursor() as cursor:
        out = {key: period_numbers(cursor, communities=communities, month=m, now=now, ct=ct,
                                   breakdowns=key == "current")
               for key, m in periods.items()}  # fmt: skip
        first = month.plus(-11)
        cursor.execute(TREND, {"c": communities, "s": first.start, "e": month.end, "tz": settings.TIME_ZONE})
        counts = dict(cursor.fetchall())
    out["trend"] = [counts.get(str(first.plus(i)), 0) for i in range(12)]
    return out


def orm_numbers(report: dict) -> dict:
    """The same numbers read from complaints.reports.monthly_report (current period in full; the
    other periods through the key figures the page shows)."""
    figures, cb = report["figures"], report["callbacks"]
    keep = ("total", "valid", "invalid", "untriaged", "closed", "reopened", "paused", "paused_seconds",
            "resolved_n", "mean_hours", "median_hours", "open_at_end", "overdue_at_end")  # fmt: skip
    out = {k: figures[k] for k in keep}
    out |= {f"by_{f}": figures[f"by_{f}"] for f in BREAKDOWN_FIELDS}
    out["resolve"] = {k: figures["resolve"][k] for k in ("decided", "on_time")}
    out["first_response"] = {k: figures["first_response"][k] for k in ("decided", "on_time")}
    out["callbacks"] = {"due": cb["due"], **{f: cb[f] for f in DONE_FIELDS}}
    out["callbacks"]["on_time"] = {k: cb["on_time"][k] for k in ("decided", "on_time")}
    out["callbacks_by_community"] = {
        row["community"]: {f: row[f] for f in ("due", *DONE_FIELDS[:4])}
        for row in report["callbacks_by_community"]
    }
    out["trend"] = [n for _m, n in report["trend"]]
    out["key_rows"] = {row["key"]: (row["previous"], row["last_year"]) for row in report["key_rows"]}
    return out


def sql_key_rows(sql: dict) -> dict:
    def rate(part, whole):
        return round(100 * part / whole, 1) if whole else None

    def figures(p):
        cb = p["callbacks"]
        return {
            "total": p["total"], "valid": p["valid"], "invalid": p["invalid"],
            "resolve_rate": rate(p["resolve"]["on_time"], p["resolve"]["decided"]),
            "first_response_rate": rate(p["first_response"]["on_time"], p["first_response"]["decided"]),
            "open_at_end": p["open_at_end"], "overdue_at_end": p["overdue_at_end"],
            "median_hours": p["median_hours"], "mean_hours": p["mean_hours"],
            "paused": p["paused"], "reopened": p["reopened"], "callbacks_done": cb["done"],
            "satisfaction_rate": rate(cb["pleased"], cb["done"]),
        }  # fmt: skip

    previous, last_year = figures(sql["previous"]), figures(sql["last_year"])
    return {key: (previous[key], last_year[key]) for key in previous}


def compare(report: dict, sql: dict) -> list[str]:
    orm = orm_numbers(report)
    current = dict(sql["current"])
    mine = {k: current.pop(k) for k in list(current) if k != "callbacks_by_community"}
    mine["callbacks_by_community"] = current["callbacks_by_community"]
    mine["trend"] = sql["trend"]
    mine["key_rows"] = sql_key_rows(sql)
    return [f"{key}: page {orm[key]!r} ≠ SQL {mine[key]!r}" for key in orm if orm[key] != mine.get(key)]


def report_cases(ctx, *, size, warmup, runs, measure, only) -> list[dict]:
    """For the one-community and company statistics: the SQL's time, its equality with the page's
    numbers, and the page-to-SQL ratio (target ≤ 2)."""
    from complaints import reports
    from complaints.selectors import complaint_visible_to
    from propsvc.models import Community

    rows = []
    every = list(Community.objects.order_by("pk").values_list("pk", flat=True))
    for key, user, communities in (
        ("report_community", ctx.manager, [ctx.community.pk]),
        ("report_company", ctx.leader, every),
    ):
        if only and f"{key}_sql" not in only and key not in only:
            continue
        now = timezone.now()
        scope = complaint_visible_to(user).filter(community__in=communities)
        report = reports.monthly_report(scope=scope, month=ctx.month, now=now, communities=communities)
        numbers = sql_report(communities=communities, month=ctx.month, now=now)
        problems = compare(report, numbers)
        row = {"key": f"{key}_sql", "name": f"  hand-written SQL, the same numbers ({key.split('_')[1]})"}

        class SQL:
            def run(self, communities=communities):
                sql_report(communities=communities, month=ctx.month, now=timezone.now())
                return 0

        row |= measure(SQL(), warmup=warmup, runs=runs)
        row["queries"] = None
        if problems:
            row["error"] = "numbers differ: " + "; ".join(problems[:5])
        rows.append(row)
        rows.append(
            _function_row(
                key,
                measure,
                warmup,
                runs,
                lambda scope=scope, ids=communities: reports.monthly_report(
                    scope=scope, month=ctx.month, now=timezone.now(), communities=ids
                ),
            )
        )
    return rows


def _function_row(key, measure, warmup, runs, fn) -> dict:
    """The report's own computation (complaints.reports, no request, no template), for the ratio."""
    from django.test.utils import CaptureQueriesContext

    class Function:
        def run(self):
            with CaptureQueriesContext(connection) as queries:
                fn()
            return len(queries)

    row = {"key": f"{key}_fn", "name": "  the report's computation alone (complaints.reports)"}
    return row | measure(Function(), warmup=warmup, runs=runs)


def sql_callbacks(*, communities, month, now) -> dict:
    """The call-back statistics page's numbers (R-CB-5): the month's total and one row per community."""
    from django.contrib.contenttypes.models import ContentType

    from complaints.models import Complaint
    from complaints.services import KIND_CALLBACK

    ct = ContentType.objects.get_for_model(Complaint).pk
    p = {"c": communities, "s": month.start, "e": month.end, "now": now, "ct": ct, "kind": KIND_CALLBACK}
    with connection.cursor() as cursor:
        cursor.execute(CALLBACKS_DUE, p)
        due = dict(cursor.fetchall())
        cursor.execute(CALLBACKS_DONE, p)
        done = {row[0]: dict(zip(DONE_FIELDS, row[1:], strict=True)) for row in cursor.fetchall()}
        decided, on_time = _one(cursor, CALLBACK_ON_TIME, p)
    total = {"due": sum(due.values()), **{f: sum(d[f] for d in done.values()) for f in DONE_FIELDS}}
    total["on_time"] = {"decided": decided, "on_time": on_time}
    by_community = {
        pk: {"due": due.get(pk, 0), **{f: done.get(pk, {}).get(f, 0) for f in DONE_FIELDS[:4]}}
        for pk in set(due) | set(done)
    }
    return {"total": total, "by_community": by_community}


def compare_callbacks(total: dict, rows: list, sql: dict) -> list[str]:
    orm_total = {"due": total["due"], **{f: total[f] for f in DONE_FIELDS}}
    orm_total["on_time"] = {k: total["on_time"][k] for k in ("decided", "on_time")}
    orm_rows = {r["community"]: {f: r[f] for f in ("due", *DONE_FIELDS[:4])} for r in rows}
    problems = []
    if orm_total != sql["total"]:
        problems.append(f"total: page {orm_total} ≠ SQL {sql['total']}")
    if orm_rows != sql["by_community"]:
        problems.append("per community rows differ")
    return problems


def callback_cases(ctx, *, size, warmup, runs, measure, only) -> list[dict]:
    from complaints import reports
    from complaints.selectors import complaint_visible_to
    from propsvc.models import Community

    rows = []
    every = list(Community.objects.order_by("pk").values_list("pk", flat=True))
    for key, user, communities in (
        ("callbacks_community", ctx.manager, [ctx.community.pk]),
        ("callbacks_company", ctx.leader, every),
    ):
        if only and f"{key}_sql" not in only and key not in only:
            continue
        now = timezone.now()
        scope = complaint_visible_to(user).filter(community__in=communities)
        total, by_community = reports.callback_statistics(
            scope=scope, month=ctx.month, now=now, communities=communities
        )
        problems = compare_callbacks(
            total, by_community, sql_callbacks(communities=communities, month=ctx.month, now=now)
        )

        class SQL:
            def run(self, communities=communities):
                sql_callbacks(communities=communities, month=ctx.month, now=timezone.now())
                return 0

        row = {"key": f"{key}_sql", "name": f"  hand-written SQL, the same numbers ({key.split('_')[1]})"}
        row |= measure(SQL(), warmup=warmup, runs=runs)
        row["queries"] = None
        if problems:
            row["error"] = "numbers differ: " + "; ".join(problems[:5])
        rows.append(row)

        def both(scope=scope, ids=communities):  # what the page computes (complaints.views)
            reports.callback_statistics(scope=scope, month=ctx.month, communities=ids)

        rows.append(_function_row(key, measure, warmup, runs, both))
    return rows
