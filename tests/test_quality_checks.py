"""Pure quality checks: refusals, analysis structure/language/length/truncation, URL grounding, key findings,
summary names and dates. Each check fails on a crafted bad case and passes on a good one."""

from __future__ import annotations

import os

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

from datetime import date

import pytest

from arxiv_digest.checks.analysis import check_analysis, check_key_findings
from arxiv_digest.checks.findings import (
    ANALYSIS_EMPTY,
    ANALYSIS_MISSING_HEADINGS,
    ANALYSIS_REFUSAL,
    ANALYSIS_TOO_SHORT,
    ANALYSIS_TRUNCATED,
    ANALYSIS_UNAVAILABLE,
    ANALYSIS_UNGROUNDED_URL,
    ANALYSIS_WRONG_LANGUAGE,
    BLOCKING,
    KEY_FINDING_NOT_IN_ABSTRACT,
    SUMMARY_EMPTY,
    SUMMARY_REFUSAL,
    SUMMARY_UNKNOWN_PAPER,
    SUMMARY_WRONG_DATE,
    WARNING,
)
from arxiv_digest.checks.language import cjk_ratio
from arxiv_digest.checks.links import extract_urls, url_grounded
from arxiv_digest.checks.refusals import is_refusal
from arxiv_digest.checks.structure import infer_kind
from arxiv_digest.checks.summary import check_summary, dates_in_text
from arxiv_digest.checks.truncation import truncation
from arxiv_digest.urls import url_key

PID = "2601.00001v1"
ABSTRACT = (
    "We present HUVR, a hyper-network for implicit neural representation. It unifies recognition and "
    "generation. Experiments show state-of-the-art results on ImageNet. The code is available at "
    "https://github.com/tiktok/huvr."
)

GOOD_ZH_METHOD = """好的，我将深入分析这篇论文的方法部分。

## 论文方法分析与总结

### 1. 摘要翻译

本文提出HUVR，一种用于隐式神经表示的超网络，统一了识别与生成两类任务，代码见 https://github.com/tiktok/huvr 。

### 2. 方法动机分析

现有的图像表示学习模型要么面向识别，要么面向生成，二者割裂；作者希望用一个模型同时服务两类任务。

### 3. 方法设计详解

*   **超网络**：Transformer 编码图像，输出 INR 网络的权重，用于快速、准确的重构。
*   **知识蒸馏**：引入教师模型的语义特征，提升泛化能力与下游性能。

### 4. 方法对比分析

与对比学习方法相比，HUVR 同时保留了像素级信息；与自编码器相比，它的嵌入更具语义。

### 5. 实验分析

在 ImageNet 分类与重构任务上达到与最先进方法相当的结果，压缩后的微小嵌入依然表现出色。

### 6. 实用指南

训练需要较大的显存；作者公开了代码，复现时应注意蒸馏教师的选择与超参数设置。

### 7. 总结

*   **核心思想**：INR 超网络加知识蒸馏，实现统一的视觉表示。
"""

GOOD_EN_METHOD = """### 1. Abstract summary

The paper presents HUVR, a hyper-network that maps an image to the weights of an implicit neural representation,
so that a single encoder serves both recognition and generation.

### 2. Motivation

Representation learners are built either for recognition (contrastive learning) or for generation (reconstruction
losses); the authors want one model whose embeddings are useful for both.

### 3. Method design

A transformer encodes the image into tokens; a head turns global and local tokens into INR weights, and a
distillation loss aligns the tokens with a semantic teacher.

### 4. Comparison

Compared with contrastive encoders it keeps pixel detail; compared with autoencoders its embeddings are semantic.

### 5. Experiments

On ImageNet it is competitive with state-of-the-art encoders while also reconstructing images well.

### 6. Practical guide

The code is released at https://github.com/tiktok/huvr; training needs a strong teacher and large GPUs.

### 7. Summary

One hyper-network, two uses: recognition and generation from the same compact embedding.
"""

