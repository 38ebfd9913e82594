"""The executive summary against a fake OpenAI-compatible server, with a real DuckDB store."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from fake_llm import FakeLLM, Reply, good_summary

from arxiv_digest.analysis.extractive import EXTRACTIVE_MODEL
from arxiv_digest.analysis.summary import (
    analysis_excerpt,
    summary_attempt_id,
    summary_problems,
    unknown_quoted_names,
)
from arxiv_digest.checks.summary import check_summary
from arxiv_digest.runtime import Runtime, open_store
from arxiv_digest.settings import Settings
from arxiv_digest.steps.summarize import summarize_day, summary_prompt
from arxiv_digest.store import Store
from schemas.records import Analysis, Paper


def summarize(settings: Settings, digest_day: date, category: str) -> int:
    return summarize_day(Runtime(settings), digest_day, category)


DAY = date(2026, 1, 21)
CATEGORY = "cs.CV"
MODEL = "test-model"
TITLES = (
    "Sparse Token Routing for Efficient Video Object Segmentation",
    "Copy-Trasform-Paste: Zero-Shot Object-Object Alignment",
    "LightOnOCR: A 1B End-to-End Multilingual Vision-Language Model",
)
METHOD_CONTENT = """*方法分析由 test-model 根据论文全文节选撰写（…）。*

### 1. 摘要翻译

略。

### 7. 总结

