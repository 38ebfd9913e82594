"""Typed records that the steps exchange and the store persists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, NamedTuple


class Status(StrEnum):
    """How a paper's step, PDF or extraction ended, as stored (`paper_steps`, `pdf_files`, `extractions`)."""

    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"  # nothing to do (no PDF to read, nothing extracted to segment)
    FALLBACK = "fallback"  # done, but not the full treatment (an abstract or extractive analysis)
    WITHHELD = "withheld"  # the quality gate kept the analysis out of the digest
    NO_TEXT_LAYER = "no_text_layer"  # a scanned PDF: pages without text


class RunStatus(StrEnum):
    """A day's run record (`runs`)."""

    RUNNING = "running"
    COMPLETED = "completed"  # published, every paper with its full treatment
    PARTIAL = "partial"  # published, but some papers without it (PDF failed, fallback, withheld, missing)
    FAILED = "failed"  # not published


# The statuses of a day whose digest was written.
PUBLISHED_RUN_STATUSES = frozenset({RunStatus.COMPLETED, RunStatus.PARTIAL})


class AnalysisKind(StrEnum):
    """What an analysis is made from (`analyses.kind`)."""

    METHOD = "method"  # the paper's method sections
    ABSTRACT = "abstract"  # the abstract only (no PDF text, or outside the reading budget)
    WITHHELD = "withheld"  # the quality gate's notice in place of an analysis that failed its checks


class PaperKey(NamedTuple):
    """One version of one paper: the key of every per-paper row, printed as arXiv writes it (`2601.14256v1`).

    A named tuple so it stays equal to, and hashes like, the `(arxiv_id, version)` pairs that cross task
    boundaries as Prefect parameters; ordered by id, then version.
    """

    arxiv_id: str
    version: int

    def __str__(self) -> str:
        return f"{self.arxiv_id}v{self.version}"


@dataclass(frozen=True)
class Paper:
    arxiv_id: str  # without version: "2601.14256" or "cs/0112017"
    version: int
    title: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    primary_category: str
    published: datetime  # first version (v1) submission time, UTC
    updated: datetime
    abstract: str
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None

    @property
    def key(self) -> PaperKey:
        return PaperKey(self.arxiv_id, self.version)

    @property
    def versioned_id(self) -> str:
        return str(self.key)


@dataclass(frozen=True)
class PdfFile:
    arxiv_id: str
    version: int
    status: str  # ok | failed
    sha256: str | None = None
    path: str | None = None
    bytes: int | None = None
    pages: int | None = None
    error: str | None = None
    fetched_at: datetime | None = None


@dataclass(frozen=True)
class Figure:
    """A paper's teaser figure, found once per PDF (by content hash) and finder version."""

    pdf_sha256: str
    method: str
    status: str  # ok | none | failed
    arxiv_id: str
    version: int
    page: int | None = None  # 1-based
    number: int | None = None
    bbox: tuple[float, float, float, float] | None = None
    caption: str = ""
    file_sha256: str | None = None
    path: str | None = None  # the stored image, data_dir/figures/<file_sha256>.<ext>
    width: int | None = None
    height: int | None = None
    bytes: int | None = None
    detail: str = ""


@dataclass(frozen=True)
class PageText:
    page: int  # 1-based
    text: str


@dataclass(frozen=True)
class Extraction:
    """What the extraction step learned from one PDF (keyed by its content hash)."""

    sha256: str
    status: str  # ok | no_text_layer | failed
    pages: int
    text_chars: int
    has_text_layer: bool
    page_texts: tuple[PageText, ...] = ()
    error: str | None = None
    elapsed_ms: float = 0.0


@dataclass(frozen=True)
class Section:
    ordinal: int
    title: str  # as printed
    norm: str  # abstract, introduction, related_work, method, experiments, results, discussion,
    # limitations, conclusion, references, appendix, other
    page: int  # 1-based
    text: str
    level: int = 1


@dataclass(frozen=True)
class Link:
    url: str
    is_code: bool  # a code host or project page, not a dataset/paper link
    is_own: bool  # the paper's own code or project page
    source: str  # annotation | text | abstract
    page: int
    evidence: str = ""