GOOD_ZH_ABSTRACT = """作为一名计算机视觉专家，我将根据您提供的论文摘要进行分析。

**1. 论文的主要贡献（2-3句话的简洁总结）**

该论文提出 HUVR，一个隐式神经表示超网络，使同一个模型的表示同时适用于识别和生成任务，并学到高度压缩的嵌入。

**2. 关键创新或方法论**

将图像映射为 INR 网络权重，并结合知识蒸馏提升语义性，这是把识别与生成统一起来的关键设计。

**3. 对该领域的潜在影响**

统一的视觉编码器可以减少为不同任务分别训练模型的成本，可能改变表示学习的研究范式。

**4. 可能受益的相关领域或应用**

图像检索、压缩、生成式编辑以及需要同时理解与重构图像的多模态系统都可能受益。

**5. 从摘要中可以推断出的局限性**

摘要没有给出训练成本，蒸馏教师的选择可能影响结果，生成质量与专用生成模型相比仍需验证。
"""


# -- refusals -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "好的，我将以AI领域高水平研究生的视角深入分析。请提供您希望我分析的论文内容。",
        "请提供论文的PDF文件，我将为您进行详细的解读。",
        "请您先上传论文全文，我再按照框架进行分析。",
        "一旦您提供论文全文后，我将立即开始分析。",
        "您似乎没有提供论文的具体内容，因此无法分析。",
        "抱歉，我无法访问该链接。",
        "很抱歉，目前我不能读取PDF文件。",
        "作为一个AI语言模型，我无法打开附件。",
        "我无法访问互联网上的论文。",
        "Sure! I will analyze the paper following your framework. Please provide the paper text so I can begin.",
        "I'm sorry, but I can't help with that without the document.",
        "As an AI language model, I cannot browse the internet.",
        "Could you share the text of the method section?",
        "I don't have access to the full text of this paper.",
        "I cannot access the PDF you mentioned.",
        "To proceed, I would need the full text of the paper.",
        "You haven't provided the paper yet.",
        "Once you share the paper, I'll analyze it following the seven parts.",
    ],
)
def test_refusals_in_many_wordings_are_detected(text: str) -> None:
    reason = is_refusal(text)
    assert reason is not None
    assert '"' in reason  # the reason quotes the offending sentence


@pytest.mark.parametrize(
    "text",
    [
        "The authors provide code on GitHub. We provide a thorough analysis of the design.",
        "The paper provides a unified perspective; please note that the results depend on the data.",
        "根据您提供的论文摘要，我将进行深入分析。该方法提供了新的思路。",
        "论文没有提供代码链接，作者未提供消融实验。",
        "希望这份摘要能为您提供有价值的洞察！",
        "The model cannot access future frames, so the design is causal.",
        "Please refer to Table 3 for the full comparison.",
        "If you provide more compute, the method keeps scaling.",
        "I do not see a clear ablation of the distillation loss.",
        GOOD_ZH_METHOD,
        GOOD_EN_METHOD,
        GOOD_ZH_ABSTRACT,
    ],
)
def test_normal_sentences_with_provide_or_cannot_are_not_refusals(text: str) -> None:
    assert is_refusal(text) is None


def test_inability_caveat_inside_a_real_analysis_is_not_a_refusal() -> None:
    caveat = "由于我无法访问论文全文，以下分析仅基于摘要。\n\n" + GOOD_ZH_ABSTRACT
    assert is_refusal(caveat) is None
    assert is_refusal("由于我无法访问论文全文，无法给出分析。") is not None


def test_promise_then_request_in_a_long_template_is_still_a_refusal() -> None:
    text = GOOD_ZH_METHOD + "\n以上为框架示例。请提供您希望我分析的论文内容，我将填写具体细节。"
    assert is_refusal(text) is not None


# -- analysis --------------------------------------------------------------------------------------------------