*   **核心思想**：按相关性路由令牌，只在重要区域花计算。
"""


def make_papers() -> list[Paper]:
    moment = datetime(2026, 1, 20, 12, tzinfo=UTC)
    return [
        Paper(f"2601.9900{i}", 1, title, ("A. Author",), ("cs.CV",), "cs.CV", moment, moment,
              f"We propose method number {i} for {title.split(':')[0]}. It improves accuracy by {i}.5%.")
        for i, title in enumerate(TITLES, start=1)
    ]


def fill_day(store: Store, papers: list[Paper], content: str = METHOD_CONTENT) -> None:
    store.upsert_papers(papers)
    store.set_digest_papers(DAY, CATEGORY, papers)
    for paper in papers:
        analysis = Analysis(paper.arxiv_id, paper.version, "method", f"llm:{MODEL}", "zh", content,
                            (paper.abstract.split(". ")[1],), prompt_hash=f"h-{paper.arxiv_id}")
        store.save_analysis(analysis, MODEL)
        store.set_digest_analysis(DAY, CATEGORY, analysis, MODEL)


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    with FakeLLM() as server:
        yield server


def llm_settings(tmp_path: Path, fake: FakeLLM, **overrides: Any) -> Settings:
    return fake.settings(tmp_path, **{"llm_model": MODEL, "llm_cost_per_1k_input_tokens": 1.0, **overrides})


def summary_attempts(store: Store) -> list[dict[str, Any]]:
    frame = store.frame("analysis_attempts")
    rows = [r for r in frame.iter_rows(named=True) if r["arxiv_id"] == summary_attempt_id(DAY, CATEGORY)]
    return sorted(rows, key=lambda r: r["created_at"])


def test_model_summary_is_validated_labelled_stored_and_counted(tmp_path: Path, fake: FakeLLM) -> None:
    settings = llm_settings(tmp_path, fake)
    store = open_store(settings.db_path)
    papers = make_papers()
    fill_day(store, papers)
    since = datetime.now(UTC)

    summarize(settings, DAY, CATEGORY)

    stored = store.summary(DAY, CATEGORY, "zh")
    content, prompt_hash, model = stored.content, stored.fingerprint, stored.model
    assert model == MODEL and prompt_hash.startswith("summary.zh.md@")
    assert stored.labelled().startswith(f"*执行摘要由 {MODEL} 根据当日论文的分析撰写。*")
    assert stored.label not in content, "our label is not part of the model's text"
    assert f"“{TITLES[0]}”" in content
    assert [f for f in check_summary(content, digest_date=DAY, paper_titles=TITLES, language="zh")
            if f.severity == "blocking"] == []
    request = fake.requests[0]
    assert "2026-01-21" in request.system and "2026-01-20" in request.system
    for paper in papers:
        assert f"[{paper.versioned_id}] 标题: {paper.title}" in request.user
    assert "按相关性路由令牌" in request.user, "the analysis' closing part is quoted"
    [row] = summary_attempts(store)
    assert row["status"] == "accepted" and row["cost_usd"] == pytest.approx(1.0)
    assert store.analysis_usage(since)["calls"] == 1


def test_rerun_of_an_unchanged_day_makes_no_call_and_a_changed_analysis_makes_one(tmp_path: Path,
                                                                                  fake: FakeLLM) -> None:
    settings = llm_settings(tmp_path, fake)
    store = open_store(settings.db_path)
    papers = make_papers()
    fill_day(store, papers)
    summarize(settings, DAY, CATEGORY)
    summarize(settings, DAY, CATEGORY)
    assert fake.request_count == 1

    fill_day(store, papers, content=METHOD_CONTENT.replace("核心思想", "主要思想"))
    summarize(settings, DAY, CATEGORY)
    assert fake.request_count == 2


@pytest.mark.parametrize(
    ("bad", "check"),
    [
        ("“Segment Anything” 是本期亮点。" + "本期论文关注高效推理。" * 20, "summary_unknown_paper"),
        ("“Sparse Token Routing for Efficient Video Segmentation” 值得一读。" + "本期论文关注高效推理。" * 20,
         "summary_unknown_paper"),
        ("**执行摘要：2026年1月19日**\n\n" + "本期论文关注高效推理。" * 20, "summary_wrong_date"),
        ("好的。请提供您希望我总结的论文列表。", "summary_refusal"),
        ("Efficient inference is the theme of the day. " * 10, "summary_wrong_language"),
    ],
    ids=["unknown-paper", "paraphrased-title", "wrong-date", "refusal", "english-for-chinese"],
)
def test_invalid_summary_is_rejected_and_retried_with_the_failure_named(
    tmp_path: Path, fake: FakeLLM, bad: str, check: str
) -> None:
    settings = llm_settings(tmp_path, fake)
    store = open_store(settings.db_path)
    fill_day(store, make_papers())
    fake.then(Reply.content(bad))

    summarize(settings, DAY, CATEGORY)

    rows = summary_attempts(store)
    assert [r["status"] for r in rows] == ["rejected", "accepted"]
    assert check in rows[0]["reason"]
    assert check in fake.requests[1].user
    assert store.summary(DAY, CATEGORY, "zh").model == MODEL


def test_two_bad_summaries_fall_back_to_the_labelled_extractive_summary_and_the_rerun_asks_nothing(
        tmp_path: Path) -> None:
    with FakeLLM(responder=lambda request: "请提供论文内容。") as fake:
        settings = llm_settings(tmp_path, fake)
        store = open_store(settings.db_path)
        fill_day(store, make_papers())
        summarize(settings, DAY, CATEGORY)
        stored = store.summary(DAY, CATEGORY, "zh")
        content, model = stored.labelled(), stored.model
        label, body = content.split("\n\n", 1)
        assert model == EXTRACTIVE_MODEL and body.startswith("*抽取式摘要（未使用语言模型）")
        assert "Fallback after the model's answers were rejected (summary_" in label
        assert fake.request_count == 2

        summarize(settings, DAY, CATEGORY)  # the same prompt: its rejection stands
        assert fake.request_count == 2
        assert store.summary(DAY, CATEGORY, "zh").labelled() == content
        assert [r["status"] for r in summary_attempts(store)] == ["rejected", "rejected"]


def test_unreachable_model_falls_back_to_the_extractive_summary(tmp_path: Path, fake: FakeLLM) -> None:
    settings = llm_settings(tmp_path, fake, llm_max_attempts=2)
    store = open_store(settings.db_path)
    fill_day(store, make_papers())
    fake.then(Reply.status(503), Reply.status(503))
    summarize(settings, DAY, CATEGORY)
    assert store.summary(DAY, CATEGORY, "zh").model == EXTRACTIVE_MODEL
    assert [r["status"] for r in summary_attempts(store)] == ["error", "error"]


def test_empty_day_gets_a_one_line_summary_without_a_call(tmp_path: Path, fake: FakeLLM) -> None:
    settings = llm_settings(tmp_path, fake)
    store = open_store(settings.db_path)
    store.set_digest_papers(DAY, CATEGORY, [])
    summarize(settings, DAY, CATEGORY)
    content = store.summary(DAY, CATEGORY, "zh").content
    assert content.count("\n") == 1 and "2026-01-20" in content and "2026-01-21" in content
    assert fake.request_count == 0


def test_english_summary_when_configured(tmp_path: Path, fake: FakeLLM) -> None:
    settings = llm_settings(tmp_path, fake, language="en")
    store = open_store(settings.db_path)
    fill_day(store, make_papers())
    summarize(settings, DAY, CATEGORY)
    stored = store.summary(DAY, CATEGORY, "en")
    content, model = stored.labelled(), stored.model
    assert model == MODEL and content.startswith("*Executive summary written by")
    assert "**Recommended full reads:**" in content


def test_without_a_base_url_the_extractive_summary_is_used(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    store = open_store(settings.db_path)
    fill_day(store, make_papers())
    summarize(settings, DAY, CATEGORY)
    assert store.summary(DAY, CATEGORY, "zh").model == EXTRACTIVE_MODEL


# -- pure parts ----------------------------------------------------------------------------------------------


def test_quoted_names_must_be_exact_titles_parts_of_titles_or_terms_from_the_abstracts() -> None:
    papers = make_papers()
    text = "“LightOnOCR” and “Copy-Trasform-Paste” and “method number 2” but “Segment Anything”."
    assert unknown_quoted_names(text, papers) == ["Segment Anything"]


def test_only_the_digest_date_and_the_submission_date_pass() -> None:
    papers = make_papers()
    ok = "本期（2026-01-21 摘要，2026年1月20日 提交）" + "".join(
        f"第{i}篇论文关注高效推理与稀疏计算。" for i in range(10))
    assert summary_problems(ok, DAY, papers, "zh") == []
    wrong = ok.replace("2026-01-21", "2026-01-22")
    assert any("summary_wrong_date" in p for p in summary_problems(wrong, DAY, papers, "zh"))


def test_analysis_excerpt_prefers_the_closing_summary_part() -> None:
    analysis = Analysis("2601.1", 1, "method", "llm:m", "zh", METHOD_CONTENT)
    assert analysis_excerpt(analysis) == "核心思想：按相关性路由令牌，只在重要区域花计算。"
    assert analysis_excerpt(None) == ""


def test_summary_prompt_of_a_large_day_stays_within_the_budget(tmp_path: Path) -> None:
    moment = datetime(2026, 1, 20, 12, tzinfo=UTC)
    papers = [Paper(f"2601.{i:05d}", 1, f"Paper {i}", ("A",), ("cs.CV",), "cs.CV", moment, moment,
                    "We propose a thing. It improves results by 3%.") for i in range(150)]
    long_analysis = METHOD_CONTENT + "细节。" * 2000
    analyses = {p.versioned_id: Analysis(p.arxiv_id, 1, "method", "llm:m", "zh", long_analysis) for p in papers}
    settings = Settings(data_dir=tmp_path, llm_input_token_budget=12_000)
    prompt = summary_prompt(settings, DAY, CATEGORY, papers, analyses)
    assert prompt.input_tokens <= 12_000
    assert all(f"Paper {i}" in prompt.messages[-1]["content"] for i in range(150))


def test_fake_good_summary_passes_our_validation() -> None:
    from fake_llm import ChatRequest

    settings = Settings(llm_model=MODEL)
    papers = make_papers()
    prompt = summary_prompt(settings, DAY, CATEGORY, papers, {})
    request = ChatRequest("/v1/chat/completions", {}, {"messages": list(prompt.messages)}, 0.0)
    assert summary_problems(good_summary(request), DAY, papers, "zh") == []


def test_offline_themes_do_not_depend_on_the_hash_seed() -> None:
    # Ties of the count used to follow a set's iteration order: two builds of one day named different themes.
    script = (
        "from datetime import UTC, datetime\n"
        "from arxiv_digest.analysis.key_phrases import day_themes\n"
        "from schemas.records import Paper\n"
        "t = datetime(2026, 1, 20, tzinfo=UTC)\n"
        "texts = ['Sparse routing for point clouds with dense video matting.',\n"
        "         'Dense video matting of point clouds, jointly with sparse routing.',\n"
        "         'Sparse routing through calibration of point clouds and dense video matting.']\n"
        "papers = [Paper(f'2601.0000{i}', 1, 'T', ('A',), ('cs.CV',), 'cs.CV', t, t, x) for i, x in enumerate(texts)]\n"
        "print([(t.phrase, t.paper_ids) for t in day_themes(papers, limit=3)])\n"
    )
    seen = set()
    for seed in ("1", "2", "3", "4"):
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": seed})
        seen.add(done.stdout)
    assert len(seen) == 1, seen
    # Three phrases behind all three papers: the tie falls to the phrase's own key, alphabetically.
    assert [phrase for phrase, _ in eval(seen.pop())] == ["dense video matting", "point clouds", "sparse routing"]