@dataclass(frozen=True)
class Analysis:
    arxiv_id: str
    version: int
    kind: AnalysisKind
    analyzer: str  # extractive | llm:<model>
    language: str
    content: str
    key_findings: tuple[str, ...] = ()
    prompt_hash: str = ""
    notice: str | None = None  # shown instead of the content when the analysis is withheld
    label: str = ""  # our line above the content: who wrote it, from what, why a fallback (never the model's)

    def labelled(self) -> str:
        """The content as the digest shows it: our label, then the text."""
        return f"{self.label}\n\n{self.content}" if self.label else self.content


@dataclass(frozen=True)
class StoredSummary:
    """A day's executive summary as stored: `fingerprint` is the prompt hash (model) or the inputs' hash."""

    content: str
    fingerprint: str
    model: str
    label: str = ""  # our line above the summary (who wrote it, why a fallback), never the model's text

    def labelled(self) -> str:
        return f"{self.label}\n\n{self.content}" if self.label else self.content


@dataclass(frozen=True)
class QualityResult:
    suite: str
    check: str
    severity: str  # blocking | warning
    passed: bool
    arxiv_id: str = ""  # empty for day-level checks
    observed: str = ""


# -- arXiv's own list of an announcement, and what a digest holds of it (issue 27) ---------------------------


ANNOUNCE_NEW = "new"
ANNOUNCE_CROSS = "cross"
ANNOUNCE_REPLACE = "replace"
ANNOUNCE_REPLACE_CROSS = "replace-cross"


@dataclass(frozen=True)
class AnnouncedItem:
    """One item of arXiv's announcement feed: a paper and how it was announced (new, cross, replace, ...)."""

    arxiv_id: str  # without version
    version: int
    announce_type: str


@dataclass(frozen=True)
class AnnouncementList:
    """arXiv's RSS feed of a category: the announcement it lists (its digest date) and the items.

    `announcement_date` is the channel's pubDate as a US Eastern date: the morning the announcement is read,
    which is the digest date. An empty channel is a day without an announcement (weekend, holiday).
    """

    category: str
    announcement_date: date
    items: tuple[AnnouncedItem, ...]
    built_at: datetime | None = None  # lastBuildDate, UTC

    def ids(self, *announce_types: str) -> tuple[str, ...]:
        return tuple(item.arxiv_id for item in self.items if item.announce_type in announce_types)


@dataclass(frozen=True)
class Coverage:
    """A digest reconciled with arXiv's list of its announcement, or why it could not be.

    `announced`: what arXiv lists as new (and cross, when cross-lists are included); `held`: what the digest
    holds, counted the same way; `added`: papers the API search did not place here that arXiv's list did;
    `missing`: announced papers this digest does not hold, each with where they are; `flagged`: papers held
    here that arXiv's list lacks, each with the likely cause (held, replaced, clock, window rule).
    """

    category: str
    digest_date: date
    verified: bool
    reason: str = ""  # why not verified; empty when verified
    read_at: datetime | None = None  # when arXiv's feed was read (UTC), if it was
    announced: tuple[str, ...] = ()
    held: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    missing: tuple[tuple[str, str], ...] = ()  # (arxiv id, where it is)
    flagged: tuple[tuple[str, str], ...] = ()  # (arxiv id, likely cause)

    @property
    def matched(self) -> int:
        return len(set(self.announced) & set(self.held))


# -- what the store answers (one record per kind of row; no dict rows or tuples leave the store) ----------------


@dataclass(frozen=True)
class RunRecord:
    """A day's run (`runs`): its status, how many runs it took, its counts and step timings."""

    digest_date: date
    category: str
    status: RunStatus
    attempts: int
    flow_run_id: str | None
    started_at: datetime | None
    finished_at: datetime | None
    counts: dict[str, Any]
    step_seconds: dict[str, float]
    error: str | None


@dataclass(frozen=True)
class PaperStep:
    """How one step of one paper last ended (`paper_steps`)."""

    arxiv_id: str
    version: int
    step: str
    status: str
    detail: str | None
    attempts: int
    updated_at: datetime

    @property
    def key(self) -> PaperKey:
        return PaperKey(self.arxiv_id, self.version)


@dataclass(frozen=True, order=True)
class DayAttention:
    """A day whose run failed (or never finished) or that holds a paper with a failed step, and why."""

    digest_date: date
    category: str
    why: str


