"""`python -m tests.benchmarks.explain KEY`: one case's queries, slowest first, and the plan of the slowest.

For docs/PERFORMANCE.md: the plans kept there come from here (EXPLAIN (ANALYZE, BUFFERS)).
"""

import os
import sys

from tests.benchmarks import run


def main(argv: list[str]) -> int:
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/propsvc_bench")
    run._setup(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.benchmarks import cases

    ctx = cases.context()
    wanted = argv[0]
    plans = int(argv[1]) if len(argv) > 1 else 1
    case = next(c for c in cases.page_cases(ctx) if c.key == wanted)
    case.run()  # warm
    with CaptureQueriesContext(connection) as queries:
        case.run()
    ranked = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))
    total = sum(float(q["time"]) for q in ranked)
    print(f"{case.name}: {len(ranked)} queries, {1000 * total:.1f} ms in the database")
    for q in ranked:
        print(f"{1000 * float(q['time']):8.1f} ms  {q['sql'][:160]}")
    with connection.cursor() as cursor:
        for q in ranked[:plans]:
            print("\n" + q["sql"] + "\n")
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, SUMMARY) " + q["sql"])
            for (line,) in cursor.fetchall():
                print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