def test_good_analyses_pass_every_check() -> None:
    assert check_analysis(PID, GOOD_ZH_METHOD, abstract=ABSTRACT, paper_urls=None, language="zh", kind=None) == []
    assert check_analysis(PID, GOOD_EN_METHOD, abstract=ABSTRACT, paper_urls=None, language="en", kind="method") == []
    assert check_analysis(PID, GOOD_ZH_ABSTRACT, abstract=ABSTRACT, paper_urls=None, language="zh") == []


def test_empty_analysis_is_blocking() -> None:
    findings = check_analysis(PID, "  \n ", abstract=ABSTRACT, language="zh")
    assert [(f.check, f.severity) for f in findings] == [(ANALYSIS_EMPTY, BLOCKING)]


def test_refusal_is_reported_alone_not_as_short_and_headless() -> None:
    findings = check_analysis(PID, "请提供您希望我分析的论文内容。", abstract=ABSTRACT, language="zh")
    assert [f.check for f in findings] == [ANALYSIS_REFUSAL]
    assert findings[0].paper_id == PID


def test_short_analysis_is_blocking() -> None:
    text = "### 1. 摘要翻译\n本文提出新方法。\n### 2. 方法动机分析\n动机明确。\n### 3. 方法设计详解\n设计简单。"
    findings = check_analysis(PID, text, abstract=ABSTRACT, language="zh", kind="method")
    checks = {f.check for f in findings}
    assert ANALYSIS_TOO_SHORT in checks
    assert ANALYSIS_MISSING_HEADINGS in checks


def test_missing_headings_are_named() -> None:
    text = GOOD_ZH_METHOD.replace("### 6. 实用指南", "### 6. 其他").replace("### 4. 方法对比分析", "### 4. 其他")
    findings = check_analysis(PID, text, abstract=ABSTRACT, language="zh")
    missing = [f for f in findings if f.check == ANALYSIS_MISSING_HEADINGS]
    assert len(missing) == 1 and "方法对比分析" in missing[0].detail and "实用指南" in missing[0].detail


def test_unstructured_analysis_is_missing_headings() -> None:
    text = "".join(f"这篇论文研究了第{i}种视觉表示学习方法。" for i in range(30))
    findings = check_analysis(PID, text, abstract=ABSTRACT, language="zh")
    assert [f.check for f in findings] == [ANALYSIS_MISSING_HEADINGS]


def test_kind_is_inferred_from_the_text() -> None:
    assert infer_kind(GOOD_ZH_METHOD, "zh") == "method"
    assert infer_kind(GOOD_ZH_ABSTRACT, "zh") == "abstract"
    assert infer_kind(GOOD_EN_METHOD, "en") == "method"
    assert infer_kind("> Analysis withheld: it failed the quality checks", "zh") == "withheld"
    assert infer_kind("随便写几句。", "zh") is None


def test_english_analysis_for_a_chinese_digest_is_wrong_language() -> None:
    findings = check_analysis(PID, GOOD_EN_METHOD, abstract=ABSTRACT, language="zh", kind="method")
    wrong = [f for f in findings if f.check == ANALYSIS_WRONG_LANGUAGE]
    assert wrong and wrong[0].severity == BLOCKING


def test_chinese_analysis_for_an_english_digest_is_wrong_language() -> None:
    findings = check_analysis(PID, GOOD_ZH_METHOD, abstract=ABSTRACT, language="en", kind="method")
    assert ANALYSIS_WRONG_LANGUAGE in {f.check for f in findings}


def test_cjk_ratio_ignores_code_urls_and_quoted_abstract() -> None:
    assert cjk_ratio("中文内容\n```\nsome long english code here\n```\nhttps://example.com/abcdefgh") == 1.0
    assert cjk_ratio("> An English quote of the abstract\n\n中文分析") == 1.0
    assert cjk_ratio("only english") == 0.0


