"""The bulk loader the imports share: stream a CSV, write it in batches at the database's speed.

A file is read a line at a time through the csv module (so a quoted line break or a comma
inside a field is one cell), each row is turned into a record by the import, and records are
written a batch at a time: the import looks up what it needs for the whole batch in one query
per table, then writes the batch with one executemany statement per table (``INSERT ... ON
CONFLICT DO UPDATE`` where rows may already be there), and commits. Nothing from a batch is
kept afterwards, so memory is set by the batch size, never by the file. When the database
refuses a batch, it is retried a row at a time so that one bad row costs only itself.

On PostgreSQL an import may instead hand each batch to a pipeline on a connection of its own
(PipelinedWriter), committing without waiting, so that one batch is written while the import
reads and plans the next."""

from __future__ import annotations

import csv
import gc
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from itertools import islice
from typing import Any, TypeVar, cast

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql.compiler import SQLCompiler

from portal.extensions import db

T = TypeVar("T")

# A line holding the whole of a runaway quoted field is still one row, within reason.
csv.field_size_limit(10 * 1024 * 1024)


@dataclass(frozen=True)
class SkippedRow:
    """A row left out of an import, and why."""

    line: int
    reason: str


def text_lines(stream: Iterable[Any]) -> Iterator[str]:
    """Lines as text: UTF-8 (byte-order mark dropped), or Windows-1252 for a line that is not."""
    first = True
    for raw in stream:
        if isinstance(raw, bytes):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                # Excel's "CSV" save writes Windows-1252; its curly apostrophes still read.
                line = raw.decode("cp1252", errors="replace")
        else:
            line = raw
        if first:
            line = line.removeprefix("\ufeff")
            first = False
        yield line


