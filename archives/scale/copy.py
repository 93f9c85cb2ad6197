"""PostgreSQL COPY, fast: the generators write text lines, a writer thread streams them.

The generators (plain Python) fill one `Sink` per table with lines in COPY's text format; every
CHUNK lines go on a queue, and a writer thread sends each chunk as one `COPY … FROM STDIN` on the
same connection (psycopg releases the GIL while it sends), so the database parses one chunk while
Python makes the next. Before loading, the loaded tables' foreign keys, unique constraints and
secondary indexes are read from the catalog (pg_constraint, pg_indexes) and dropped; afterwards
they are created again from those definitions — one sort per index and one join per foreign key
instead of millions of single-row checks — and the tables are analysed. Everything runs in the
caller's transaction: a failure leaves the database as it was.
"""

import itertools
import queue
import sys
import threading
import time
from dataclasses import dataclass, field

NULL = "\\N"
CHUNK = 20_000  # lines per COPY statement
QUEUE = 16  # chunks waiting at most (memory bound, and back-pressure on the generators)


def esc(text: str) -> str:
    """A value for COPY's text format (the seed's own texts need none of this; names typed by users do)."""
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def opt(value) -> str:
    """An optional foreign key or number: NULL when empty."""
    return NULL if value is None else str(value)


def columns_of(model, names: list[str]) -> list[str]:
    """The database columns for `names` (attribute names), checked against the model: every NOT NULL
    column must be written (Django sets defaults in Python, not in the database)."""
    by_name = {f.attname: f for f in model._meta.concrete_fields}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise ValueError(f"{model._meta.label} has no field {unknown}")
    missing = [f.attname for f in by_name.values() if not f.null and f.attname not in names]
    if missing:
        raise ValueError(f"{model._meta.label}: NOT NULL columns not written: {missing}")
    return [by_name[n].column for n in names]


class Sink:
    """The lines for one table; ids are handed out in order from 1 (the table was just emptied).

    `add` (bound list.append) and `next_id` (bound itertools.count) are what the generators call
    millions of times; the chunks are sent by Loader.tick(), which the generators call now and then.
    """

    def __init__(self, loader: "Loader", table: str, columns: list[str]):
        self.loader, self.table, self.columns = loader, table, columns
        self.lines: list[str] = []
        self.add = self.lines.append
        self.next_id = itertools.count(1).__next__
        self.rows = 0  # lines sent
        self.seconds = 0.0  # time the writer spent in COPY for this table

    @property
    def written(self) -> int:
        return self.rows + len(self.lines)

    def flush(self) -> None:
        if self.lines:
            batch = self.lines[:]
            self.lines.clear()
            self.rows += len(batch)
            self.loader.submit(self, batch)


class Loader:
    """Owns the writer thread; only it touches the connection between start() and finish().

    The queue carries COPY chunks and, once a table is complete, the statements that finish it
    (its indexes, constraints, ANALYZE): the database builds them while Python generates the
    next tables.
    """

    def __init__(self, raw_connection, *, freeze: bool):
        self.raw = raw_connection
        self.freeze = freeze
        self.sinks: dict[str, Sink] = {}
        self._queue: queue.Queue = queue.Queue(maxsize=QUEUE)
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._interval = sys.getswitchinterval()
        self.waited = 0.0  # seconds the generators waited for the writer (the queue was full)
        self.statements: list[tuple[str, str, float]] = []  # table, what, seconds
        self.queued = 0  # statements queued by execute(); finish() checks every one of them ran

    def sink(self, model, names: list[str]) -> Sink:
        table = model._meta.db_table
        if table not in self.sinks:
            self.sinks[table] = Sink(self, table, columns_of(model, names))
        return self.sinks[table]

    def tick(self) -> None:
        """Send the tables whose chunk is full (the generators call this every few cases)."""
        for sink in self.sinks.values():
            if len(sink.lines) >= CHUNK:
                sink.flush()

    def start(self) -> None:
        # The writer hands each chunk to libpq in 128 kB pieces, taking the GIL back after each; at the
        # default 5 ms switch interval it would wait on the generators for most of its time.
        sys.setswitchinterval(0.0002)
        self._thread = threading.Thread(target=self._write, name="seed-copy", daemon=True)
        self._thread.start()

    def submit(self, sink: Sink, lines: list[str]) -> None:
        self._put((sink, lines))

    def execute(self, table: str, what: str, sql: str) -> None:
        """Run a statement after everything queued so far (flush the table's sink first)."""
        self.queued += 1
        self._put((None, (table, what, sql)))

    def _put(self, item) -> None:
        if self._error is not None:
            raise RuntimeError(f"COPY failed: {self._error}") from self._error
        if self._queue.full():
            started = time.perf_counter()
            self._queue.put(item)
            self.waited += time.perf_counter() - started
        else:
            self._queue.put(item)

    def finish(self) -> None:
        """Send what is left and wait for the writer; raises what the writer hit."""
        for sink in self.sinks.values():
            sink.flush()
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join()
        sys.setswitchinterval(self._interval)
        if self._error is not None:
            raise RuntimeError(f"COPY failed: {self._error}") from self._error
        if len(self.statements) != self.queued:
            raise RuntimeError(
                f"{self.queued - len(self.statements)} index or constraint statements did not run"
            )

    def _write(self) -> None:
        cursor = self.raw.cursor()
        with_freeze = " WITH (FREEZE)" if self.freeze else ""
        while True:
            item = self._queue.get()
            if item is None:
                return
            if self._error is not None:
                continue  # drain the queue so the generators are not blocked
            sink, payload = item
            started = time.perf_counter()
            try:
                if sink is None:
                    table, what, sql = payload
                    cursor.execute(sql)
                    self.statements.append((table, what, time.perf_counter() - started))
                else:
                    sql = f"COPY {sink.table} ({', '.join(sink.columns)}) FROM STDIN{with_freeze}"
                    with cursor.copy(sql) as copy:
                        copy.write("".join(payload).encode())
                    sink.seconds += time.perf_counter() - started
            except BaseException as exc:  # reported by submit() / finish() on the main thread
                self._error = exc


