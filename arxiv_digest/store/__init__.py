"""The DuckDB store: the only module that speaks SQL.

One process owns the database file. Inside it, every call takes its own cursor (DuckDB connections are not
shared across threads) and write conflicts between concurrent task threads are retried. Every write is an
upsert keyed by identity (arXiv id + version) or content (sha256, prompt hash), so rerunning a day leaves the
same rows.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from arxiv_digest.errors import StoreDamaged, StoreError
from arxiv_digest.store.archive import ArchiveStore
from arxiv_digest.store.ranking_feedback import RankingFeedbackStore
from schemas.records import (
    Analysis,
    AnnouncementList,
    Coverage,
    Extraction,
    Figure,
    Link,
    PageText,
    Paper,
    PdfFile,
    QualityResult,
    Section,
    StoredSummary,
)

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


class Store(ArchiveStore, RankingFeedbackStore):
    def __init__(self, connection: duckdb.DuckDBPyConnection, path: Path | None, read_only: bool = False) -> None:
        self._con = connection
        self.path = path
        self.read_only = read_only
        self._lock = threading.Lock()
        self._pending = threading.local()

    # -- lifecycle -----------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | str | None, wait_seconds: float = 0.0, read_only: bool = False) -> Store:
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

    # -- plumbing ------------------------------------------------------------------------------------

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

    def _fetchdicts(self, sql: str, params: Sequence[Any], keys: Sequence[str]) -> list[dict[str, Any]]:
        """Rows as dicts keyed by `keys`, in the order of the SELECT's columns."""
        return [dict(zip(keys, row, strict=True)) for row in self._fetchall(sql, params)]

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
        allowed = set(self.table_counts())
        if sql_table not in allowed:
            raise StoreError(f"unknown table {sql_table!r}")
        cur = self._con.cursor()
        try:
            return cur.sql(f'SELECT * FROM "{sql_table}"').pl()
        finally:
            cur.close()

    # -- papers and digest membership ---------------------------------------------------------------

    def upsert_papers(self, papers: Iterable[Paper]) -> None:
        now = utcnow()
        statements = [
            (
                "INSERT INTO papers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (arxiv_id, version) DO UPDATE SET title = excluded.title, "
                "authors = excluded.authors, categories = excluded.categories, "
                "primary_category = excluded.primary_category, published = excluded.published, "
                "updated = excluded.updated, abstract = excluded.abstract, comment = excluded.comment, "
                "journal_ref = excluded.journal_ref, doi = excluded.doi, fetched_at = excluded.fetched_at",
                [
                    p.arxiv_id,
                    p.version,
                    p.title,
                    list(p.authors),
                    list(p.categories),
                    p.primary_category,
                    _naive(p.published),
                    _naive(p.updated),
                    p.abstract,
                    p.comment,
                    p.journal_ref,
                    p.doi,
                    now,
                ],
            )
            for p in papers
        ]
        if statements:
            self._run(statements)

    def set_digest_papers(
        self, day: date, category: str, papers: Sequence[Paper], late: Collection[str] = ()
    ) -> None:
        """Replace the day's membership with exactly these papers, in this order (`late`: their arxiv ids)."""
        statements: list[tuple[str, Sequence[Any]]] = [
            ("DELETE FROM digest_papers WHERE digest_date = ? AND category = ?", [day, category])
        ]
        statements += [
            ("INSERT INTO digest_papers (digest_date, category, arxiv_id, version, position, late) "
             "VALUES (?, ?, ?, ?, ?, ?)", [day, category, p.arxiv_id, p.version, i, p.arxiv_id in late])
            for i, p in enumerate(papers)
        ]
        self._run(statements)

    def digest_papers(self, day: date, category: str) -> list[Paper]:
        rows = self._fetchall(
            "SELECT p.arxiv_id, p.version, p.title, p.authors, p.categories, p.primary_category, "
            "p.published, p.updated, p.abstract, p.comment, p.journal_ref, p.doi "
            "FROM digest_papers d JOIN papers p USING (arxiv_id, version) "
            "WHERE d.digest_date = ? AND d.category = ? ORDER BY d.position",
            [day, category],
        )
        return [_paper(row) for row in rows]

    def late_papers(self, day: date, category: str) -> set[str]:
        """The arxiv ids (no version) of the day's papers that arrived after their own announcement."""
        rows = self._fetchall(
            "SELECT arxiv_id FROM digest_papers WHERE digest_date = ? AND category = ? AND late", [day, category]
        )
        return {row[0] for row in rows}

    # -- the reader's interests: rankings per profile, papers liked by id ----------------------------------

    def replace_paper_scores(self, day: date, category: str, profile: str, top_n: int,
                             scores: Sequence[dict[str, Any]]) -> None:
        """A profile's ranking of the day, replacing the last one (dicts: arxiv_id, version, score, rank, reason)."""
        statements: list[tuple[str, Sequence[Any]]] = [(
            "DELETE FROM paper_scores WHERE digest_date = ? AND category = ? AND profile = ?",
            [day, category, profile],
        )]
        statements += [
            ("INSERT INTO paper_scores VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
             [day, category, profile, s["arxiv_id"], s["version"], s["score"], s["rank"], top_n,
              json.dumps(s["reason"], sort_keys=True)])
            for s in scores
        ]
        self._run(statements)

    def drop_paper_scores(self, day: date, category: str, keep_profiles: Collection[str]) -> None:
        """Forget the rankings of profiles no longer configured (their budget must not hold any more)."""
        rows = self._fetchall("SELECT DISTINCT profile FROM paper_scores WHERE digest_date = ? AND category = ?",
                              [day, category])
        gone = [row[0] for row in rows if row[0] not in keep_profiles]
        if gone:
            self._run([("DELETE FROM paper_scores WHERE digest_date = ? AND category = ? AND profile = ?",
                        [day, category, name]) for name in gone])

    def paper_scores(self, day: date, category: str, profile: str) -> list[dict[str, Any]]:
        rows = self._fetchall(
            "SELECT arxiv_id, version, score, rank, reason FROM paper_scores "
            "WHERE digest_date = ? AND category = ? AND profile = ? ORDER BY rank",
            [day, category, profile],
        )
        return [{"arxiv_id": r[0], "version": r[1], "score": r[2], "rank": r[3], "reason": json.loads(r[4])}
                for r in rows]

    def paper_ranks(self, day: date, category: str, arxiv_id: str, version: int) -> dict[str, tuple[int, int]]:
        """Per profile that ranked the day: (this paper's rank, the profile's reading budget)."""
        rows = self._fetchall(
            "SELECT profile, rank, top_n FROM paper_scores "
            "WHERE digest_date = ? AND category = ? AND arxiv_id = ? AND version = ?",
            [day, category, arxiv_id, version],
        )
        return {row[0]: (row[1], row[2]) for row in rows}

    def newest_papers(self, arxiv_ids: Collection[str]) -> list[Paper]:
        """The newest stored version of each of these papers (those the store holds)."""
        if not arxiv_ids:
            return []
        rows = self._fetchall(
            "SELECT arxiv_id, version, title, authors, categories, primary_category, published, updated, "
            "abstract, comment, journal_ref, doi FROM papers WHERE arxiv_id IN (SELECT unnest(?)) "
            "QUALIFY row_number() OVER (PARTITION BY arxiv_id ORDER BY version DESC) = 1 ORDER BY arxiv_id",
            [list(arxiv_ids)],
        )
        return [_paper(row) for row in rows]

    def mark(self, name: str, value: str) -> None:
        """Say what this store is (`sample_day`: the offline sample wrote it); kept until the store goes."""
        self._run([("INSERT INTO store_marks VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                    [name, value, utcnow()])])

    def marks(self) -> dict[str, str]:
        return dict(self._fetchall("SELECT name, value FROM store_marks"))  # type: ignore[arg-type]

    def papers_stored_before_marks(self, arxiv_ids: Collection[str]) -> list[str]:
        """Which of these papers were last stored before this store learned to mark itself (m011): written by an
        older version, which could not say whether a run was the offline sample's."""
        if not arxiv_ids:
            return []
        rows = self._fetchall(
            "SELECT DISTINCT arxiv_id FROM papers WHERE arxiv_id IN (SELECT unnest(?)) AND fetched_at < "
            "(SELECT applied_at FROM schema_migrations WHERE name = 'store_marks') ORDER BY arxiv_id",
            [list(arxiv_ids)])
        return [row[0] for row in rows]

    def liked_papers(self, arxiv_ids: Collection[str]) -> list[tuple[str, str, str, tuple[str, ...]]]:
        """(arxiv_id, title, abstract, authors) of the liked papers looked up before."""
        if not arxiv_ids:
            return []
        rows = self._fetchall(
            "SELECT arxiv_id, title, abstract, authors FROM liked_papers WHERE arxiv_id IN (SELECT unnest(?)) "
            "ORDER BY arxiv_id", [list(arxiv_ids)],
        )
        return [(r[0], r[1], r[2], tuple(r[3])) for r in rows]

    def save_liked_papers(self, papers: Iterable[Paper]) -> None:
        now = utcnow()
        statements = [
            ("INSERT INTO liked_papers VALUES (?, ?, ?, ?, ?) ON CONFLICT (arxiv_id) DO UPDATE SET "
             "title = excluded.title, abstract = excluded.abstract, authors = excluded.authors, "
             "fetched_at = excluded.fetched_at",
             [p.arxiv_id, p.title, p.abstract, list(p.authors), now])
            for p in papers
        ]
        if statements:
            self._run(statements)

    def rerank_score(self, arxiv_id: str, version: int, prompt_hash: str, model: str) -> tuple[float, float] | None:
        row = self._fetchone(
            "SELECT relevance, significance FROM rerank_scores WHERE arxiv_id = ? AND version = ? "
            "AND prompt_hash = ? AND model = ?", [arxiv_id, version, prompt_hash, model],
        )
        return (row[0], row[1]) if row else None

    def save_rerank_score(self, arxiv_id: str, version: int, prompt_hash: str, model: str, relevance: float,
                          significance: float) -> None:
        self._run([(
            "INSERT INTO rerank_scores VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (arxiv_id, version, prompt_hash, "
            "model) DO UPDATE SET relevance = excluded.relevance, significance = excluded.significance",
            [arxiv_id, version, prompt_hash, model, relevance, significance, utcnow()],
        )])

    # -- the announcement ledger: which digest holds each paper ---------------------------------------

    def announcement_fetched(self, category: str, day: date) -> bool:
        row = self._fetchone(
            "SELECT 1 FROM announcement_fetches WHERE category = ? AND digest_date = ?", [category, day]
        )
        return row is not None

    def fetched_digests(self, category: str, since: date) -> set[date]:
        rows = self._fetchall(
            "SELECT digest_date FROM announcement_fetches WHERE category = ? AND digest_date >= ?", [category, since]
        )
        return {row[0] for row in rows}

    def recent_on_time_counts(self, category: str, before: date, limit: int = 5) -> list[int]:
        """On-time paper counts of the latest fetched digests before a date (newest first)."""
        rows = self._fetchall(
            "SELECT on_time FROM announcement_fetches WHERE category = ? AND digest_date < ? "
            "ORDER BY digest_date DESC LIMIT ?",
            [category, before, limit],
        )
        return [int(row[0]) for row in rows]

    def holders(self, category: str, arxiv_ids: Collection[str]) -> dict[str, date]:
        """Which digest of the category holds each of these papers (those held by none are absent)."""
        if not arxiv_ids:
            return {}
        rows = self._fetchall(
            "SELECT arxiv_id, digest_date FROM digest_holdings WHERE category = ? AND list_contains(?, arxiv_id)",
            [category, sorted(arxiv_ids)],
        )
        return {row[0]: row[1] for row in rows}

    def record_announcement(
        self,
        category: str,
        day: date,
        window: tuple[datetime, datetime],
        claims: Sequence[tuple[Paper, bool]],
    ) -> None:
        """Claim papers for a digest and mark it fetched, in one transaction.

        A paper already held keeps its digest (the insert does nothing): whoever recorded it first holds it.
        The papers' metadata is kept here too, so the ledger alone can rebuild a digest's list.
        """
        now = utcnow()
        statements: list[tuple[str, Sequence[Any]]] = [
            ("INSERT INTO digest_holdings VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (category, arxiv_id) DO NOTHING",
             [category, paper.arxiv_id, day, paper.version, _naive(paper.published), late, now])
            for paper, late in claims
        ]
        statements.append((
            "INSERT INTO announcement_fetches VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (category, digest_date) "
            "DO NOTHING",
            [category, day, _naive(window[0]), _naive(window[1]), sum(1 for _, late in claims if not late),
             sum(1 for _, late in claims if late), now],
        ))
        with self.batch():
            self.upsert_papers([paper for paper, _ in claims])
            self._run(statements)

    def digest_holdings(self, category: str, day: date) -> list[tuple[Paper, bool]]:
        """The papers a digest holds, with their late flag, oldest submission first."""
        rows = self._fetchall(
            "SELECT p.arxiv_id, p.version, p.title, p.authors, p.categories, p.primary_category, "
            "p.published, p.updated, p.abstract, p.comment, p.journal_ref, p.doi, h.late "
            "FROM digest_holdings h JOIN papers p USING (arxiv_id, version) "
            "WHERE h.category = ? AND h.digest_date = ? ORDER BY h.submitted, h.arxiv_id",
            [category, day],
        )
        return [(_paper(row[:12]), bool(row[12])) for row in rows]

    # -- arXiv's own list of the announcement, and each digest's coverage of it ----------------------

    def record_feed_read(self, category: str, read_at: datetime, listing: AnnouncementList | None,
                         error: str | None = None) -> None:
        items = [[i.arxiv_id, i.version, i.announce_type] for i in listing.items] if listing else []
        self._run([(
            "INSERT INTO announcement_feeds VALUES (?, ?, ?, ?, ?) ON CONFLICT (category, read_at) DO NOTHING",
            [category, _naive(read_at), listing.announcement_date if listing else None, json.dumps(items), error],
        )])

    def feed_reads(self, category: str) -> list[dict[str, Any]]:
        rows = self._fetchall(
            "SELECT read_at, announcement_date, items, error FROM announcement_feeds WHERE category = ? "
            "ORDER BY read_at", [category])
        return [{"read_at": r[0], "announcement_date": r[1], "items": json.loads(r[2]), "error": r[3]}
                for r in rows]

    def save_coverage(self, coverage: Coverage) -> None:
        """The digest's coverage record; the first one recorded stays (a digest's list is fixed once claimed)."""
        self._run([(
            "INSERT INTO digest_coverage VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (category, digest_date) DO NOTHING",
            [coverage.category, coverage.digest_date, coverage.verified, coverage.reason,
             _naive(coverage.read_at) if coverage.read_at else None, json.dumps(list(coverage.announced)),
             json.dumps(list(coverage.held)), json.dumps(list(coverage.added)),
             json.dumps([list(m) for m in coverage.missing]), json.dumps([list(f) for f in coverage.flagged]),
             utcnow()],
        )])

    def coverage(self, day: date, category: str) -> Coverage | None:
        found = self._coverages("WHERE category = ? AND digest_date = ?", [category, day])
        return found[0] if found else None

    def coverages(self) -> dict[tuple[date, str], Coverage]:
        """Every digest's coverage record, by (date, category)."""
        return {(c.digest_date, c.category): c for c in self._coverages("", [])}

    def _coverages(self, where: str, params: Sequence[Any]) -> list[Coverage]:
        rows = self._fetchall(
            "SELECT category, digest_date, verified, reason, read_at, announced, held, added, missing, flagged "
            f"FROM digest_coverage {where}", params)
        return [Coverage(
            category=row[0], digest_date=row[1], verified=bool(row[2]), reason=row[3],
            read_at=row[4].replace(tzinfo=UTC) if row[4] else None, announced=tuple(json.loads(row[5])),
            held=tuple(json.loads(row[6])), added=tuple(json.loads(row[7])),
            missing=tuple((a, b) for a, b in json.loads(row[8])), flagged=tuple((a, b) for a, b in json.loads(row[9])),
        ) for row in rows]

    def paper(self, arxiv_id: str, version: int) -> Paper | None:
        row = self._fetchone(
            "SELECT arxiv_id, version, title, authors, categories, primary_category, published, updated, "
            "abstract, comment, journal_ref, doi FROM papers WHERE arxiv_id = ? AND version = ?",
            [arxiv_id, version],
        )
        return _paper(row) if row else None

    # -- PDFs ----------------------------------------------------------------------------------------

    def pdf(self, arxiv_id: str, version: int) -> PdfFile | None:
        row = self._fetchone(
            "SELECT arxiv_id, version, status, sha256, path, bytes, pages, error, fetched_at "
            "FROM pdf_files WHERE arxiv_id = ? AND version = ?",
            [arxiv_id, version],
        )
        return PdfFile(*row) if row else None

    def upsert_pdf(self, pdf: PdfFile) -> None:
        self._run(
            [
                (
                    "INSERT INTO pdf_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1) "
                    "ON CONFLICT (arxiv_id, version) DO UPDATE SET status = excluded.status, "
                    "sha256 = coalesce(excluded.sha256, pdf_files.sha256), "
                    "path = coalesce(excluded.path, pdf_files.path), "
                    "bytes = coalesce(excluded.bytes, pdf_files.bytes), "
                    "pages = coalesce(excluded.pages, pdf_files.pages), "
                    "fetched_at = coalesce(excluded.fetched_at, pdf_files.fetched_at), "
                    "error = excluded.error, attempts = pdf_files.attempts + 1",
                    [
                        pdf.arxiv_id,
                        pdf.version,
                        pdf.status,
                        pdf.sha256,
                        pdf.path,
                        pdf.bytes,
                        pdf.pages,
                        _naive(pdf.fetched_at) if pdf.fetched_at else None,
                        pdf.error,
                    ],
                )
            ]
        )

    def set_pdf_pages(self, sha256: str, pages: int) -> None:
        self._run([("UPDATE pdf_files SET pages = ? WHERE sha256 = ?", [pages, sha256])])

    # -- extraction, sections, links -----------------------------------------------------------------

    def save_extraction(self, extraction: Extraction, extractor: str) -> None:
        statements: list[tuple[str, Sequence[Any]]] = [
            (
                "INSERT INTO extractions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO UPDATE SET "
                "status = excluded.status, pages = excluded.pages, text_chars = excluded.text_chars, "
                "has_text_layer = excluded.has_text_layer, error = excluded.error, "
                "extractor = excluded.extractor, elapsed_ms = excluded.elapsed_ms, "
                "extracted_at = excluded.extracted_at",
                [
                    extraction.sha256,
                    extraction.status,
                    extraction.pages,
                    extraction.text_chars,
                    extraction.has_text_layer,
                    extraction.error,
                    extractor,
                    extraction.elapsed_ms,
                    utcnow(),
                ],
            ),
            ("DELETE FROM page_texts WHERE sha256 = ?", [extraction.sha256]),
            # Sections are derived from the extraction: a new one (another extractor version) makes them stale,
            # and the segment step, which reuses stored sections, must not serve the old ones (or their levels).
            ("DELETE FROM sections WHERE sha256 = ?", [extraction.sha256]),
        ]
        statements += [
            ("INSERT INTO page_texts VALUES (?, ?, ?)", [extraction.sha256, page.page, page.text])
            for page in extraction.page_texts
        ]
        self._run(statements)

    def extraction(self, sha256: str) -> Extraction | None:
        row = self._fetchone(
            "SELECT sha256, status, pages, text_chars, has_text_layer, error, elapsed_ms, extractor "
            "FROM extractions WHERE sha256 = ?",
            [sha256],
        )
        if not row:
            return None
        pages = tuple(
            PageText(page=p, text=t)
            for p, t in self._fetchall("SELECT page, text FROM page_texts WHERE sha256 = ? ORDER BY page", [sha256])
        )
        return Extraction(
            sha256=row[0],
            status=row[1],
            pages=row[2],
            text_chars=row[3],
            has_text_layer=row[4],
            error=row[5],
            elapsed_ms=row[6],
            page_texts=pages,
        )

    def extractor_of(self, sha256: str) -> str | None:
        row = self._fetchone("SELECT extractor FROM extractions WHERE sha256 = ?", [sha256])
        return row[0] if row else None

    def save_sections(self, sha256: str, sections: Sequence[Section]) -> None:
        statements: list[tuple[str, Sequence[Any]]] = [("DELETE FROM sections WHERE sha256 = ?", [sha256])]
        statements += [
            (
                "INSERT INTO sections VALUES (?, ?, ?, ?, ?, ?, ?)",
                [sha256, s.ordinal, s.title, s.norm, s.level, s.page, s.text],
            )
            for s in sections
        ]
        self._run(statements)

    def sections(self, sha256: str) -> list[Section]:
        rows = self._fetchall(
            "SELECT ordinal, title, norm, page, text, level FROM sections WHERE sha256 = ? ORDER BY ordinal",
            [sha256],
        )
        return [Section(ordinal=r[0], title=r[1], norm=r[2], page=r[3], text=r[4], level=r[5]) for r in rows]

    def save_links(self, sha256: str, links: Sequence[Link]) -> None:
        statements: list[tuple[str, Sequence[Any]]] = [("DELETE FROM links WHERE sha256 = ?", [sha256])]
        statements += [
            (
                "INSERT INTO links VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sha256, url) DO NOTHING",
                [sha256, link.url, link.is_code, link.is_own, link.source, link.page, link.evidence],
            )
            for link in links
        ]
        self._run(statements)

    def links(self, sha256: str) -> list[Link]:
        rows = self._fetchall(
            "SELECT url, is_code, is_own, source, page, evidence FROM links WHERE sha256 = ? ORDER BY page, url",
            [sha256],
        )
        return [Link(url=r[0], is_code=r[1], is_own=r[2], source=r[3], page=r[4], evidence=r[5]) for r in rows]

    # -- teaser figures ------------------------------------------------------------------------------

    def save_figure(self, figure: Figure) -> None:
        self._run([(
            "INSERT INTO figures VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (pdf_sha256) DO "
            "UPDATE SET method = excluded.method, status = excluded.status, arxiv_id = excluded.arxiv_id, "
            "version = excluded.version, page = excluded.page, number = excluded.number, bbox = excluded.bbox, "
            "caption = excluded.caption, file_sha256 = excluded.file_sha256, path = excluded.path, "
            "width = excluded.width, height = excluded.height, bytes = excluded.bytes, detail = excluded.detail, "
            "made_at = excluded.made_at",
            [figure.pdf_sha256, figure.method, figure.status, figure.arxiv_id, figure.version, figure.page,
             figure.number, list(figure.bbox) if figure.bbox else None, figure.caption, figure.file_sha256,
             figure.path, figure.width, figure.height, figure.bytes, figure.detail, utcnow()],
        )])

    def figure(self, pdf_sha256: str) -> Figure | None:
        row = self._fetchone(f"SELECT {_FIGURE_COLUMNS} FROM figures WHERE pdf_sha256 = ?", [pdf_sha256])
        return _figure(row) if row else None

    def digest_figures(self, day: date, category: str) -> dict[str, Figure]:
        """The found figures of a digest's papers, by versioned id (papers without one are absent)."""
        columns = ", ".join(f"f.{c.strip()}" for c in _FIGURE_COLUMNS.split(","))
        rows = self._fetchall(
            f"SELECT d.arxiv_id, d.version, {columns} FROM digest_papers d "
            "JOIN pdf_files p USING (arxiv_id, version) JOIN figures f ON f.pdf_sha256 = p.sha256 "
            "WHERE d.digest_date = ? AND d.category = ? AND p.status = 'ok' AND f.status = 'ok'",
            [day, category],
        )
        return {f"{row[0]}v{row[1]}": _figure(row[2:]) for row in rows}

    # -- analyses ------------------------------------------------------------------------------------

    def cached_analysis(
        self, arxiv_id: str, version: int, prompt_hash: str, model: str, language: str
    ) -> Analysis | None:
        row = self._fetchone(
            "SELECT kind, analyzer, content, key_findings, notice, label FROM analyses WHERE arxiv_id = ? AND "
            "version = ? AND prompt_hash = ? AND model = ? AND language = ?",
            [arxiv_id, version, prompt_hash, model, language],
        )
        if not row:
            return None
        return Analysis(
            arxiv_id=arxiv_id,
            version=version,
            kind=row[0],
            analyzer=row[1],
            language=language,
            content=row[2],
            key_findings=tuple(row[3]),
            prompt_hash=prompt_hash,
            notice=row[4],
            label=row[5] or "",
        )

    def save_analysis(self, analysis: Analysis, model: str) -> None:
        self._run(
            [
                (
                    "INSERT INTO analyses (arxiv_id, version, prompt_hash, model, language, kind, analyzer, "
                    "content, key_findings, notice, created_at, label) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (arxiv_id, version, prompt_hash, model, language) DO UPDATE SET "
                    "kind = excluded.kind, analyzer = excluded.analyzer, content = excluded.content, "
                    "key_findings = excluded.key_findings, notice = excluded.notice, "
                    "created_at = excluded.created_at, label = excluded.label",
                    [
                        analysis.arxiv_id,
                        analysis.version,
                        analysis.prompt_hash,
                        model,
                        analysis.language,
                        analysis.kind,
                        analysis.analyzer,
                        analysis.content,
                        list(analysis.key_findings),
                        analysis.notice,
                        utcnow(),
                        analysis.label,
                    ],
                )
            ]
        )

    def record_analysis_attempt(
        self,
        arxiv_id: str,
        version: int,
        prompt_hash: str,
        model: str,
        language: str,
        status: str,
        reason: str | None = None,
        input_tokens: int = 0,
        output_tokens: int = 0,
        latency_ms: float = 0.0,
        cost_usd: float = 0.0,
        *,
        error_kind: str | None = None,
        settings_key: str | None = None,
        queue_ms: float = 0.0,
        estimated_input_tokens: int = 0,
        usage_reported: bool = False,
        finish_reason: str | None = None,
        reasoning_tokens: int = 0,
        reasoning_ms: float = 0.0,
    ) -> int:
        """Append one try; returns its attempt number."""
        key = [arxiv_id, version, prompt_hash, model, language]
        for _ in range(_WRITE_RETRIES):
            row = self._fetchone(
                "SELECT coalesce(max(attempt), 0) FROM analysis_attempts WHERE arxiv_id = ? AND version = ? "
                "AND prompt_hash = ? AND model = ? AND language = ?",
                key,
            )
            attempt = int(row[0]) + 1 if row else 1
            try:
                self._run(
                    [
                        (
                            "INSERT INTO analysis_attempts (arxiv_id, version, prompt_hash, model, language, "
                            "attempt, status, reason, input_tokens, output_tokens, latency_ms, cost_usd, "
                            "created_at, error_kind, settings_key, queue_ms, estimated_input_tokens, "
                            "usage_reported, finish_reason, reasoning_tokens, reasoning_ms) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            [*key, attempt, status, reason, input_tokens, output_tokens, latency_ms, cost_usd,
                             utcnow(), error_kind, settings_key, queue_ms, estimated_input_tokens,
                             usage_reported, finish_reason, reasoning_tokens, reasoning_ms],
                        )
                    ]
                )
                return attempt
            except duckdb.ConstraintException:
                continue
        raise StoreError(f"could not record an analysis attempt for {arxiv_id}v{version}")

    def last_model_attempts(self, keys: Sequence[tuple[str, int]], model: str,
                            language: str) -> dict[tuple[str, int], dict[str, Any]]:
        """Per paper, the newest try by `model` (status, error kind, when), for the papers that have one."""
        if not keys:
            return {}
        rows = self._fetchall(
            "SELECT arxiv_id, version, arg_max(status, created_at), arg_max(error_kind, created_at), "
            "max(created_at) FROM analysis_attempts WHERE model = ? AND language = ? "
            "AND (arxiv_id, version) IN (SELECT * FROM (VALUES " + ", ".join(["(?, ?)"] * len(keys)) + ")) "
            "GROUP BY arxiv_id, version",
            [model, language, *(part for key in keys for part in key)],
        )
        return {(r[0], r[1]): {"status": r[2], "error_kind": r[3], "created_at": r[4].replace(tzinfo=UTC)}
                for r in rows}

    def analysis_attempt_history(
        self, arxiv_id: str, version: int, prompt_hash: str, model: str, language: str
    ) -> list[dict[str, Any]]:
        """Every try under one cache key, oldest first (status, reason, error kind, settings key, when)."""
        rows = self._fetchall(
            "SELECT status, reason, error_kind, settings_key, created_at FROM analysis_attempts WHERE arxiv_id = ? "
            "AND version = ? AND prompt_hash = ? AND model = ? AND language = ? ORDER BY attempt",
            [arxiv_id, version, prompt_hash, model, language],
        )
        return [{"status": r[0], "reason": r[1], "error_kind": r[2], "settings_key": r[3],
                 "created_at": r[4].replace(tzinfo=UTC)} for r in rows]

    def model_calls(self, since: datetime) -> list[dict[str, Any]]:
        """The model calls recorded since `since`, for the run's report (not the extractive analyzer's rows)."""
        rows = self._fetchall(
            "SELECT arxiv_id, status, reason, error_kind, input_tokens, output_tokens, latency_ms, queue_ms, "
            "estimated_input_tokens, usage_reported, finish_reason, cost_usd, reasoning_tokens, reasoning_ms "
            "FROM analysis_attempts "
            "WHERE created_at >= ? AND model <> 'extractive' ORDER BY created_at",
            [_naive(since)],
        )
        names = ("arxiv_id", "status", "reason", "error_kind", "input_tokens", "output_tokens", "latency_ms",
                 "queue_ms", "estimated_input_tokens", "usage_reported", "finish_reason", "cost_usd",
                 "reasoning_tokens", "reasoning_ms")
        return [dict(zip(names, r, strict=True)) for r in rows]

    def set_digest_analysis(self, day: date, category: str, analysis: Analysis, model: str) -> None:
        self._run(
            [
                (
                    "INSERT INTO digest_analyses VALUES (?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (digest_date, category, arxiv_id) DO UPDATE SET version = excluded.version, "
                    "prompt_hash = excluded.prompt_hash, model = excluded.model, language = excluded.language",
                    [
                        day,
                        category,
                        analysis.arxiv_id,
                        analysis.version,
                        analysis.prompt_hash,
                        model,
                        analysis.language,
                    ],
                )
            ]
        )

    def digest_analyses(self, day: date, category: str) -> dict[str, Analysis]:
        """The analysis chosen for each paper of the day, keyed by versioned id."""
        rows = self._fetchall(
            "SELECT a.arxiv_id, a.version, a.kind, a.analyzer, a.language, a.content, a.key_findings, "
            "a.prompt_hash, a.notice, a.label FROM digest_analyses d JOIN analyses a USING "
            "(arxiv_id, version, prompt_hash, model, language) WHERE d.digest_date = ? AND d.category = ?",
            [day, category],
        )
        result = {}
        for r in rows:
            analysis = Analysis(
                arxiv_id=r[0],
                version=r[1],
                kind=r[2],
                analyzer=r[3],
                language=r[4],
                content=r[5],
                key_findings=tuple(r[6]),
                prompt_hash=r[7],
                notice=r[8],
                label=r[9] or "",
            )
            result[f"{r[0]}v{r[1]}"] = analysis
        return result

    def day_progress(self, day: date, category: str) -> dict[tuple[str, int], dict[str, Any]]:
        """Per paper of the day, in one query: step statuses, the PDF's status and path, the extractor used."""
        rows = self._fetchall(
            "SELECT d.arxiv_id, d.version, p.status, p.path, e.extractor, a.model, a.language, "
            "list(DISTINCT s.step || '=' || s.status) FILTER (WHERE s.step IS NOT NULL), "
            "(SELECT list(DISTINCT t.model) FROM analysis_attempts t WHERE t.arxiv_id = d.arxiv_id "
            " AND t.version = d.version AND t.status = 'rejected') "
            "FROM digest_papers d "
            "LEFT JOIN pdf_files p USING (arxiv_id, version) "
            "LEFT JOIN extractions e ON e.sha256 = p.sha256 "
            "LEFT JOIN digest_analyses a ON a.digest_date = d.digest_date AND a.category = d.category "
            "  AND a.arxiv_id = d.arxiv_id "
            "LEFT JOIN paper_steps s ON s.arxiv_id = d.arxiv_id AND s.version = d.version "
            "WHERE d.digest_date = ? AND d.category = ? "
            "GROUP BY ALL",
            [day, category],
        )
        return {
            (r[0], r[1]): {
                "pdf_status": r[2],
                "pdf_path": r[3],
                "extractor": r[4],
                "analysis_model": r[5],
                "analysis_language": r[6],
                "steps": dict(item.split("=", 1) for item in (r[7] or [])),
                # Models whose answers for this paper were read and rejected (refusal, invented link, ...).
                "rejected_by_models": list(r[8] or []),
            }
            for r in rows
        }

    def analysis_usage(self, since: datetime) -> dict[str, float]:
        row = self._fetchone(
            "SELECT count(*), coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0), "
            "coalesce(sum(cost_usd), 0) FROM analysis_attempts WHERE created_at >= ? AND model <> 'extractive'",
            [_naive(since)],
        )
        assert row is not None
        return {"calls": row[0], "input_tokens": row[1], "output_tokens": row[2], "cost_usd": row[3]}

    # -- summaries -----------------------------------------------------------------------------------

    def save_summary(
        self, day: date, category: str, language: str, prompt_hash: str, model: str, analyzer: str, content: str,
        label: str = "",
    ) -> None:
        self._run(
            [
                (
                    "INSERT INTO summaries (digest_date, category, language, prompt_hash, model, analyzer, content, "
                    "created_at, label) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (digest_date, category, language) DO UPDATE SET "
                    "prompt_hash = excluded.prompt_hash, model = excluded.model, analyzer = excluded.analyzer, "
                    "content = excluded.content, created_at = excluded.created_at, label = excluded.label",
                    [day, category, language, prompt_hash, model, analyzer, content, utcnow(), label],
                )
            ]
        )

    def summary(self, day: date, category: str, language: str) -> StoredSummary | None:
        """The stored summary of the day in this language, if any."""
        row = self._fetchone(
            "SELECT content, prompt_hash, model, label FROM summaries WHERE digest_date = ? AND category = ? "
            "AND language = ?",
            [day, category, language],
        )
        return StoredSummary(content=row[0], fingerprint=row[1], model=row[2], label=row[3] or "") if row else None

    # -- quality -------------------------------------------------------------------------------------

    def replace_quality_results(
        self, day: date, category: str, results: Sequence[QualityResult], flow_run_id: str | None,
        fingerprint: str | None = None,
    ) -> None:
        """The day's results, and what the suites saw to produce them (``None``: not reusable)."""
        now = utcnow()
        statements: list[tuple[str, Sequence[Any]]] = [
            ("DELETE FROM quality_results WHERE digest_date = ? AND category = ?", [day, category]),
            ("DELETE FROM quality_fingerprints WHERE digest_date = ? AND category = ?", [day, category]),
        ]
        if fingerprint is not None:
            statements.append(
                ("INSERT INTO quality_fingerprints VALUES (?, ?, ?, ?)", [day, category, fingerprint, now])
            )
        seen: set[tuple[str, str, str]] = set()
        for r in results:
            key = (r.suite, r.check, r.arxiv_id)
            if key in seen:
                continue
            seen.add(key)
            statements.append(
                (
                    "INSERT INTO quality_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [day, category, r.suite, r.check, r.arxiv_id, r.severity, r.observed, r.passed,
                     flow_run_id, now],
                )
            )
        self._run(statements)

    def quality_results(self, day: date, category: str) -> list[QualityResult]:
        rows = self._fetchall(
            "SELECT suite, check_name, severity, passed, arxiv_id, observed FROM quality_results "
            "WHERE digest_date = ? AND category = ? ORDER BY passed, severity, suite, check_name, arxiv_id",
            [day, category],
        )
        return [QualityResult(*row) for row in rows]

    def reusable_quality_results(self, day: date, category: str, fingerprint: str) -> list[QualityResult] | None:
        """The stored results when they were computed from exactly these inputs, else None."""
        row = self._fetchone(
            "SELECT fingerprint FROM quality_fingerprints WHERE digest_date = ? AND category = ?", [day, category]
        )
        if row is None or row[0] != fingerprint:
            return None
        return self.quality_results(day, category)

    # -- runs and steps ------------------------------------------------------------------------------

    def start_run(self, day: date, category: str, flow_run_id: str | None) -> None:
        """Record that a run of the day started; `attempts` counts runs, so a retry of the fetch task inside the
        same flow run (same `flow_run_id`) is not another one."""
        self._run(
            [
                (
                    "INSERT INTO runs VALUES (?, ?, 'running', 1, ?, ?, NULL, '{}', '{}', NULL) "
                    "ON CONFLICT (digest_date, category) DO UPDATE SET status = 'running', "
                    "attempts = runs.attempts + CASE WHEN excluded.flow_run_id IS NOT NULL AND "
                    "excluded.flow_run_id = runs.flow_run_id THEN 0 ELSE 1 END, flow_run_id = excluded.flow_run_id, "
                    "started_at = excluded.started_at, finished_at = NULL, error = NULL",
                    [day, category, flow_run_id, utcnow()],
                )
            ]
        )

    def finish_run(
        self,
        day: date,
        category: str,
        status: str,
        counts: dict[str, Any],
        step_seconds: dict[str, float],
        error: str | None = None,
    ) -> None:
        self._run(
            [
                (
                    "UPDATE runs SET status = ?, finished_at = ?, counts = ?, step_seconds = ?, error = ? "
                    "WHERE digest_date = ? AND category = ?",
                    [status, utcnow(), json.dumps(counts, sort_keys=True),
                     json.dumps(step_seconds, sort_keys=True), error, day, category],
                )
            ]
        )

    def run(self, day: date, category: str) -> dict[str, Any] | None:
        row = self._fetchone(
            "SELECT status, attempts, flow_run_id, started_at, finished_at, counts, step_seconds, error "
            "FROM runs WHERE digest_date = ? AND category = ?",
            [day, category],
        )
        if not row:
            return None
        return {
            "status": row[0],
            "attempts": row[1],
            "flow_run_id": row[2],
            "started_at": row[3],
            "finished_at": row[4],
            "counts": json.loads(row[5]),
            "step_seconds": json.loads(row[6]),
            "error": row[7],
        }

    def runs(self) -> list[dict[str, Any]]:
        rows = self._fetchall(
            "SELECT digest_date, category, status, attempts, counts, error FROM runs ORDER BY digest_date, category"
        )
        return [
            {"date": r[0], "category": r[1], "status": r[2], "attempts": r[3], "counts": json.loads(r[4]),
             "error": r[5]}
            for r in rows
        ]

    def record_step(self, arxiv_id: str, version: int, step: str, status: str, detail: str | None = None) -> None:
        self._run(
            [
                (
                    "INSERT INTO paper_steps VALUES (?, ?, ?, ?, ?, 1, ?) "
                    "ON CONFLICT (arxiv_id, version, step) DO UPDATE SET status = excluded.status, "
                    "detail = excluded.detail, attempts = paper_steps.attempts + 1, updated_at = excluded.updated_at",
                    [arxiv_id, version, step, status, detail, utcnow()],
                )
            ]
        )

    def paper_steps(self, day: date, category: str) -> list[dict[str, Any]]:
        return self._fetchdicts(
            "SELECT s.arxiv_id, s.version, s.step, s.status, s.detail, s.attempts, s.updated_at "
            "FROM paper_steps s JOIN digest_papers d USING (arxiv_id, version) "
            "WHERE d.digest_date = ? AND d.category = ? ORDER BY d.position, s.step",
            [day, category],
            ("arxiv_id", "version", "step", "status", "detail", "attempts", "updated_at"),
        )

    def step_status(self, arxiv_id: str, version: int, step: str) -> str | None:
        row = self._fetchone(
            "SELECT status FROM paper_steps WHERE arxiv_id = ? AND version = ? AND step = ?", [arxiv_id, version, step]
        )
        return row[0] if row else None

    def days_needing_attention(self, day: date | None = None) -> list[tuple[date, str, str]]:
        """(date, category, why) for days whose run failed or that hold a paper with a failed step."""
        rows = self._fetchall(
            "SELECT digest_date, category, 'run ' || status || coalesce(': ' || error, '') FROM runs "
            "WHERE status IN ('failed', 'running') AND (? IS NULL OR digest_date = ?) "
            "UNION ALL "
            "SELECT d.digest_date, d.category, string_agg(s.step || ' ' || d.arxiv_id || 'v' || d.version, ', ') "
            "FROM digest_papers d JOIN paper_steps s USING (arxiv_id, version) "
            "WHERE s.status = 'failed' AND (? IS NULL OR d.digest_date = ?) GROUP BY d.digest_date, d.category "
            "ORDER BY 1, 2",
            [day, day, day, day],
        )
        merged: dict[tuple[date, str], list[str]] = {}
        for digest_date, category, why in rows:
            merged.setdefault((digest_date, category), []).append(why)
        return [(d, c, "; ".join(why)) for (d, c), why in merged.items()]

    # -- publications --------------------------------------------------------------------------------

    def record_publication(
        self, day: date, category: str, fmt: str, path: Path, sha256: str, papers: int
    ) -> None:
        self._run(
            [
                (
                    "INSERT INTO publications VALUES (?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (digest_date, category, format) DO UPDATE SET path = excluded.path, "
                    "sha256 = excluded.sha256, papers = excluded.papers, published_at = excluded.published_at",
                    [day, category, fmt, str(path), sha256, papers, utcnow()],
                )
            ]
        )

    def published_days(self, category: str) -> list[tuple[date, int]]:
        rows = self._fetchall(
            "SELECT digest_date, papers FROM publications WHERE category = ? AND format = 'markdown' "
            "ORDER BY digest_date",
            [category],
        )
        return [(r[0], r[1]) for r in rows]

    def publication(self, day: date, category: str, fmt: str = "markdown") -> dict[str, Any] | None:
        row = self._fetchone(
            "SELECT path, sha256, papers, published_at FROM publications WHERE digest_date = ? AND "
            "category = ? AND format = ?",
            [day, category, fmt],
        )
        return {"path": row[0], "sha256": row[1], "papers": row[2], "published_at": row[3]} if row else None

    # -- email deliveries ----------------------------------------------------------------------------

    def email_deliveries(self, day: date, category: str) -> dict[str, dict[str, Any]]:
        """Recipient -> its delivery of this digest (status, attempts, last_error, message_id, sent_at)."""
        rows = self._fetchdicts(
            "SELECT recipient, status, attempts, last_error, message_id, sent_at FROM email_deliveries "
            "WHERE digest_date = ? AND category = ?",
            [day, category],
            ("recipient", "status", "attempts", "last_error", "message_id", "sent_at"),
        )
        return {row.pop("recipient"): row for row in rows}

    def record_email_attempt(
        self, day: date, category: str, recipient: str, status: str, *, error: str | None = None,
        message_id: str | None = None, message_bytes: int | None = None,
    ) -> None:
        """A new attempt: 'sending' just before the message is handed over, 'failed' when it never was."""
        self._run(
            [
                (
                    "INSERT INTO email_deliveries VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, NULL) "
                    "ON CONFLICT (digest_date, category, recipient) DO UPDATE SET status = excluded.status, "
                    "attempts = email_deliveries.attempts + 1, last_error = excluded.last_error, "
                    "message_id = coalesce(excluded.message_id, email_deliveries.message_id), "
                    "message_bytes = coalesce(excluded.message_bytes, email_deliveries.message_bytes), "
                    "updated_at = excluded.updated_at",
                    [day, category, recipient, status, error, message_id, message_bytes, utcnow()],
                )
            ]
        )

    def record_email_outcome(self, day: date, category: str, recipient: str, status: str,
                             error: str | None = None) -> None:
        """How the attempt in progress ended: 'sent' (the server accepted it), 'failed' or still 'sending'."""
        sent_at = utcnow() if status == "sent" else None
        self._run(
            [
                (
                    "UPDATE email_deliveries SET status = ?, last_error = ?, updated_at = ?, "
                    "sent_at = coalesce(?, sent_at) WHERE digest_date = ? AND category = ? AND recipient = ?",
                    [status, error, utcnow(), sent_at, day, category, recipient],
                )
            ]
        )

    def deliveries_needing_attention(self, day: date | None = None) -> list[dict[str, Any]]:
        """Deliveries that failed (retried by the next run) or whose outcome is unknown ('sending')."""
        return self._fetchdicts(
            "SELECT digest_date, category, recipient, status, attempts, last_error, updated_at "
            "FROM email_deliveries WHERE status IN ('failed', 'sending') AND (? IS NULL OR digest_date = ?) "
            "ORDER BY digest_date, category, recipient",
            [day, day],
            ("date", "category", "recipient", "status", "attempts", "last_error", "updated_at"),
        )

    def delivery_counts(self) -> dict[tuple[date, str], dict[str, int]]:
        """(date, category) -> {status: recipients}."""
        rows = self._fetchall(
            "SELECT digest_date, category, status, count(*) FROM email_deliveries GROUP BY ALL ORDER BY ALL"
        )
        counts: dict[tuple[date, str], dict[str, int]] = {}
        for day, category, status, n in rows:
            counts.setdefault((day, category), {})[status] = n
        return counts


def _naive(moment: datetime) -> datetime:
    """DuckDB TIMESTAMP columns hold UTC without a zone."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


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


_STORES: dict[str, Store] = {}
_STORES_LOCK = threading.Lock()


def open_store(path: Path, wait_seconds: float = 600.0) -> Store:
    """The process-wide store for a database file, opened once (DuckDB lets one process own a file).

    Flow runs in separate worker processes take turns: the next waits up to `wait_seconds` for the file.
    """
    key = str(Path(path).resolve())
    with _STORES_LOCK:
        store = _STORES.get(key)
        if store is None:
            store = Store.open(path, wait_seconds=wait_seconds)
            _STORES[key] = store
        return store


def close_stores() -> None:
    with _STORES_LOCK:
        for store in _STORES.values():
            store.close()
        _STORES.clear()


_FIGURE_COLUMNS = ("pdf_sha256, method, status, arxiv_id, version, page, number, bbox, caption, file_sha256, path, "
                   "width, height, bytes, detail")


def _figure(row: Sequence[Any]) -> Figure:
    bbox = tuple(float(v) for v in row[7]) if row[7] else None
    return Figure(pdf_sha256=row[0], method=row[1], status=row[2], arxiv_id=row[3], version=row[4], page=row[5],
                  number=row[6], bbox=bbox, caption=row[8] or "", file_sha256=row[9], path=row[10],  # type: ignore[arg-type]
                  width=row[11], height=row[12], bytes=row[13], detail=row[14] or "")