@dataclass(frozen=True)
class PaperProgress:
    """One paper of a day, in one read: its step statuses, its PDF, the extractor and the chosen analysis."""

    pdf_status: str | None
    pdf_path: str | None
    extractor: str | None
    analysis_model: str | None
    analysis_language: str | None
    steps: dict[str, str]  # step -> status
    rejected_by_models: tuple[str, ...]  # models whose answers for this paper were read and rejected


@dataclass(frozen=True)
class PublishedDay:
    digest_date: date
    papers: int


@dataclass(frozen=True)
class Publication:
    """One published file of a digest (`publications`)."""

    path: str
    sha256: str
    papers: int
    published_at: datetime
    inputs: str | None = None  # a digest of the view and the code it was rendered from


@dataclass(frozen=True)
class EmailDelivery:
    """The delivery of one digest to one recipient (`email_deliveries`); status sending | sent | failed."""

    digest_date: date
    category: str
    recipient: str
    status: str
    attempts: int
    last_error: str | None
    message_id: str | None
    sent_at: datetime | None
    updated_at: datetime | None


@dataclass(frozen=True)
class StoredScore:
    """One paper's place in a profile's ranking of a day (`paper_scores`); `reason`: what the score is made of."""

    arxiv_id: str
    version: int
    score: float
    rank: int
    reason: dict[str, Any]


@dataclass(frozen=True)
class ProfileRank:
    """A paper's rank in one profile's ranking, and that profile's reading budget (`top_n`; 0 = all)."""

    rank: int
    top_n: int


@dataclass(frozen=True)
class StoredLikedPaper:
    """A paper liked by id, as looked up on arXiv once (`liked_papers`)."""

    arxiv_id: str
    title: str
    abstract: str
    authors: tuple[str, ...]


@dataclass(frozen=True)
class RerankScore:
    """The model's rating of one paper for one interests prompt (`rerank_scores`)."""

    relevance: float
    significance: float


@dataclass(frozen=True)
class StoredAttempt:
    """One try under one analysis cache key (`analysis_attempts`), as the decision to ask again reads it."""

    status: str  # accepted | rejected | error
    reason: str | None
    error_kind: str | None
    settings_key: str | None
    created_at: datetime  # UTC


@dataclass(frozen=True)
class LastAttempt:
    """A paper's newest try by one model."""

    status: str
    error_kind: str | None
    created_at: datetime  # UTC


@dataclass(frozen=True)
class ModelCall:
    """One model call of a run (`analysis_attempts`, not the extractive analyzer's rows), for the run's report."""

    arxiv_id: str
    status: str
    reason: str | None
    error_kind: str | None
    input_tokens: int
    output_tokens: int
    latency_ms: float
    queue_ms: float
    estimated_input_tokens: int
    usage_reported: bool
    finish_reason: str | None
    cost_usd: float
    reasoning_tokens: int
    reasoning_ms: float


@dataclass(frozen=True)
class Holding:
    """A paper a digest holds (`digest_holdings`); `late`: it arrived after its own announcement."""

    paper: Paper
    late: bool


@dataclass(frozen=True)
class FeedRead:
    """One read of arXiv's own list of an announcement (`announcement_feeds`); `error` when it failed."""

    read_at: datetime
    announcement_date: date | None
    items: list[list[Any]]  # [arxiv_id, version, announce_type]
    error: str | None


@dataclass(frozen=True)
class ReaderHold:
    """A paper in a profile's library or likes (the reader's file), with the newest version the reader met."""

    profile: str
    kind: str  # "library" (saved) or "likes"
    version: int


@dataclass(frozen=True)
class RevisedPaper:
    """A new version of a paper the reader liked or saved (`listed_revisions`), listed once per category in the
    digest whose submission window holds the version's submission; never a new paper of that day."""

    arxiv_id: str  # without version
    version: int
    title: str
    updated: datetime  # the version's submission (the API's `updated`), UTC
    comment: str | None  # arXiv's comment on this version ("accepted at CVPR 2026"): untrusted text
    journal_ref: str | None
    held_by: tuple[ReaderHold, ...]

    @property
    def versioned_id(self) -> str:
        return str(PaperKey(self.arxiv_id, self.version))