def csv_rows(stream: Iterable[Any], skipped: list[SkippedRow]) -> Iterator[tuple[int, list[str]]]:
    """(first physical line of the row, cells); rows the csv module cannot read are skipped."""
    reader = csv.reader(text_lines(stream))
    previous_end = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            skipped.append(SkippedRow(previous_end + 1, f"unreadable row ({error})"))
            if reader.line_num == previous_end:
                return
            previous_end = reader.line_num
            continue
        # line_num counts physical lines read so far, so a quoted line break is counted.
        start, previous_end = previous_end + 1, reader.line_num
        yield start, row


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's automatic cyclic garbage collection for a bulk load; as it was, afterwards.

    A load makes a great many short-lived objects, and the collector's passes over the older
    generations walk the whole heap (the application, SQLAlchemy's metadata, the taxonomy):
    a fifth of the CQC import's CPU. What reference counting frees is freed as usual; the few
    cycles a batch leaves (SQLAlchemy's result objects) are collected between batches by
    `young_collected`, so memory still does not grow with the file.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def young_collected(batches: Iterable[T]) -> Iterator[T]:
    """The batches, the young generations collected after each (within collector_paused)."""
    for batch in batches:
        yield batch
        gc.collect(1)


def batched(records: Iterable[T], size: int) -> Iterator[list[T]]:
    """The records in lists of at most `size`, read lazily."""
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield batch


def among(column: Any, values: Sequence[Any]) -> sa.ColumnElement[bool]:
    """SQL: the column's value is one of these (a batch's keys, looked up in one query).

    On PostgreSQL one array parameter (``= ANY(...)``): thousands of placeholders in an
    ``IN (...)`` cost psycopg more to parse than the query costs to run.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        array = postgresql.ARRAY(column.type)
        return cast(
            sa.ColumnElement[bool], column == sa.any_(sa.bindparam(None, list(values), type_=array))
        )
    return cast(sa.ColumnElement[bool], column.in_(values))


def _processor(column: sa.Column[Any] | None, dialect: sa.Dialect) -> Callable[[Any], Any] | None:
    """How a value reaches the driver: the column type's own bind processing, done once."""
    if column is None:
        return None
    if dialect.name == "sqlite" and isinstance(column.type, sa.DateTime):
        # SQLAlchemy's own SQLite format ("2026-10-01 08:00:00.000000"), made in C.
        return lambda value: None if value is None else value.isoformat(" ", "microseconds")
    return column.type.bind_processor(dialect)


def _columns(
    table: sa.Table, rows: Sequence[dict[str, Any]], keys: Sequence[str], dialect: sa.Dialect
) -> list[list[Any]]:
    """The rows' values column by column, each column's through its type's bind processing.

    Each processor runs over a list (once per column, not per value's lookup); a key that is
    not one of the table's columns (a statement's own parameter) is passed as it is.
    """
    columns = [[row[key] for row in rows] for key in keys]
    for number, key in enumerate(keys):
        processor = _processor(table.columns.get(key), dialect)
        if processor is not None:
            columns[number] = list(map(processor, columns[number]))
    return columns


def _driver_statement(
    statement: sa.ClauseElement,
    table: sa.Table,
    rows: Sequence[dict[str, Any]],
    dialect: sa.Dialect,
) -> tuple[str, list[Any]]:
    """The statement compiled once for the dialect, and its parameters for the driver's
    executemany: each value through its column type's bind processing."""
    keys = list(rows[0])
    compiled = cast(SQLCompiler, statement.compile(dialect=dialect, column_keys=keys))
    columns = dict(zip(keys, _columns(table, rows, keys, dialect), strict=True))
    parameters: list[Any]
    if compiled.positiontup is not None:
        parameters = list(zip(*(columns[key] for key in compiled.positiontup), strict=True))
    else:
        parameters = [
            dict(zip(keys, values, strict=True)) for values in zip(*columns.values(), strict=True)
        ]
    return compiled.string, parameters


def execute_many(
    statement: sa.ClauseElement, table: sa.Table, rows: Sequence[dict[str, Any]]
) -> None:
    """Run one statement for many rows (all with the same keys) through the driver's executemany.

    The statement is compiled once and each value goes through its column type's bind
    processing, but the per-row work SQLAlchemy's own executemany adds (building and checking
    each parameter set) is skipped: on SQLite it was half the time of an import. On
    PostgreSQL a plain INSERT is sent with COPY instead (see _postgres_copy).
    """
    if not rows:
        return
    connection = db.session.connection()
    dialect = connection.dialect
    if dialect.name == "postgresql" and isinstance(statement, sa.Insert):
        _postgres_copy(table, rows)
        return
    sql, parameters = _driver_statement(statement, table, rows, dialect)
    connection.exec_driver_sql(sql, parameters)


def _unnest_insert(
    table: sa.Table,
    rows: Sequence[dict[str, Any]],
    dialect: sa.Dialect,
    conflict: tuple[Sequence[str], Sequence[str]] | None = None,
) -> tuple[str, dict[str, list[Any]]]:
    """PostgreSQL: the rows as one INSERT ... SELECT FROM unnest(one array per column), with
    ON CONFLICT (key) DO UPDATE SET (update) when `conflict` is (key, update).

    psycopg's executemany runs a statement per row (pipelined, but each planned and executed
    alone), and a multi-row VALUES costs SQLAlchemy a bind per value to compile; an array per
    column is one statement with as many parameters as there are columns.
    """
    quote = dialect.identifier_preparer.quote
    keys = list(rows[0])
    arrays = {
        f"c{number}": values for number, values in enumerate(_columns(table, rows, keys, dialect))
    }
    casts = [
        f"%(c{number})s::{table.columns[name].type.compile(dialect=dialect)}[]"
        for number, name in enumerate(keys)
    ]
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(k) for k in keys)}) "
        f"SELECT * FROM unnest({', '.join(casts)})"
    )
    sql += _on_conflict(dialect, conflict)
    return sql, arrays