def test_extractive_analysis_quoting_the_paper_is_not_wrong_language() -> None:
    text = (
        "*抽取式分析（未使用语言模型）：以下各部分均为论文原句摘录，未经翻译或改写。 "
        "Extractive analysis (no language model): every line below is quoted from the paper.*\n\n"
        + GOOD_EN_METHOD.replace("Abstract summary", "摘要翻译").replace("Motivation", "方法动机分析")
        .replace("Method design", "方法设计详解").replace("Comparison", "方法对比分析")
        .replace("Experiments", "实验分析").replace("Practical guide", "实用指南").replace("7. Summary", "7. 总结")
    )
    assert check_analysis(PID, text, abstract=ABSTRACT, language="zh") == []


def test_withheld_notice_is_valid_and_unavailable_notice_is_a_warning() -> None:
    assert check_analysis(PID, "> Analysis withheld: it failed the quality checks: refusal", abstract=ABSTRACT,
                          language="zh") == []
    unavailable = check_analysis(PID, "> Analysis unavailable: the analysis step failed (timeout)",
                                 abstract=ABSTRACT, language="en")
    assert [(f.check, f.severity) for f in unavailable] == [(ANALYSIS_UNAVAILABLE, WARNING)]


@pytest.mark.parametrize(
    "tail",
    [
        "\n```python\nx = 1\n",  # a code block never closed
        "\n### 8. 附录\n",  # a heading with no body
        "\n作者在 ImageNet 上进行了，",  # a dangling comma
        "\n*   **核心思想",  # bold opened and never closed
    ],
)
def test_truncated_endings_are_blocking(tail: str) -> None:
    cut = truncation(GOOD_ZH_METHOD + tail)
    assert cut is not None and cut[0] == BLOCKING
    findings = check_analysis(PID, GOOD_ZH_METHOD + tail, abstract=ABSTRACT, language="zh")
    assert (ANALYSIS_TRUNCATED, BLOCKING) in {(f.check, f.severity) for f in findings}


def test_a_list_item_without_a_period_is_not_truncation() -> None:
    assert truncation(GOOD_ZH_METHOD + "\n*   **核心思想**：INR 超网络") is None


def test_emphasised_closing_sentence_is_not_a_cut_heading() -> None:
    assert truncation(GOOD_ZH_METHOD + "\n**总之，该方法前景广阔。**") is None
    assert truncation(GOOD_ZH_METHOD + "\n**8. 附录：**") is not None


def test_prose_without_closing_punctuation_after_punctuated_lines_is_cut() -> None:
    cut = truncation(GOOD_ZH_METHOD + "\n总体而言这篇论文的方法设计")
    assert cut is not None and cut[0] == BLOCKING
    assert truncation(GOOD_ZH_METHOD + "\n*   **速记版流程**：编码令牌；路由打分；分支计算；融合") is not None


def test_prose_without_closing_punctuation_is_a_warning_when_the_answer_rarely_punctuates() -> None:
    cut = truncation("### 1. 摘要翻译\n\n总体而言这篇论文的方法设计")
    assert cut is not None and cut[0] == WARNING
    assert truncation(GOOD_ZH_METHOD + "\n\n---\n") is None


# -- URLs ------------------------------------------------------------------------------------------------------


def test_urls_are_extracted_from_links_and_text_and_normalized() -> None:
    text = "代码见[此链接](https://github.com/FacebookResearch/DINOv3.git)，项目页 http://www.example.org/p/。"
    assert extract_urls(text) == ["https://github.com/FacebookResearch/DINOv3.git", "http://www.example.org/p/"]
    assert url_key("http://GitHub.com/Tiktok/HUVR.git/") == "https://github.com/tiktok/huvr"
    assert url_key("https://github.com/tiktok/huvr).") == "https://github.com/tiktok/huvr"


