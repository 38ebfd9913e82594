"""Per-paper steps over batches: sizing, labels, per-paper failures, and what the audit reads back."""

from __future__ import annotations

import pytest

from arxiv_digest.errors import HttpGiveUp, PdfDownloadError
from arxiv_digest.operations.batches import (
    AUTO_BATCHES_PER_STEP,
    BatchFailed,
    batch_size,
    failed_papers,
    make_batches,
    run_batch,
)
from tasks.download import _worth_retrying


def keys(n: int) -> list[tuple[str, int]]:
    return [(f"2601.{10000 + i}", 1) for i in range(n)]


@pytest.mark.parametrize(("papers", "configured", "size"), [
    (1, 0, 1), (AUTO_BATCHES_PER_STEP, 0, 1), (AUTO_BATCHES_PER_STEP + 1, 0, 2), (200, 0, 13), (200, 5, 5),
    (0, 0, 1),
])
def test_batch_size_is_one_on_small_days_and_bounds_task_runs_on_large_ones(
    papers: int, configured: int, size: int
) -> None:
    assert batch_size(papers, configured) == size
    if papers and not configured:
        assert len(make_batches(keys(papers), size)) <= AUTO_BATCHES_PER_STEP


def test_batches_cover_every_paper_once_in_order_with_readable_labels() -> None:
    batches = make_batches(keys(5), 2)
    assert [b.label for b in batches] == ["2601.10000v1+1", "2601.10002v1+1", "2601.10004v1"]
    assert [k for b in batches for k in b.papers] == keys(5)
    with pytest.raises(ValueError):
        make_batches(keys(2), 0)


def test_a_one_paper_batch_fails_exactly_as_its_paper() -> None:
    def boom(arxiv_id: str, version: int) -> str:
        raise PdfDownloadError("HTTP 404")

    with pytest.raises(PdfDownloadError, match="HTTP 404"):
        run_batch("download", keys(1), boom)


def test_in_a_batch_every_paper_runs_and_the_failures_are_listed_per_paper() -> None:
    seen: list[str] = []

    def work(arxiv_id: str, version: int) -> str:
        seen.append(arxiv_id)
        if arxiv_id in {"2601.10001", "2601.10003"}:
            raise PdfDownloadError(f"{arxiv_id} answered HTTP 404;\nthe PDF may not exist yet")
        return "downloaded"

    with pytest.raises(BatchFailed) as caught:
        run_batch("download", keys(4), work)
    assert seen == [k for k, _ in keys(4)], "a failure does not stop the rest of the batch"
    assert set(caught.value.failures) == {"2601.10001v1", "2601.10003v1"}
    message = str(caught.value)
    assert message.startswith("2 of 4 papers failed at download")
    # What Prefect stores as the state message is what the audit parses back.
    state_message = f"Task run encountered an exception BatchFailed: {message}"
    assert failed_papers(state_message) == [
        ("2601.10001v1", "PdfDownloadError: 2601.10001 answered HTTP 404; the PDF may not exist yet"),
        ("2601.10003v1", "PdfDownloadError: 2601.10003 answered HTTP 404; the PDF may not exist yet"),
    ]
    assert failed_papers("Task run encountered an exception PdfDownloadError: HTTP 404") == []
    assert run_batch("download", keys(2), lambda a, v: a) == {"2601.10000v1": "2601.10000",
                                                               "2601.10001v1": "2601.10001"}


class _State:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc

    def result(self, raise_on_failure: bool = True) -> None:
        raise self.exc


def test_a_batch_download_is_retried_only_for_transient_trouble() -> None:
    transient = BatchFailed(
        "download", {"2601.1v1": HttpGiveUp("u", "unreachable", 5), "2601.2v1": PdfDownloadError("x")}, 3
    )
    final = BatchFailed("download", {"2601.2v1": PdfDownloadError("HTTP 404")}, 3)
    assert _worth_retrying(None, None, _State(transient)) is True
    assert _worth_retrying(None, None, _State(final)) is False
    assert _worth_retrying(None, None, _State(HttpGiveUp("u", "x", 5))) is True
    assert _worth_retrying(None, None, _State(PdfDownloadError("x"))) is False


def test_papers_of_a_batch_wait_side_by_side_and_results_keep_the_batch_order() -> None:
    import threading
    import time

    running, most = 0, 0
    lock = threading.Lock()

    def slow(arxiv_id: str, version: int) -> str:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.2)
        with lock:
            running -= 1
        if arxiv_id == "2601.10002":
            raise PdfDownloadError("HTTP 404")
        return arxiv_id

    with pytest.raises(BatchFailed) as caught:
        run_batch("analyze", keys(6), slow, at_once=3)
    assert most == 3, "three papers in flight at once, never more"
    assert list(caught.value.failures) == ["2601.10002v1"]
    assert list(run_batch("analyze", keys(4), lambda a, v: a, at_once=4)) == [f"2601.1000{i}v1" for i in range(4)]


def test_polite_downloads_make_small_batches_so_the_model_starts_early() -> None:
    assert batch_size(200, 0, download_interval=3.0) == 10  # 30 s of downloads a batch, not 13 papers' 39 s
    assert batch_size(400, 0, download_interval=3.0) == 10
    assert batch_size(12, 0, download_interval=3.0) == 1
    assert batch_size(200, 0, download_interval=0.0) == 13  # no politeness: Prefect's cost bounds the batches
    assert batch_size(200, 25, download_interval=3.0) == 25  # a configured size wins


def test_a_polite_day_ends_in_small_batches_so_little_is_left_after_the_last_download() -> None:
    sizes = [len(b.papers) for b in make_batches(keys(23), 10, taper=True)]
    assert sizes == [10, 10, 2, 1]  # the last batch (23 % 10 = 3 papers) halving
    sizes = [len(b.papers) for b in make_batches(keys(20), 10, taper=True)]
    assert sizes == [10, 5, 3, 1, 1]
    assert [k for b in make_batches(keys(23), 10, taper=True) for k in b.papers] == keys(23)
    assert [len(b.papers) for b in make_batches(keys(3), 1, taper=True)] == [1, 1, 1]
