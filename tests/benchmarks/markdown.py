"""The results as the table in docs/PERFORMANCE.md: `python -m tests.benchmarks.markdown FILE.json`."""

import json
import sys
from pathlib import Path


def table(path: Path) -> str:
    data = json.loads(path.read_text())
    lines = [
        f"Size **{data['size']}**, measured {data['when']} on {data['machine']['cpus']} cores, "
        f"PostgreSQL {data['machine']['postgresql']}, Python {data['machine']['python']}.",
        "",
        "| case | median ms | p95 ms | queries | target | met |",
        "|---|---:|---:|---:|---|---|",
    ]
    for row in data["results"]:
        met = {True: "yes", False: "**no**", None: ""}[row.get("met")]
        if row.get("error"):
            met = f"error: {row['error'][:80]}"
        queries = "" if row.get("queries") is None else row["queries"]
        name = row["name"].strip()
        if row["key"].endswith(("_sql", "_fn")):
            name = f"↳ {name}"
        lines.append(
            f"| {name} | {row.get('median_ms', '')} | {row.get('p95_ms', '')} | {queries} "
            f"| {row.get('target', '')} | {met} |"
        )
        for note in row.get("notes", []):
            lines.append(f"| ↳ *{note}* | | | | | |")
    counts = ", ".join(f"{n:,} {label}" for label, n in data["counts"].items())
    lines += ["", f"Rows (PostgreSQL's estimate): {counts}."]
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(Path(sys.argv[1])))