# -- the schema around the load ------------------------------------------------------------------


@dataclass
class Secondary:
    """What was dropped from the loaded tables, to be created again after the load: per table, its
    indexes (CREATE INDEX …), unique constraints and foreign keys (with the table each refers to)."""

    indexes: list[tuple[str, str, str]]  # table, name, CREATE INDEX …
    uniques: list[tuple[str, str, str]]  # table, name, UNIQUE (…)
    foreign_keys: list[
        tuple[str, str, str, str]
    ]  # table, name, FOREIGN KEY (…) REFERENCES …, referenced table
    loaded: set[str] = field(default_factory=set)  # the tables being loaded
    done: set[str] = field(default_factory=set)  # statements already queued, by name
    analysed: set[str] = field(default_factory=set)

    def finish(self, loader: Loader, complete: set[str], *, analyse: bool = True) -> None:
        """Queue what can be rebuilt now that the tables in `complete` are loaded: their indexes and
        unique constraints (a duplicate fails here), the foreign keys whose both ends are complete
        (each validated by one join), and ANALYZE."""
        for table in sorted(complete):
            if table in loader.sinks:
                loader.sinks[table].flush()
        for table, name, definition in self.indexes:
            if table in complete and name not in self.done:
                self.done.add(name)
                loader.execute(table, name, definition)
        for table, name, definition in self.uniques:
            if table in complete and name not in self.done:
                self.done.add(name)
                loader.execute(table, name, f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for table, name, definition, target in self.foreign_keys:
            if (
                table in complete
                and (target in complete or target not in self.loaded)
                and name not in self.done
            ):
                self.done.add(name)
                loader.execute(table, name, f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        if analyse:
            for table in sorted(complete - self.analysed):
                self.analysed.add(table)
                loader.execute(table, "ANALYZE", f"ANALYZE {table}")

    @property
    def pending(self) -> int:
        return len(self.indexes) + len(self.uniques) + len(self.foreign_keys) - len(self.done)


def referencing_tables(cursor, tables: list[str]) -> list[str]:
    """Every table TRUNCATE … CASCADE of `tables` would empty (those pointing at them, transitively)."""
    cursor.execute(
        """
        WITH RECURSIVE hit(oid) AS (
            SELECT oid FROM pg_class WHERE oid = ANY(%s::regclass[])
            UNION
            SELECT c.conrelid FROM pg_constraint c JOIN hit ON c.confrelid = hit.oid WHERE c.contype = 'f'
        )
        SELECT relname FROM pg_class WHERE oid IN (SELECT oid FROM hit) ORDER BY relname
        """,
        [tables],
    )
    return [row[0] for row in cursor.fetchall()]


def drop_secondary(cursor, tables: list[str]) -> Secondary:
    """Read the loaded tables' foreign keys, unique constraints and secondary indexes from the catalog
    (pg_constraint, pg_indexes), then drop them; the primary keys stay."""
    cursor.execute(
        """
        SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid), c.contype,
               c.confrelid::regclass::text
        FROM pg_constraint c WHERE c.conrelid = ANY(%s::regclass[]) AND c.contype IN ('f', 'u')
        ORDER BY 1, 2
        """,
        [tables],
    )
    rows = cursor.fetchall()
    foreign_keys = [(t, name, d, target) for t, name, d, kind, target in rows if kind == "f"]
    uniques = [(t, name, d) for t, name, d, kind, _ in rows if kind == "u"]
    cursor.execute(
        """
        SELECT i.tablename, i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
          AND NOT EXISTS (
              SELECT 1 FROM pg_constraint c
              WHERE c.conname = i.indexname AND c.conrelid = i.tablename::regclass
          )
        ORDER BY 1, 2
        """,
        [tables],
    )
    indexes = cursor.fetchall()
    for table, name, *_ in foreign_keys + uniques:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for _table, name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    return Secondary(indexes=indexes, uniques=uniques, foreign_keys=foreign_keys, loaded=set(tables))


def advance_sequences(cursor, tables: list[str]) -> None:
    """Ids were assigned here: move each table's id sequence past them, so the app's next insert
    takes the next number."""
    for table in tables:
        # the table names come from the models, not from input
        sql = f"SELECT setval(pg_get_serial_sequence(%s, 'id'), COALESCE(MAX(id), 0) + 1, false) FROM {table}"  # noqa: S608
        cursor.execute(sql, [table])
