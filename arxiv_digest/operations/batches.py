"""Per-paper steps over batches of papers: one Prefect task run per (step, batch).

On a small day every batch holds one paper, so each paper's step is its own task run, retried and audited by
itself. On a large day a task run per paper costs Prefect more than the step itself (state changes, events,
the server's bookkeeping on the same cores), so papers are grouped into a bounded number of batches per step.
Inside a batch each paper succeeds or fails on its own: the successes are stored, and the batch's task run
fails with a message that lists every failed paper and why, which `arxiv-digest audit` splits back into one
line per paper.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from arxiv_digest.ids import ARXIV_ID

log = logging.getLogger(__name__)

PaperKey = tuple[str, int]
T = TypeVar("T")

# Automatic sizing: at most this many task runs per step, whatever the size of the day.
AUTO_BATCHES_PER_STEP = 16

_FAILED_PAPER_LINE = re.compile(rf"^- (?P<paper>{ARXIV_ID}v\d+): (?P<reason>.*)$", re.MULTILINE)


@dataclass(frozen=True)
class PaperBatch:
    label: str  # "2601.00001v1", or "2601.00001v1+12" for a batch of 13
    papers: tuple[PaperKey, ...]


def versioned(key: PaperKey) -> str:
    return f"{key[0]}v{key[1]}"


def batch_size(papers: int, configured: int = 0) -> int:
    """`configured` papers per batch, or (0) one per batch up to AUTO_BATCHES_PER_STEP papers, then evenly split."""
    if configured > 0:
        return configured
    return max(1, math.ceil(papers / AUTO_BATCHES_PER_STEP))


def make_batches(keys: Sequence[PaperKey], size: int) -> list[PaperBatch]:
    if size < 1:
        raise ValueError("a batch holds at least one paper")
    batches = []
    for start in range(0, len(keys), size):
        chunk = tuple(keys[start : start + size])
        label = versioned(chunk[0]) + (f"+{len(chunk) - 1}" if len(chunk) > 1 else "")
        batches.append(PaperBatch(label, chunk))
    return batches


class BatchFailed(Exception):
    """Some papers of a batch failed their step; the others are done and stored."""

    def __init__(self, step: str, failures: dict[str, BaseException], total: int) -> None:
        self.step = step
        self.failures = failures
        lines = "\n".join(f"- {paper}: {type(exc).__name__}: {_one_line(str(exc))}" for paper, exc in failures.items())
        super().__init__(f"{len(failures)} of {total} papers failed at {step}:\n{lines}")


def _one_line(text: str) -> str:
    return " ".join(text.split())[:500]


def run_batch(step: str, papers: Sequence[PaperKey], work: Callable[[str, int], T]) -> dict[str, T]:
    """Do one step for each paper; a one-paper batch fails exactly as its paper did."""
    results: dict[str, T] = {}
    failures: dict[str, BaseException] = {}
    for arxiv_id, version in papers:
        try:
            results[versioned((arxiv_id, version))] = work(arxiv_id, version)
        except Exception as exc:
            if len(papers) == 1:
                raise
            log.warning("%s failed for %sv%d: %s: %s", step, arxiv_id, version, type(exc).__name__, exc)
            failures[versioned((arxiv_id, version))] = exc
    if failures:
        raise BatchFailed(step, failures, len(papers))
    return results


def failed_papers(message: str) -> list[tuple[str, str]]:
    """(paper, reason) for every paper a BatchFailed message lists; [] for any other message."""
    return [(m.group("paper"), m.group("reason")) for m in _FAILED_PAPER_LINE.finditer(message)]
