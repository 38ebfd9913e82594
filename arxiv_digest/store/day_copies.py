"""Merging another store file's rows into this one: how the web app builds one reading copy from the per-day
layout's day files (each its own store file in data_dir/days/, plus the ledger).

A mixin of `Store` (its SQL helpers come from there). The other file is attached read-only for the length of one
transaction: a file that a running day holds cannot be attached (DuckDB lets one process write a file, and a
reader cannot coexist with it), which raises `StoreHeld` so the caller skips that day for now.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from arxiv_digest.errors import StoreError, StoreHeld

SOURCE = "day_source"  # the attached file's name inside this connection
UNCOPIED = ("schema_migrations",)  # this store's own history, not the day's


class DayCopyStore:
    """Copying one store file into this store, day by day."""

    _con: duckdb.DuckDBPyConnection
    path: Path | None

    def copy_store_rows(self, source: Path) -> int:
        """Copy every row of the store file `source` into this store in one transaction; the rows copied.

        Rows of a dated table (one with `digest_date`) replace this store's rows of the dates the source holds
        in that table, so a day's rerun that dropped a paper drops it here too; every other row (papers, PDFs,
        extraction, analyses: keyed by identity or content) is an upsert. Raises `StoreHeld` when another
        process holds `source`, `StoreError` when it is not a store of this schema.
        """
        cur = self._con.cursor()
        try:
            _attach(cur, source)
            try:
                return _copy_tables(cur, source)
            finally:
                cur.execute(f"DETACH {SOURCE}")
        finally:
            cur.close()


def _attach(cur: duckdb.DuckDBPyConnection, source: Path) -> None:
    quoted = str(source).replace("'", "''")
    try:
        cur.execute(f"ATTACH '{quoted}' AS {SOURCE} (READ_ONLY)")
    except duckdb.Error as exc:
        if isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower():
            raise StoreHeld(f"{source} is held by another process (a run writing it)") from exc
        raise StoreError(f"cannot read the store {source}: {exc}") from exc


def _tables(cur: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, set[str]]:
    rows = cur.execute("SELECT table_name, column_name FROM information_schema.columns "
                       "WHERE table_catalog = ? AND table_schema = 'main'", [catalog]).fetchall()
    found: dict[str, set[str]] = {}
    for table, column in rows:
        found.setdefault(str(table), set()).add(str(column))
    return found


def _copy_tables(cur: duckdb.DuckDBPyConnection, source: Path) -> int:
    ours, theirs = _tables(cur, cur.execute("SELECT current_database()").fetchone()[0]), _tables(cur, SOURCE)  # type: ignore[index]
    missing = sorted(set(ours) - set(theirs) - set(UNCOPIED))
    if missing or any(theirs[t] != ours[t] for t in ours if t in theirs):
        raise StoreError(f"{source} is not a store of this arxiv-digest's schema (tables differ: "
                         f"{', '.join(missing) or 'columns'}); run a writing command on it once")
    copied = 0
    cur.execute("BEGIN TRANSACTION")
    try:
        for table in sorted(set(ours) - set(UNCOPIED)):
            if "digest_date" in ours[table]:
                cur.execute(f'DELETE FROM "{table}" WHERE digest_date IN '
                            f'(SELECT DISTINCT digest_date FROM {SOURCE}."{table}")')
            # Every table has a primary key (by identity or content): the same row from two files is one row.
            cur.execute(f'INSERT OR REPLACE INTO "{table}" BY NAME SELECT * FROM {SOURCE}."{table}"')
            copied += int(cur.execute(f'SELECT count(*) FROM {SOURCE}."{table}"').fetchone()[0])  # type: ignore[index]
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise
    return copied