def test_url_grounding_accepts_the_same_repository_and_rejects_another() -> None:
    ground = ["https://github.com/tiktok/huvr."]
    assert url_grounded("http://github.com/TikTok/huvr/tree/main/configs", ground)
    assert url_grounded("https://github.com/tiktok/huvr.git", ground)
    assert not url_grounded("https://github.com/facebookresearch/dinov3", ground)
    assert not url_grounded("https://github.com/tiktok/other", ground)


def test_invented_github_link_is_blocking_even_without_pdf_links() -> None:
    text = GOOD_ZH_METHOD.replace("https://github.com/tiktok/huvr", "[此链接](https://github.com/facebookresearch/dinov3)")
    findings = check_analysis(PID, text, abstract=ABSTRACT, paper_urls=None, language="zh")
    assert [(f.check, f.severity) for f in findings] == [(ANALYSIS_UNGROUNDED_URL, BLOCKING)]
    assert "github.com/facebookresearch/dinov3" in findings[0].detail


def test_other_unknown_link_is_warning_from_the_abstract_alone_and_blocking_with_pdf_links() -> None:
    text = GOOD_ZH_METHOD + "\n数据集主页：https://data.example.org/set 。"
    only_abstract = check_analysis(PID, text, abstract=ABSTRACT, paper_urls=None, language="zh")
    assert [(f.check, f.severity) for f in only_abstract] == [(ANALYSIS_UNGROUNDED_URL, WARNING)]
    with_pdf = check_analysis(PID, text, abstract=ABSTRACT, paper_urls={"https://github.com/tiktok/huvr"},
                              language="zh")
    assert [(f.check, f.severity) for f in with_pdf] == [(ANALYSIS_UNGROUNDED_URL, BLOCKING)]
    grounded = check_analysis(PID, text, abstract=ABSTRACT, paper_urls={"https://data.example.org/set"},
                              language="zh")
    assert grounded == []


def test_a_link_to_the_papers_own_arxiv_page_is_grounded() -> None:
    text = GOOD_ZH_METHOD + "\n原文：https://arxiv.org/abs/2601.00001 。"
    assert check_analysis(PID, text, abstract=ABSTRACT, language="zh") == []


# -- key findings ----------------------------------------------------------------------------------------------


def test_key_findings_must_be_sentences_of_the_abstract() -> None:
    good = ["It unifies recognition and  generation.", "Experiments show state-of-the-art results on ImageNet."]
    assert check_key_findings(PID, good, ABSTRACT) == []
    bad = check_key_findings(PID, ["It beats every model by 20 points on COCO."], ABSTRACT)
    assert [(f.check, f.severity) for f in bad] == [(KEY_FINDING_NOT_IN_ABSTRACT, BLOCKING)]
    assert check_key_findings(PID, ["We"], ABSTRACT)  # a fragment is not a sentence


def test_key_findings_tolerate_escaping_quotes_and_publisher_notes() -> None:
    abstract = "We present \\textbf{X}, a “fast” model. It runs 9$\\times$ faster."
    escaped = ["We present \\\\textbf\\{X\\}, a \"fast\" model.", "It runs 9$\\\\times$ faster."]
    assert check_key_findings(PID, escaped, abstract) == []
    assert check_key_findings(PID, ["（摘要中没有可摘录的结论句。）"], abstract) == []


# -- summary ---------------------------------------------------------------------------------------------------

DAY = date(2026, 1, 21)
TITLES = [
    "Copy-Trasform-Paste: Zero-Shot Object-Object Alignment Guided by Vision-Language and Geometric Constraints",
    "VideoMaMa: Mask-Guided Video Matting via Generative Prior",
]
GOOD_SUMMARY = (
    "**执行摘要：2026年1月20日 Arxiv 计算机视觉论文精选**\n\n本期聚焦视频与三维对齐。"
    "**“Copy-Transform-Paste”** 提出零样本对齐方法；“VideoMaMa” 利用生成先验进行视频抠图，效果显著。"
)