def _on_conflict(dialect: sa.Dialect, conflict: tuple[Sequence[str], Sequence[str]] | None) -> str:
    """`` ON CONFLICT (key) DO UPDATE SET (update)`` for `conflict` = (key, update), or ""."""
    if conflict is None:
        return ""
    quote = dialect.identifier_preparer.quote
    key, update = conflict
    return f" ON CONFLICT ({', '.join(quote(k) for k in key)}) DO UPDATE SET " + ", ".join(
        f"{quote(n)} = excluded.{quote(n)}" for n in update
    )


def _json_insert(
    table: sa.Table,
    rows: Sequence[dict[str, Any]],
    dialect: sa.Dialect,
    conflict: tuple[Sequence[str], Sequence[str]] | None = None,
) -> tuple[str, list[str]]:
    """PostgreSQL: the rows as one INSERT ... SELECT FROM json_populate_recordset(one JSON
    text), with ON CONFLICT (key) DO UPDATE SET (update) when `conflict` is (key, update).

    For a pipeline, where COPY cannot run: the JSON is made in C (orjson, which writes dates,
    times and enums itself: the standard library's encoder called back into Python for each,
    and took a sixth of the import's time), where psycopg would dump arrays (unnest) value by
    value in Python, which cost more than the server's work.
    """
    quote = dialect.identifier_preparer.quote
    keys = list(rows[0])
    names = ", ".join(quote(k) for k in keys)
    # Bind processing only where JSON has no value of the type's own (enums, for one).
    processors = {
        key: processor
        for key in keys
        if not isinstance(table.columns[key].type, sa.Boolean | sa.Float | sa.Integer)
        and (processor := _processor(table.columns[key], dialect)) is not None
    }
    records: Sequence[dict[str, Any]] = rows
    if processors:
        records = [
            row | {key: processor(row[key]) for key, processor in processors.items()}
            for row in rows
        ]
    sql = (
        f"INSERT INTO {quote(table.name)} ({names}) SELECT {names} "
        f"FROM json_populate_recordset(NULL::{quote(table.name)}, %s::json)"
    )
    sql += _on_conflict(dialect, conflict)
    return sql, [orjson.dumps(records).decode()]


def _postgres_upsert(
    table: sa.Table,
    rows: Sequence[dict[str, Any]],
    key: Sequence[str],
    update: Sequence[str],
) -> None:
    """PostgreSQL: the whole batch as one INSERT ... SELECT FROM unnest ... ON CONFLICT."""
    sql, arrays = _unnest_insert(table, rows, db.session.get_bind().dialect, (key, update))
    # Binary parameters: psycopg then sends each array as is, not escaped as text value by
    # value (which cost more than the insert).
    with _driver_cursor(sql) as cursor:
        cursor.execute(sql, arrays, binary=True)


