"""The store's core: the connection, the numbered migrations, one thread's batch of writes, and the SQL helpers
(`_fetchall`, `_fetchone`, `_run`, `_commit`) every aggregate's module builds on."""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Self

import duckdb

from arxiv_digest.errors import StoreDamaged, StoreError
from schemas.records import Paper

_MIGRATION_RE = re.compile(r"^m(\d{3})_(\w+)\.sql$")
_WRITE_RETRIES = 8


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# What DuckDB says of a file whose bytes are wrong (a bad block, a truncated or overwritten file).
_DAMAGE_SIGNS = ("corrupt", "not a valid duckdb database", "checksum", "failed to read", "invalid block")


def _is_damage(exc: BaseException) -> bool:
    return isinstance(exc, duckdb.SerializationException | duckdb.InternalException) or (
        isinstance(exc, duckdb.Error) and any(sign in str(exc).lower() for sign in _DAMAGE_SIGNS))


def damaged_store(path: Path | None, exc: BaseException) -> StoreDamaged:
    """One line: which file, what DuckDB found, and the ways back (a backup, another data dir, a rebuild)."""
    found = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    where = path.parent if path is not None else "the data dir"
    return StoreDamaged(
        f"the store {path} is damaged ({found[:160]}): restore it from a backup, or move it aside and rebuild "
        f"its days with `arxiv-digest backfill --start FIRST --end LAST --force` (PDFs in {where}/pdfs are "
        "reused), or give another --data-dir")


def _migrations() -> list[tuple[int, str, str]]:
    found = []
    for entry in resources.files("arxiv_digest.store").joinpath("migrations").iterdir():
        match = _MIGRATION_RE.match(entry.name)
        if match:
            found.append((int(match.group(1)), match.group(2), entry.read_text(encoding="utf-8")))
    return sorted(found)


