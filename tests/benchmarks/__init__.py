"""`make bench`: server-side time and SQL queries of the pages that matter, at a seeded size.

Not collected by pytest (the suite's conftest ignores this folder); run `python -m tests.benchmarks`.
See docs/PERFORMANCE.md.
"""
