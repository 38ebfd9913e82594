"""What one published digest shows, read once from the store and handed to every renderer (markdown, HTML, JSON)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from schemas.records import Analysis, Paper, RevisedPaper


@dataclass(frozen=True)
class PublishOptions:
    """What publishing a day needs to know of the settings: where, in which language, with which links."""

    out_dir: Path
    language: str
    abs_url: str
    pdf_url: str
    wants_figures: bool = True
    markdown_figures: bool = False
    sample: bool = False  # the invented sample day: its listings say so
    include_cross_lists: bool = True


@dataclass(frozen=True)
class Relevance:
    """A paper's place in an interest profile's ranking of the day, and what earned it."""

    rank: int
    score: float
    reason: str

    @property
    def shown_score(self) -> str:
        return f"{self.score:.2f}"


@dataclass(frozen=True)
class PublishedFigure:
    """A paper's teaser figure as the digest shows it."""

    src: str  # relative to the digest's files: "figures/<sha256>.jpg"
    caption: str  # the paper's own caption text
    number: int
    page: int  # 1-based page of the PDF
    width: int
    height: int


@dataclass(frozen=True)
class DigestView:
    digest_day: date
    category: str
    papers: Sequence[Paper]
    analyses: Mapping[str, Analysis]  # by versioned id
    summary: str
    language: str
    abs_url: str = "https://arxiv.org/abs"
    pdf_url: str = "https://arxiv.org/pdf"
    failures: Mapping[str, str] = field(default_factory=dict)  # versioned id -> "step: detail"
    late: Collection[str] = ()  # arXiv ids (without version) of papers from an earlier window
    # A profile's digest: the profile, each listed paper's relevance (papers come in score order), and the note
    # saying how many papers min_score cut ("" when none).
    profile: str = ""
    relevance: Mapping[str, Relevance] = field(default_factory=dict)  # versioned id -> its relevance
    cut_note: str = ""
    figures: Mapping[str, PublishedFigure] = field(default_factory=dict)  # by versioned id
    markdown_figures: bool = False  # the Markdown shows them too (the seed's format has none)
    sample: bool = False  # the offline sample day: every output says its papers are invented
    # The footer: the digest against arXiv's own list of the announcement (one line), and that record as data.
    coverage_line: str = ""
    coverage: Mapping[str, Any] | None = None
    # issue 26: each paper's feedback buttons or signed links (already-escaped HTML by versioned id; HTML only).
    actions_html: Mapping[str, str] = field(default_factory=dict)
    # issue 26: new versions of the reader's liked and saved papers, listed after the papers (never as new ones).
    revised: Sequence[RevisedPaper] = ()
