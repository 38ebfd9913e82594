"""Real-style answers (tests/answer_corpus.py) judged by the gate directly and through the analysis and summary
steps with the fake OpenAI-compatible server, streamed and not: every good one published in the canonical style,
no bad one ever shown, no reasoning and no small talk in what is published.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from answer_corpus import CASES, EN_ABSTRACT, ZH_ABSTRACT, Case, gate_problems, seed_cases, seed_gate_problems
from conftest import require_shared
from fake_llm import ChatRequest, FakeLLM, Reply
from test_analyze import MODEL, add_paper, chosen, make_paper, one_paper_day, run
from test_summarize import CATEGORY, DAY, fill_day, make_papers

from arxiv_digest.analysis.analyzer import FALLBACK_ANALYZER
from arxiv_digest.analysis.extractive import EXTRACTIVE_MODEL
from arxiv_digest.publish.markdown import entry_analysis
from arxiv_digest.runtime import Runtime, open_store
from arxiv_digest.steps.summarize import summarize_day

GOOD = [c for c in CASES if c.publish]
BAD = [c for c in CASES if not c.publish]
SMALL_TALK = re.compile(r"^(?:好的|Sure|Here|当然)|希望.{0,20}(?:帮助|洞察|参考)|Let me know|I hope this helps")


def test_the_corpus_is_large_and_mixed_enough() -> None:
    kinds = {(c.kind, c.language, c.publish) for c in CASES}
    assert len(CASES) >= 60 and len(GOOD) >= 30 and len(BAD) >= 20
    every = {(k, lang, v) for k in ("method", "abstract", "summary") for lang in ("zh", "en") for v in (True, False)}
    assert every <= kinds


def assert_publishable_shape(case: Case, text: str) -> None:
    """What a reader sees: no reasoning, no opening or closing small talk, the canonical headings."""
    assert "<think>" not in text and "</think>" not in text and "Okay, the user" not in text
    assert not SMALL_TALK.search(text.strip().splitlines()[0]), text[:80]
    assert not SMALL_TALK.search(text.strip().splitlines()[-1]), text[-80:]
    assert not text.lstrip().startswith("```")
    if case.kind == "method":
        assert re.match(r"^### 1\. (?:摘要翻译|Abstract)$", text.splitlines()[0])
    elif case.kind == "abstract":
        assert re.match(r"^\*\*1\. ", text.splitlines()[0])


@pytest.mark.parametrize("case", GOOD, ids=lambda c: c.name)
def test_a_good_answer_passes_the_gate_in_the_canonical_style(case: Case) -> None:
    text, problems = gate_problems(case)
    assert problems == []
    assert_publishable_shape(case, text)


@pytest.mark.parametrize("case", BAD, ids=lambda c: c.name)
def test_a_bad_answer_is_stopped_by_the_gate(case: Case) -> None:
    _, problems = gate_problems(case)
    assert problems, case.name


def test_the_seed_digest_s_real_answers_get_their_verdicts() -> None:
    seed_text = require_shared("seed", "000_830de6816814581d.txt").read_text(encoding="utf-8")
    for seed in seed_cases(seed_text):
        text, problems = seed_gate_problems(seed, seed_text)
        assert (not problems) == seed.case.publish, (seed.case.name, problems)
        if seed.case.publish:
            assert not text.startswith("好的") and "希望这份摘要" not in text


# -- through the analysis step and the fake server -------------------------------------------------------------


def _responder(case: Case) -> Callable[[ChatRequest], str]:
    """The case's answer to its own prompt (and again to the retry); a good abstract answer to the abstract prompt
    after a method case, as a model that refuses the full text and answers the abstract does."""
    def answer(request: ChatRequest) -> str:
        if request.prompt_kind == case.kind:
            return case.text
        return ZH_ABSTRACT if request.language == "zh" else EN_ABSTRACT
    return answer


def alternating(cases: list[Case]) -> list[tuple[Case, bool]]:
    """Each case once, streamed and plain in turn (the machine is shared: every case twice would double the
    time); the think, loop and cut cases, whose handling differs between the two, both ways."""
    both = re.compile(r"think|loop|cut")
    pairs = [(case, i % 2 == 1) for i, case in enumerate(cases)]
    return pairs + [(case, i % 2 == 0) for i, case in enumerate(cases) if both.search(case.name)]


ANALYSES = alternating([c for c in CASES if c.kind != "summary"])


@pytest.mark.parametrize(("case", "stream"), ANALYSES,
                         ids=[f"{c.name}-{'streamed' if s else 'plain'}" for c, s in ANALYSES])
def test_through_the_analysis_step_only_good_answers_are_published(tmp_path: Path, case: Case, stream: bool) -> None:
    with FakeLLM(responder=_responder(case)) as fake:
        settings = fake.settings(tmp_path, llm_model=MODEL, language=case.language, llm_stream=stream)
        store = open_store(settings.db_path)
        paper = make_paper()
        if case.kind == "abstract":
            add_paper(store, paper, sections=None)  # no full text: the abstract prompt is the one asked
        else:
            add_paper(store, paper)
        run(settings, paper)
        analysis = chosen(store, paper)
        shown = entry_analysis(paper.versioned_id, {paper.versioned_id: analysis}, {}).text
    expected_text, _ = gate_problems(case)
    if case.publish:
        assert analysis.analyzer == f"llm:{MODEL}" and analysis.kind == case.kind
        assert analysis.content.strip() == expected_text.strip()
        assert_publishable_shape(case, analysis.content)
    else:
        assert not expected_text.strip() or expected_text.strip() not in analysis.content
        if case.kind == "method":
            # The best valid answer: the model's abstract analysis, labelled with why the full analysis failed.
            assert analysis.kind == "abstract" and analysis.analyzer == f"llm:{MODEL}"
            assert re.search(r"analysis_[a-z_]+|answer_empty", analysis.label), analysis.label
        else:
            assert analysis.analyzer == FALLBACK_ANALYZER
    assert "<think>" not in shown and "用户让我" not in shown and "Okay, the user" not in shown


SUMMARIES = alternating([c for c in CASES if c.kind == "summary"])


@pytest.mark.parametrize(("case", "stream"), SUMMARIES,
                         ids=[f"{c.name}-{'streamed' if s else 'plain'}" for c, s in SUMMARIES])
def test_through_the_summary_step_only_good_summaries_are_published(tmp_path: Path, case: Case,
                                                                    stream: bool) -> None:
    with FakeLLM(responder=lambda request: case.text) as fake:
        settings = fake.settings(tmp_path, llm_model=MODEL, language=case.language, llm_stream=stream)
        store = open_store(settings.db_path)
        fill_day(store, make_papers())
        summarize_day(Runtime(settings), DAY, CATEGORY)
        stored = store.summary(DAY, CATEGORY, case.language)
    assert stored is not None
    if case.publish:
        assert stored.model == MODEL and stored.content.strip() == gate_problems(case)[0].strip()
        assert not SMALL_TALK.search(stored.content.splitlines()[0]) and "<think>" not in stored.labelled()
    else:
        assert stored.model == EXTRACTIVE_MODEL and "Fallback" in stored.label


# -- reasoning sent apart, streams that just end ---------------------------------------------------------------


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
def test_reasoning_fields_are_counted_and_never_published(tmp_path: Path, field: str, stream: bool) -> None:
    good = next(c for c in CASES if c.name == "zh-qwen-h3")
    thinking = "Okay, the user wants a seven-part analysis. Let me think about STR. " * 40
    with FakeLLM() as fake:
        fake.then(Reply.content(good.text, reasoning=thinking, reasoning_field=field))
        settings, store, paper = one_paper_day(tmp_path, fake, llm_stream=stream)
        run(settings, paper)
        analysis = chosen(store, paper)
        [call] = store.model_calls(datetime(2000, 1, 1, tzinfo=UTC))
    assert analysis.analyzer == f"llm:{MODEL}" and "Okay, the user" not in analysis.labelled()
    assert call.reasoning_tokens > 100, "the reasoning is counted in the run's model report"


def test_thinking_off_is_sent_only_when_configured(tmp_path: Path) -> None:
    with FakeLLM() as fake:
        settings, _, paper = one_paper_day(tmp_path, fake, llm_thinking_off=True)
        run(settings, paper)
        assert fake.requests[0].body["chat_template_kwargs"] == {"enable_thinking": False}
    with FakeLLM() as fake:
        settings, _store, paper = one_paper_day(tmp_path / "off", fake)
        run(settings, paper)
        assert "chat_template_kwargs" not in fake.requests[0].body


def test_a_stream_that_ends_without_a_finish_chunk_mid_sentence_is_not_published(tmp_path: Path) -> None:
    good = next(c for c in CASES if c.name == "zh-qwen-h3")
    cut = good.text[: good.text.index("分支计算；") + 3]
    with FakeLLM() as fake:
        fake.then(Reply.content(cut, finish_chunk=False), Reply.content(cut, finish_chunk=False))
        settings, store, paper = one_paper_day(tmp_path, fake, llm_stream=True)
        run(settings, paper)
        analysis = chosen(store, paper)
    assert analysis.kind == "abstract" and cut not in analysis.content
    assert "analysis_truncated" in analysis.label


# -- reruns are free --------------------------------------------------------------------------------------------


def test_no_preflight_when_every_paper_stands_rejected_and_a_summary_rerun_sends_nothing(tmp_path: Path) -> None:
    from arxiv_digest.steps.analyze import model_preflight

    with FakeLLM(responder=lambda request: "请提供您希望我分析的论文内容。") as fake:
        settings, store, paper = one_paper_day(tmp_path, fake)
        run(settings, paper)  # four rejected answers, then the extractive fallback
        sent, probed = fake.request_count, len(fake.probes)
        assert model_preflight(Runtime(settings), [(paper.arxiv_id, paper.version)], DAY, CATEGORY) is None
        assert (fake.request_count, len(fake.probes)) == (sent, probed), "no call of any kind"
    with FakeLLM() as fake:
        settings = fake.settings(tmp_path / "summary", llm_model=MODEL)
        store = open_store(settings.db_path)
        fill_day(store, make_papers())
        summarize_day(Runtime(settings), DAY, CATEGORY)
        sent, probed = fake.request_count, len(fake.probes)
        summarize_day(Runtime(settings), DAY, CATEGORY)
        assert (fake.request_count, len(fake.probes)) == (sent, probed), "not even the window is asked again"


def test_the_fallback_label_names_why_each_prompt_failed_and_quotes_none(tmp_path: Path) -> None:
    refusal = "请提供您希望我分析的论文内容。"

    def answer(request: ChatRequest) -> str:
        return refusal if request.prompt_kind == "method" else EN_ABSTRACT  # English to a Chinese prompt

    with FakeLLM(responder=answer) as fake:
        settings, store, paper = one_paper_day(tmp_path, fake)
        run(settings, paper)
        analysis = chosen(store, paper)
    assert analysis.analyzer == FALLBACK_ANALYZER
    assert "analysis_refusal (method)" in analysis.label and "analysis_wrong_language (abstract)" in analysis.label
    assert refusal not in analysis.labelled()


@pytest.mark.parametrize("name", ["zh-traditional", "en-think"])
def test_a_normalised_answer_passes_the_day_s_quality_gate_unchanged(tmp_path: Path, name: str) -> None:
    from arxiv_digest.steps.quality import run_quality_gate

    case = next(c for c in CASES if c.name == name)
    with FakeLLM(responder=_responder(case)) as fake:
        settings = fake.settings(tmp_path, llm_model=MODEL, language=case.language, quality_docs=False)
        store = open_store(settings.db_path)
        paper = make_paper()
        add_paper(store, paper)
        run(settings, paper)
        before = chosen(store, paper)
        counts = run_quality_gate(Runtime(settings), DAY, CATEGORY)
        after = chosen(store, paper)
    assert counts["failed_blocking"] == 0 and counts["withheld"] == 0
    assert after.analyzer == f"llm:{MODEL}" and after.content == before.content