def test_good_summary_passes_with_typo_tolerant_titles_and_submission_date() -> None:
    assert check_summary(GOOD_SUMMARY, digest_date=DAY, paper_titles=TITLES, language="zh") == []
    english = ('Papers of January 21, 2026: "VideoMaMa" improves video matting with a generative prior, and '
               '"Copy-Trasform-Paste" aligns objects zero-shot; all were submitted on 2026-01-20.')
    assert check_summary(english, digest_date=DAY, paper_titles=TITLES, language="en") == []


def test_summary_naming_an_absent_paper_is_blocking() -> None:
    text = GOOD_SUMMARY + "此外，“LightOnOCR” 在 OCR 上取得突破。"
    findings = check_summary(text, digest_date=DAY, paper_titles=TITLES, language="zh")
    assert [(f.check, f.severity, f.paper_id) for f in findings] == [(SUMMARY_UNKNOWN_PAPER, BLOCKING, "")]
    assert "LightOnOCR" in findings[0].detail


def test_quoted_method_name_from_a_days_abstract_counts_as_that_paper() -> None:
    text = GOOD_SUMMARY + "其中 “MA-V” 数据集规模很大。"
    abstracts = ["We construct the Matting Anything in Video (MA-V) dataset."]
    assert check_summary(text, digest_date=DAY, paper_titles=TITLES, language="zh", paper_texts=abstracts) == []


@pytest.mark.parametrize("written", ["2026年1月19日", "2026-01-22", "January 19, 2026", "19 Jan 2026"])
def test_summary_with_a_date_other_than_d_or_d_minus_1_is_blocking(written: str) -> None:
    findings = check_summary(f"{written} 的论文。" + GOOD_SUMMARY, digest_date=DAY, paper_titles=TITLES,
                             language="zh")
    assert [(f.check, f.severity) for f in findings] == [(SUMMARY_WRONG_DATE, BLOCKING)]


def test_a_date_quoted_from_a_days_abstract_is_not_the_summarys_claim() -> None:
    text = GOOD_SUMMARY + "“VideoMaMa” 使用截至 2025-12-31 的数据。"
    abstract = "We train on videos collected until 2025-12-31."
    assert check_summary(text, digest_date=DAY, paper_titles=TITLES, language="zh", paper_texts=[abstract]) == []
    assert check_summary(text, digest_date=DAY, paper_titles=TITLES, language="zh") != []


def test_dates_in_text_reads_all_written_forms() -> None:
    found = [d for _, d in dates_in_text("2026-01-21, 2026年1月20日, January 21, 2026, 2026-02-30")]
    assert found == [date(2026, 1, 21), None, date(2026, 1, 20), date(2026, 1, 21)]


def test_empty_and_refusing_summaries_are_blocking() -> None:
    empty = check_summary("", digest_date=DAY, paper_titles=TITLES, language="zh")
    assert [f.check for f in empty] == [SUMMARY_EMPTY]
    refusal = check_summary("请提供论文列表，我将为您撰写执行摘要。", digest_date=DAY, paper_titles=TITLES,
                            language="zh")
    assert SUMMARY_REFUSAL in {f.check for f in refusal}


def test_empty_day_may_have_a_one_line_summary() -> None:
    line = "2026-01-20 没有新提交的 cs.CV 论文（周末或节假日 arXiv 没有公告），因此 2026-01-21 的摘要为空。"
    assert check_summary(line, digest_date=DAY, paper_titles=[], language="zh") == []


def test_english_terms_inside_chinese_sentences_are_not_counted_against_the_language() -> None:
    code_switched = ("我们使用 Transformer-based backbone network 提取 multi-scale features，并 apply cross-attention "
                     "fusion module 进行融合，最后用 Mask2Former decoder 输出掩码。") * 10
    assert cjk_ratio(code_switched) > 0.9
    english = "The router keeps the top-k tokens and the rest take a light branch, which saves computation. " * 10
    assert cjk_ratio(english + "它叫稀疏路由。") < 0.05
