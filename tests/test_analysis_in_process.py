"""The analysis and summary logic in process: a scripted model (no HTTP), the real store, the real validation.

What the model is asked, which answers are accepted, rejected and retried with the failure named, what falls
back and how it is labelled, and that a rerun pays for nothing twice. The HTTP client and its faults are tested
against a real server in test_llm_client.py and test_analyze.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from fake_llm import EN_METHOD, ZH_ABSTRACT, ZH_METHOD, ChatRequest, good_summary
from scripted_model import Asked, ScriptedModel, unreachable
from test_analyze import ABSTRACT, CATEGORY, DAY, MODEL, add_paper, make_paper
from test_summarize import fill_day, make_papers

from arxiv_digest.analysis.analyzer import FALLBACK_ANALYZER
from arxiv_digest.analysis.extractive import EXTRACTIVE_MODEL
from arxiv_digest.analysis.model import ModelConfig
from arxiv_digest.checks.analysis import check_analysis
from arxiv_digest.runtime import Runtime, open_store
from arxiv_digest.settings import Settings
from arxiv_digest.steps.analyze import analyze_paper
from arxiv_digest.steps.summarize import summarize_day
from arxiv_digest.store import Store

REFUSAL = "请提供您希望我分析的论文内容。"


def scripted_day(tmp_path: Path, *script: str | Exception, language: str = "zh") -> tuple[Runtime, ScriptedModel,
                                                                                           Store]:
    settings = Settings(data_dir=tmp_path, llm_base_url="http://127.0.0.1:9/v1", llm_model=MODEL, language=language)
    model = ScriptedModel(ModelConfig.from_settings(settings), list(script))
    return Runtime(settings, chat_model=model), model, open_store(settings.db_path)


def analyse(runtime: Runtime) -> str:
    paper = make_paper()
    return analyze_paper(runtime, paper.arxiv_id, paper.version, DAY, CATEGORY)


def statuses(store: Store, since: datetime) -> list[str]:
    return [call.status for call in store.model_calls(since)]


def test_a_valid_answer_is_stored_labelled_and_a_rerun_asks_nothing(tmp_path: Path) -> None:
    runtime, model, store = scripted_day(tmp_path, ZH_METHOD)
    add_paper(store, make_paper())
    since = datetime.now(UTC)

    assert analyse(runtime) == "method"
    assert analyse(runtime) == "method"

    assert len(model.asked) == 1 and model.asked[0].kind == "method"
    assert "arXiv：2601.99001v1" in model.asked[0].user and "3 Method" in model.asked[0].user
    analysis = store.digest_analyses(DAY, CATEGORY)["2601.99001v1"]
    # The model's text alone in content; our label in its own field, shown above it.
    assert analysis.analyzer == f"llm:{MODEL}" and analysis.content.strip() == ZH_METHOD.strip()
    assert MODEL in analysis.label and analysis.labelled().startswith(analysis.label)
    assert check_analysis("2601.99001v1", analysis.content, abstract=ABSTRACT, paper_urls=set(), language="zh",
                          kind="method") == []
    assert statuses(store, since) == ["accepted"]


def test_a_refusal_is_rejected_and_the_retry_names_the_failure(tmp_path: Path) -> None:
    runtime, model, store = scripted_day(tmp_path, REFUSAL, ZH_METHOD)
    add_paper(store, make_paper())
    since = datetime.now(UTC)

    analyse(runtime)

    assert statuses(store, since) == ["rejected", "accepted"]
    retry = model.asked[1].user
    assert "上一次回答未通过自动检查" in retry and "refusal" in retry
    assert REFUSAL not in store.digest_analyses(DAY, CATEGORY)["2601.99001v1"].content


def test_an_answer_in_the_wrong_language_is_rejected(tmp_path: Path) -> None:
    runtime, _, store = scripted_day(tmp_path, EN_METHOD, ZH_METHOD)
    add_paper(store, make_paper())
    since = datetime.now(UTC)
    analyse(runtime)
    assert statuses(store, since) == ["rejected", "accepted"]


def test_two_refusals_per_prompt_fall_back_to_the_labelled_extractive_analysis_once(tmp_path: Path) -> None:
    runtime, model, store = scripted_day(tmp_path, REFUSAL, REFUSAL, REFUSAL, REFUSAL)
    add_paper(store, make_paper())

    analyse(runtime)
    analyse(runtime)  # the rejected prompts are not sent again

    assert [a.kind for a in model.asked] == ["method", "method", "abstract", "abstract"]
    analysis = store.digest_analyses(DAY, CATEGORY)["2601.99001v1"]
    assert analysis.analyzer == FALLBACK_ANALYZER
    assert "Fallback after the model's answers were rejected" in analysis.label
    assert "Fallback" not in analysis.content
    assert store.step_status("2601.99001", 1, "analyze") == "fallback"


def test_a_paper_without_full_text_gets_the_abstract_prompt(tmp_path: Path) -> None:
    runtime, model, store = scripted_day(tmp_path, ZH_ABSTRACT)
    add_paper(store, make_paper(), sections=None)
    assert analyse(runtime) == "abstract"
    assert [a.kind for a in model.asked] == ["abstract"]


def test_an_unreachable_model_goes_straight_to_the_extractive_analysis(tmp_path: Path) -> None:
    runtime, model, store = scripted_day(tmp_path, unreachable(MODEL))
    add_paper(store, make_paper())
    analyse(runtime)
    assert len(model.asked) == 1, "a second prompt would fail the same way"
    assert store.digest_analyses(DAY, CATEGORY)["2601.99001v1"].analyzer == FALLBACK_ANALYZER


def summary_day(tmp_path: Path, answer: object) -> tuple[Runtime, ScriptedModel, Store]:
    runtime, model, store = scripted_day(tmp_path)
    model.then = answer  # type: ignore[assignment]
    fill_day(store, make_papers())
    return runtime, model, store


def _good_summary(asked: Asked) -> str:
    messages = [{"role": "system", "content": asked.system}, {"role": "user", "content": asked.user}]
    return good_summary(ChatRequest("/v1/chat/completions", {}, {"messages": messages}, 0.0))


def test_the_summary_is_validated_stored_and_a_rerun_asks_nothing(tmp_path: Path) -> None:
    runtime, model, store = summary_day(tmp_path, _good_summary)

    summarize_day(runtime, DAY, CATEGORY)
    summarize_day(runtime, DAY, CATEGORY)

    assert [a.kind for a in model.asked] == ["summary"]
    stored = store.summary(DAY, CATEGORY, "zh")
    assert stored is not None and stored.model == MODEL and stored.fingerprint.startswith("summary.zh.md@")
    assert "2026-01-21" in model.asked[0].system


def test_two_bad_summaries_fall_back_to_the_labelled_extractive_one(tmp_path: Path) -> None:
    runtime, model, store = summary_day(tmp_path, lambda asked: REFUSAL)

    summarize_day(runtime, DAY, CATEGORY)
    summarize_day(runtime, DAY, CATEGORY)  # the same prompt: its rejection stands

    assert len(model.asked) == 2
    assert "上一次回答未通过自动检查" in model.asked[1].user
    stored = store.summary(DAY, CATEGORY, "zh")
    assert stored is not None and stored.model == EXTRACTIVE_MODEL
    assert "Fallback after the model's answers were rejected" in stored.label
    assert stored.content.startswith("*抽取式摘要") and stored.labelled().startswith(stored.label)
