"""Per-paper steps over batches of papers: one Prefect task run per (step, batch).

On a small day every batch holds one paper, so each paper's step is its own task run, retried and audited by
itself. On a large day a task run per paper costs Prefect more than the step itself (state changes, events,
the server's bookkeeping on the same cores), so papers are grouped into a bounded number of batches per step.
Inside a batch each paper succeeds or fails on its own: the successes are stored, and the batch's task run
fails with a message that lists every failed paper and why, which `arxiv-digest audit` splits back into one
line per paper.

Batches overlap across the day: downloads run in day order (one at a time, arXiv's politeness), and each batch
goes on to extraction and analysis as soon as its own PDFs are in, while the next batch downloads. A batch's
papers are worked on side by side where a step waits on something that can take several at once (the model's
slots, the extraction processes), so a batch of 10 papers keeps 10 model requests in flight, not one.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from arxiv_digest.ids import ARXIV_ID
from arxiv_digest.operations.progress import paper_step_done
from schemas.records import PaperKey

log = logging.getLogger(__name__)

T = TypeVar("T")

# Automatic sizing: at most this many task runs per step, whatever the size of the day ...
AUTO_BATCHES_PER_STEP = 16
# ... unless PDFs are downloaded politely: then a batch holds what is downloaded in about this many seconds, so
# the first papers reach the model early and the day's last batch (all that is left after the last download)
# is small. At 3 s a PDF that is 10 papers a batch: 40 task runs per step on a 400-paper day, cheap beside 20 min.
POLITE_BATCH_SECONDS = 30.0

_FAILED_PAPER_LINE = re.compile(rf"^- (?P<paper>{ARXIV_ID}v\d+): (?P<reason>.*)$", re.MULTILINE)


@dataclass(frozen=True)
class PaperBatch:
    label: str  # "2601.00001v1", or "2601.00001v1+12" for a batch of 13
    papers: tuple[PaperKey, ...]


def versioned(key: PaperKey) -> str:
    return str(PaperKey(*key))


def batch_size(papers: int, configured: int = 0, download_interval: float = 0.0) -> int:
    """`configured` papers per batch, or (0) one per batch up to AUTO_BATCHES_PER_STEP papers, then evenly split;
    with `download_interval` seconds between PDF requests, at most POLITE_BATCH_SECONDS of downloads a batch."""
    if configured > 0:
        return configured
    size = max(1, math.ceil(papers / AUTO_BATCHES_PER_STEP))
    if download_interval > 0:
        size = min(size, max(1, int(POLITE_BATCH_SECONDS / download_interval)))
    return size


def make_batches(keys: Sequence[PaperKey], size: int, taper: bool = False) -> list[PaperBatch]:
    """Batches of `size` papers in order; `taper`: the last batch split in halving batches (5, 3, 1, 1 for 10),
    so what is left after the day's last download is one paper's reading, not a whole batch's."""
    if size < 1:
        raise ValueError("a batch holds at least one paper")
    sizes = [size] * (len(keys) // size) + ([len(keys) % size] if len(keys) % size else [])
    if taper and sizes and sizes[-1] > 1:
        left, tail = sizes.pop(), []
        while left:
            tail.append(math.ceil(left / 2) if left > 1 else 1)
            left -= tail[-1]
        sizes += tail
    batches, start = [], 0
    for count in sizes:
        chunk = tuple(keys[start : start + count])
        start += count
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


def run_batch(step: str, papers: Sequence[PaperKey], work: Callable[[str, int], T],
              at_once: int = 1) -> dict[str, T]:
    """Do one step for each paper, `at_once` papers side by side; a one-paper batch fails exactly as its paper
    did. Results and failures are listed in the batch's order either way."""
    if len(papers) == 1:
        arxiv_id, version = papers[0]
        try:
            result = work(arxiv_id, version)
        except Exception:
            paper_step_done(step, papers[0], "failed")
            raise
        paper_step_done(step, papers[0], result)
        return {versioned(papers[0]): result}

    def attempt(key: PaperKey) -> T | BaseException:
        try:
            result = work(*key)
        except Exception as exc:
            log.warning("%s failed for %sv%d: %s: %s", step, key[0], key[1], type(exc).__name__, exc)
            paper_step_done(step, key, "failed")
            return exc
        paper_step_done(step, key, result)
        return result

    workers = max(1, min(at_once, len(papers)))
    if workers == 1:
        outcomes = [attempt(key) for key in papers]
    else:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"{step}-paper") as pool:
            outcomes = list(pool.map(attempt, papers))
    results: dict[str, T] = {}
    failures: dict[str, BaseException] = {}
    for key, outcome in zip(papers, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            failures[versioned(key)] = outcome
        else:
            results[versioned(key)] = outcome
    if failures:
        raise BatchFailed(step, failures, len(papers))
    return results


def failed_papers(message: str) -> list[tuple[str, str]]:
    """(paper, reason) for every paper a BatchFailed message lists; [] for any other message."""
    return [(m.group("paper"), m.group("reason")) for m in _FAILED_PAPER_LINE.finditer(message)]