def _postgres_copy(table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """PostgreSQL: insert the rows with COPY, the server's fastest way in (no conflicts)."""
    dialect = db.session.get_bind().dialect
    quote = dialect.identifier_preparer.quote
    keys = list(rows[0])
    columns = _columns(table, rows, keys, dialect)
    sql = f"COPY {quote(table.name)} ({', '.join(quote(k) for k in keys)}) FROM STDIN"
    with _driver_cursor(sql) as cursor, cursor.copy(sql) as copy:
        for values in zip(*columns, strict=True):
            copy.write_row(values)


@contextmanager
def _driver_cursor(sql: str) -> Iterator[Any]:
    """A cursor of the session's own connection, for what SQLAlchemy has no statement for.

    What the driver raises is raised as SQLAlchemy's error for it, as a statement run through
    the session would be, so write_batch sees a refused batch whichever way it was sent.
    """
    connection = db.session.connection()
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with _as_sqlalchemy_error(connection.dialect, sql):
            yield cursor
    finally:
        cursor.close()


@contextmanager
def _as_sqlalchemy_error(dialect: sa.Dialect, sql: str) -> Iterator[None]:
    """Raise what the driver raises as SQLAlchemy's error for it."""
    dbapi = dialect.loaded_dbapi
    try:
        yield
    except dbapi.Error as error:
        raise sa.exc.DBAPIError.instance(sql, None, error, dbapi.Error) from error


def upsert(
    table: sa.Table,
    rows: Sequence[dict[str, Any]],
    key: Sequence[str],
    update: Sequence[str],
) -> None:
    """Insert the rows, or update `update` columns where `key` is taken: one executemany."""
    if not rows:
        return
    if db.session.get_bind().dialect.name == "postgresql":
        _postgres_upsert(table, rows, key, update)
        return
    execute_many(_sqlite_upsert(table, key, update), table, rows)


def _sqlite_upsert(table: sa.Table, key: Sequence[str], update: Sequence[str]) -> sa.Insert:
    """SQLite: INSERT ... ON CONFLICT (key) DO UPDATE SET (update), for an executemany."""
    insert = sqlite.insert(table)
    return insert.on_conflict_do_update(
        index_elements=list(key), set_={name: insert.excluded[name] for name in update}
    )


def write_batch(
    batch: Sequence[T],
    apply: Callable[[Sequence[T]], Counter[str]],
    on_refused: Callable[[T, SQLAlchemyError], None],
) -> Counter[str]:
    """Apply a batch and commit; if the database refuses it, retry it one record at a time.

    `apply` writes the records and returns what it did ("imported": 3, ...); only what was
    committed is counted, so a retried batch is never counted twice.
    """
    try:
        outcomes = apply(batch)
        db.session.commit()
        return outcomes
    except SQLAlchemyError as error:
        db.session.rollback()
        if len(batch) == 1:
            on_refused(batch[0], error)
            return Counter()
    outcomes = Counter()
    for record in batch:
        try:
            outcome = apply([record])
            db.session.commit()
            outcomes.update(outcome)
        except SQLAlchemyError as error:
            db.session.rollback()
            on_refused(record, error)
    return outcomes


class SessionWriter:
    """Writes through the session, in its transaction (committed by write_batch)."""

    def insert(self, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
        """Insert the rows: COPY on PostgreSQL, one executemany elsewhere."""
        execute_many(sa.insert(table), table, rows)

    def execute_many(
        self, statement: sa.ClauseElement, table: sa.Table, rows: Sequence[dict[str, Any]]
    ) -> None:
        """Run the statement for each row with one executemany."""
        execute_many(statement, table, rows)

    def upsert(
        self,
        table: sa.Table,
        rows: Sequence[dict[str, Any]],
        key: Sequence[str],
        update: Sequence[str],
    ) -> None:
        """Insert or update the rows in one statement."""
        upsert(table, rows, key, update)


class Statements:
    """PostgreSQL: a batch's writes made ready for PipelinedWriter, each statement with its
    parameters built when it is added, so that sending costs nothing more. The server cannot
    run a COPY in a pipeline, so rows go in as one ``INSERT ... SELECT FROM
    json_populate_recordset(...)`` per table."""

    def __init__(self) -> None:
        self._dialect = db.session.get_bind().dialect
        self.sent: list[tuple[str, Any, bool]] = []

    def __bool__(self) -> bool:
        return bool(self.sent)

    def insert(self, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
        """Insert the rows with one statement (a JSON record set)."""
        if rows:
            self.sent.append((*_json_insert(table, rows, self._dialect), False))

    def execute_many(
        self, statement: sa.ClauseElement, table: sa.Table, rows: Sequence[dict[str, Any]]
    ) -> None:
        """Run the statement once per row, pipelined."""
        if rows:
            self.sent.append((*_driver_statement(statement, table, rows, self._dialect), True))

    def upsert(
        self,
        table: sa.Table,
        rows: Sequence[dict[str, Any]],
        key: Sequence[str],
        update: Sequence[str],
    ) -> None:
        """Insert or update the rows with one statement (ON CONFLICT)."""
        if rows:
            self.sent.append((*_json_insert(table, rows, self._dialect, (key, update)), False))


#: Where a batch's writes go: the session, or statements for a pipeline.
Writer = SessionWriter | Statements


class PipelinedWriter:
    """PostgreSQL: each batch's writes sent on a connection of their own, in pipeline mode,
    and committed without waiting for the server, so the next batch is read while the server
    writes this one.

    An import sends a batch's statements between ``BEGIN`` and ``COMMIT`` (``send``), reads
    and plans the next batch, then waits for the server to have committed the one it sent
    (``confirm``, a pipeline sync). A batch the server refuses is rolled back whole, and
    ``confirm`` raises SQLAlchemy's error for it, however soon the refusal came back: what is
    sent after it is skipped by the server and not sent at all once it is known. ``recover``
    then makes the connection ready for the next batch. Lookups stay on the session's
    connection, which sees what is committed.
    """

    def __init__(self, connection: Any, pipeline: Any) -> None:
        self._pipeline = pipeline
        self._dialect = db.session.get_bind().dialect
        self._cursor = connection.cursor()
        self._refused: SQLAlchemyError | None = None
        # A batch was sent and its transaction may be open on the server; and it failed.
        self._open = False
        self._failed = False

    @staticmethod
    def supported() -> bool:
        """Whether the session's database and driver can pipeline (PostgreSQL, libpq 14+)."""
        if db.session.get_bind().dialect.name != "postgresql":
            return False
        import psycopg

        return bool(psycopg.Pipeline.is_supported())

    @classmethod
    @contextmanager
    def open(cls) -> Iterator[PipelinedWriter]:
        """A writer on a connection of the session's engine, put back in the pool afterwards."""
        with db.engine.connect() as connection:
            autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
            driver = autocommit.connection.driver_connection
            with driver.pipeline() as pipeline:  # type: ignore[union-attr]
                writer = cls(driver, pipeline)
                try:
                    yield writer
                finally:
                    # Nothing is left half done: a batch sent and not confirmed is committed
                    # or rolled back whole before the connection goes back to the pool.
                    with suppress(SQLAlchemyError):
                        writer.recover()
                    writer._cursor.close()

    def _send(self, sql: str, parameters: Any = None, many: bool = False) -> None:
        if self._refused is not None:
            return
        try:
            with _as_sqlalchemy_error(self._dialect, sql):
                if many:
                    self._cursor.executemany(sql, parameters)
                else:
                    self._cursor.execute(sql, parameters, binary=True)
        except SQLAlchemyError as error:
            # An earlier statement's refusal, read back while sending this one.
            self._refused = error

    def send(self, statements: Statements) -> None:
        """Send the statements as one transaction (BEGIN ... COMMIT), not waiting."""
        self._open = True
        self._send("BEGIN")
        for sql, parameters, many in statements.sent:
            self._send(sql, parameters, many)
        self._send("COMMIT")

    def confirm(self) -> None:
        """Wait until the server has done everything sent; raise what it refused."""
        refused, self._refused = self._refused, None
        try:
            with _as_sqlalchemy_error(self._dialect, "COMMIT"):
                self._pipeline.sync()
        except SQLAlchemyError as error:
            self._failed = True
            raise (refused or error) from None
        if refused is not None:
            self._failed = True
            raise refused
        if not self._failed:
            self._open = False

    def recover(self) -> None:
        """After a refusal: wait for the rest, roll back what the batch began, carry on."""
        with suppress(SQLAlchemyError):
            self.confirm()
        if self._open:
            self._failed = False
            self._send("ROLLBACK")
            self.confirm()


def refusal_reason(error: SQLAlchemyError) -> str:
    """A short reason for a row the database refused (no SQL, no values)."""
    orig = getattr(error, "orig", None)
    return f"could not be saved ({type(orig or error).__name__})"