class StoreCore:
    """One DuckDB connection: opening, migrating, batching writes, reading rows."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, path: Path | None, read_only: bool = False) -> None:
        self._con = connection
        self.path = path
        self.read_only = read_only
        self._lock = threading.Lock()
        self._pending = threading.local()

    @classmethod
    def open(cls, path: Path | str | None, wait_seconds: float = 0.0, read_only: bool = False) -> Self:
        """Open (creating if needed) and migrate. ``None`` or ":memory:" gives an in-memory store.

        DuckDB lets one process hold a file. With ``wait_seconds`` a second process waits for the holder to
        finish (two runs of the same day serialize) instead of failing at once. ``read_only`` (what `status`,
        `audit` and `check` use) creates nothing and writes nothing, so a read-only data dir or another user's
        store can be read; a store that still needs a migration is then refused in one line.
        """
        target = None if path in (None, ":memory:") else Path(path)
        deadline = time.monotonic() + wait_seconds
        delay = 0.2
        while True:
            try:
                if target is None:
                    con = duckdb.connect(":memory:")
                elif read_only:
                    con = duckdb.connect(str(target), read_only=True)
                else:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    con = duckdb.connect(str(target))
                break
            except OSError as exc:  # the data dir cannot be made: no wait fixes that
                raise StoreError(f"cannot create the store {target}: {exc.strerror or exc} "
                                 f"({exc.filename or target.parent})") from exc
            except duckdb.Error as exc:
                if _is_damage(exc):
                    raise damaged_store(target, exc) from exc
                if not isinstance(exc, duckdb.IOException):
                    raise
                held = "lock" in str(exc).lower()
                if held and time.monotonic() + delay < deadline:
                    time.sleep(delay)
                    delay = min(delay * 2, 5.0)
                    continue
                if not held:  # permission denied, read-only file system, disk full: say what, not who
                    raise StoreError(f"cannot open the store {target}: {exc}") from exc
                raise StoreError(
                    f"cannot open the store {target}: {exc}. Another arxiv-digest process probably holds it; "
                    "wait for it to finish or point ARXIV_DIGEST_DATA_DIR elsewhere."
                ) from exc
        store = cls(con, target, read_only=read_only)
        try:
            store.check_readable()
            if read_only:
                store.require_current_schema()
            else:
                store.migrate()
        except BaseException:
            con.close()
            raise
        return store

    def check_readable(self) -> None:
        """Read what every command reads first (the migrations and the runs, whole): a damaged file is found
        here, at open, not after a command has printed half its answer."""
        for table in ("schema_migrations", "runs"):
            exists = self._fetchone("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table])
            if exists and exists[0]:
                self._fetchall(f"SELECT * FROM {table}")

    def require_current_schema(self) -> None:
        """A read-only store must already have every migration: reading it cannot upgrade it."""
        exists = self._fetchone("SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'")
        done = {row[0] for row in self._fetchall("SELECT version FROM schema_migrations")} if exists and exists[0] \
            else set()
        missing = [version for version, _, _ in _migrations() if version not in done]
        if missing:
            raise StoreError(f"the store {self.path} was written by an older arxiv-digest (migration m{missing[0]:03d} "
                             "not applied) and cannot be upgraded while read-only: run a writing command "
                             "(`arxiv-digest run`) on it once with write access")

    def close(self) -> None:
        self._con.close()

    def migrate(self) -> list[int]:
        """Apply every numbered migration not yet recorded; returns the versions applied now."""
        applied_now: list[int] = []
        with self._lock:
            cur = self._con.cursor()
            try:
                cur.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations "
                    "(version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
                )
                done = {row[0] for row in cur.execute("SELECT version FROM schema_migrations").fetchall()}
                for version, name, sql in _migrations():
                    if version in done:
                        continue
                    cur.execute("BEGIN TRANSACTION")
                    try:
                        cur.execute(sql)
                        cur.execute(
                            "INSERT INTO schema_migrations VALUES (?, ?, ?)", [version, name, utcnow()]
                        )
                        cur.execute("COMMIT")
                    except duckdb.Error as exc:
                        cur.execute("ROLLBACK")
                        raise StoreError(f"migration m{version:03d}_{name} failed: {exc}") from exc
                    applied_now.append(version)
            finally:
                cur.close()
        return applied_now

    def schema_version(self) -> int:
        row = self._fetchone("SELECT max(version) FROM schema_migrations")
        return int(row[0]) if row and row[0] is not None else 0

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Collect this thread's writes and commit them as one transaction when the block ends.

        A step's result and its status then land together (or not at all), and a paper costs one commit per
        step instead of one per write: commits dominate a large day. The writes are committed even when the
        block raises, exactly as they would have been one by one. Reads inside the block do not see them.
        """
        if getattr(self._pending, "statements", None) is not None:
            yield  # nested: the outer block commits
            return
        self._pending.statements = []
        try:
            yield
        finally:
            statements, self._pending.statements = self._pending.statements, None
            if statements:
                self._commit(statements)

    def _run(self, statements: Sequence[tuple[str, Sequence[Any]]]) -> None:
        pending = getattr(self._pending, "statements", None)
        if pending is not None:
            pending.extend(statements)
            return
        self._commit(statements)

    def _commit(self, statements: Sequence[tuple[str, Sequence[Any]]]) -> None:
        """Execute writes in one transaction, retrying when another thread's write conflicts."""
        for attempt in range(_WRITE_RETRIES):
            cur = self._con.cursor()
            try:
                cur.execute("BEGIN TRANSACTION")
                for sql, params in statements:
                    cur.execute(sql, list(params))
                cur.execute("COMMIT")
                return
            except (duckdb.TransactionException, duckdb.ConstraintException):
                # Two threads upserting the same new key both try to insert it: one loses with a
                # conflict or a duplicate key, and wins on the retry by updating instead.
                with contextlib.suppress(duckdb.Error):
                    cur.execute("ROLLBACK")
                if attempt == _WRITE_RETRIES - 1:
                    raise
                time.sleep(0.01 * (2**attempt))
            except BaseException as exc:
                with contextlib.suppress(duckdb.Error):
                    cur.execute("ROLLBACK")
                if _is_damage(exc):
                    raise damaged_store(self.path, exc) from exc
                raise
            finally:
                cur.close()

    def _fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cur = self._con.cursor()
        try:
            return cur.execute(sql, list(params)).fetchall()
        except duckdb.Error as exc:
            if _is_damage(exc):
                raise damaged_store(self.path, exc) from exc
            raise
        finally:
            cur.close()

    def _fetchone(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        rows = self._fetchall(sql, params)
        return rows[0] if rows else None

    def table_counts(self) -> dict[str, int]:
        tables = [
            row[0]
            for row in self._fetchall(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1"
            )
        ]
        return {name: int(self._fetchone(f'SELECT count(*) FROM "{name}"')[0]) for name in tables}  # type: ignore[index]

    def frame(self, sql_table: str) -> Any:
        """A whole table as a polars DataFrame (for quality suites and exports)."""
        # The names only, not table_counts(): counting every table for each frame cost a rerun's gate a second.
        allowed = {row[0] for row in self._fetchall(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'")}
        if sql_table not in allowed:
            raise StoreError(f"unknown table {sql_table!r}")
        cur = self._con.cursor()
        try:
            return cur.sql(f'SELECT * FROM "{sql_table}"').pl()
        finally:
            cur.close()

    def mark(self, name: str, value: str) -> None:
        """Say what this store is (`sample_day`: the offline sample wrote it); kept until the store goes."""
        self._run([("INSERT INTO store_marks VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                    [name, value, utcnow()])])

    def marks(self) -> dict[str, str]:
        return dict(self._fetchall("SELECT name, value FROM store_marks"))  # type: ignore[arg-type]


def rows_insert(head: str, rows: Sequence[Sequence[Any]], tail: str = "",
                chunk: int = 500) -> list[tuple[str, Sequence[Any]]]:
    """`head` (INSERT INTO t [(columns)]) with many rows per statement: DuckDB spends about as long on one
    statement of 200 rows as on one of a single row, so a 200-paper day's writes cost one statement, not 200."""
    statements: list[tuple[str, Sequence[Any]]] = []
    for start in range(0, len(rows), chunk):
        part = rows[start:start + chunk]
        marks = ", ".join("(" + ", ".join("?" * len(row)) + ")" for row in part)
        statements.append((f"{head} VALUES {marks} {tail}".rstrip(), [value for row in part for value in row]))
    return statements


def _naive(moment: datetime) -> datetime:
    """DuckDB TIMESTAMP columns hold UTC without a zone."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


# The columns `_paper` reads, in its order; `paper_columns_of("p")` names them on an alias in a join.
PAPER_COLUMNS = ("arxiv_id, version, title, authors, categories, primary_category, published, updated, abstract, "
                 "comment, journal_ref, doi")


def paper_columns_of(alias: str) -> str:
    return ", ".join(f"{alias}.{name.strip()}" for name in PAPER_COLUMNS.split(","))


def _paper(row: tuple[Any, ...]) -> Paper:
    return Paper(
        arxiv_id=row[0],
        version=row[1],
        title=row[2],
        authors=tuple(row[3]),
        categories=tuple(row[4]),
        primary_category=row[5],
        published=row[6].replace(tzinfo=UTC),
        updated=row[7].replace(tzinfo=UTC),
        abstract=row[8],
        comment=row[9],
        journal_ref=row[10],
        doi=row[11],
    )
