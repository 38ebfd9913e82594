# ruff: noqa: E501 (model answers are long lines by nature)
"""Answers in the styles real models write, each with the verdict a reader expects: publish it, or never show it.

Written for issue 23 from the formats of Qwen (Markdown headings, `<think>` in Qwen3), DeepSeek-R1 (long
reasoning blocks, sometimes only the closing tag), GPT-4o-mini ("好的，以下是…" openings, "希望…" closings),
Llama (bold numbered headings, whole answers fenced in ```markdown), the seed digest's real answers (chatty
openings, `---` rules, refusals) and the real model's Chinese notes in ../shared/corpus/listings (heavy
code-switching). The seed's own answers are read from ../shared at test time (see test_answer_corpus.py), not
copied here.

Honesty note: CASES were written while the normaliser and the checks were being tuned, so the gate's score on
them is a score on training data. HELD_OUT was written after the code was final and not used to change it.

The paper is the sample STR paper of test_analyze (title, abstract, sections); summaries are about
test_summarize's day (DAY 2026-01-21, announced 2026-01-20, TITLES).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    name: str
    kind: str  # method | abstract | summary
    language: str  # zh | en
    text: str
    publish: bool  # the expected verdict
    style: str  # which model's habit it imitates


# -- good answers, one per language and kind, about STR --------------------------------------------------------

ZH_METHOD = """### 1. 摘要翻译

视频目标分割（VOS）模型的大部分计算都花在不影响目标掩码的背景令牌上。本文提出 STR，一种稀疏令牌路由器，只让相关令牌通过完整的注意力计算。STR 在 DAVIS 2017 上将 FLOPs 降低 41%，同时 J&F 与稠密模型相差不超过 0.3 个点。代码见 https://github.com/sample-lab/str-vos 。

### 2. 方法动机分析

*   **驱动力**：现有 VOS 模型逐帧处理全部令牌，背景令牌占据了绝大部分计算。
*   **现有方法痛点**：令牌剪枝多在图像模型上研究，直接用于视频会破坏时序一致性。
*   **研究假设**：只有少量令牌与目标相关，按相关性路由即可在几乎不损失精度的情况下节省计算。

### 3. 方法设计详解

*   **核心思想**：路由器为每个令牌打分，只有高分令牌走注意力路径。
*   **流程**：输入视频帧并编码为令牌；路由器打分并选出前 k 个令牌；选中的令牌经过完整注意力，其余令牌走轻量分支；两路特征融合后解码为掩码。
*   **训练目标**：分割损失与路由稀疏正则联合优化。

### 4. 方法对比分析

*   **本质区别**：与逐帧稠密计算不同，STR 按内容自适应分配计算。
*   **创新贡献**：可学习的令牌路由器，与分割目标端到端训练。
*   **适用场景**：背景占比大的长视频。

### 5. 实验分析

*   **验证方法**：在 DAVIS 2017 上与稠密模型比较，并做路由比例的消融。
*   **关键结果**：FLOPs 降低 41%，J&F 保持在 85.1，与稠密模型相差 0.3 以内。
*   **局限性**：目标快速运动时路由可能漏选相关令牌。

### 6. 实用指南

*   **开源情况**：代码见 https://github.com/sample-lab/str-vos 。
*   **实现细节**：路由比例是关键超参数，复现时请将配置文件中的 keep_ratio 设为 0.25；请先将数据集的标注文件转换为 COCO 格式。
*   **迁移可能**：可用于视频实例分割与视频目标跟踪。

### 7. 总结

*   **核心思想**：按相关性路由令牌，只在重要区域花计算。
*   **速记版流程**：编码令牌；路由打分；分支计算；融合解码。
"""

EN_METHOD = """### 1. Abstract

Video object segmentation models spend most of their computation on background tokens that do not affect the target mask. The paper proposes STR, a sparse token router that sends only relevant tokens through full attention. STR reduces FLOPs by 41% on DAVIS 2017 while keeping J&F within 0.3 points of the dense model.

### 2. Motivation

*   **Driving problem**: VOS models process every token of every frame, and background tokens dominate the cost.
*   **Pain points**: token pruning was studied for image models, and applied naively it breaks temporal consistency.
*   **Hypothesis**: only a few tokens matter for the target, so routing by relevance saves work without loss.

### 3. Method design

*   **Core idea**: a router scores every token and only the top tokens take the attention path.
*   **Pipeline**: frames are encoded into tokens; the router keeps the top-k; they pass through full attention while the rest take a light branch; both are fused and decoded into the mask.
*   **Objective**: the segmentation loss plus a sparsity regulariser on the routing scores.

### 4. Comparison

*   **Difference**: unlike dense per-frame computation, STR allocates computation by content.
*   **Contribution**: a learnable token router trained end to end with the segmentation objective.

### 5. Experiments

*   **Validation**: comparison with the dense model on DAVIS 2017 and ablations of the routing ratio.
*   **Key results**: 41% fewer FLOPs with J&F at 85.1, within 0.3 points of the dense model.
*   **Limitations**: fast-moving targets can make the router drop relevant tokens.

### 6. Practical guide

*   **Code**: https://github.com/sample-lab/str-vos is given by the paper.
*   **Implementation**: set keep_ratio to 0.25 in the config; please provide a text prompt file only if you extend it to referring segmentation.

### 7. Summary

*   **Core idea**: route tokens by relevance and spend computation only where the target is.
*   **Pipeline to remember**: encode tokens; score them; split the computation; fuse and decode.
"""

ZH_ABSTRACT = """**1. 论文的主要贡献**

提出 STR 稀疏令牌路由器，让视频目标分割只在与目标相关的令牌上做完整注意力计算，在 DAVIS 2017 上 FLOPs 降低 41%。

**2. 关键创新或方法论**

按内容为令牌打分并路由：高分令牌走注意力路径，其余走轻量分支，路由器与分割目标联合训练。

**3. 对该领域的潜在影响**

说明视频分割中的大量计算可以省去，有望降低 VOS 模型在移动端和实时系统中的部署成本。

**4. 可能受益的相关领域或应用**

视频实例分割、视频目标跟踪、视频编辑与自动驾驶感知等对延迟敏感的应用。

**5. 从摘要中可以推断出的局限性**

摘要只报告了 DAVIS 2017 上的结果，J&F 仍有 0.3 个点的下降；快速运动场景下的表现需要阅读全文确认。
"""

EN_ABSTRACT = """**1. Main contribution**

STR, a sparse token router for video object segmentation that sends only relevant tokens through full attention and cuts FLOPs by 41% on DAVIS 2017.

**2. Key innovation or methodology**

Tokens are scored by relevance and routed: the top ones take the attention path, the rest a light branch, and the router is trained jointly with the segmentation objective.

**3. Potential impact on the field**

It shows that most of the computation in VOS can be saved, which lowers the cost of real-time and on-device segmentation.

**4. Related areas or applications that may benefit**

Video instance segmentation, object tracking, video editing and driving perception, where latency matters.

**5. Limitations that can be inferred from the abstract**

Only DAVIS 2017 is reported and J&F still drops by up to 0.3 points; behaviour on fast motion needs the full text.
"""

ZH_SUMMARY = """**执行摘要：2026-01-21 arXiv Computer Vision 论文（2026-01-20 公告）**

**主要主题与趋势：**

*   高效推理是本期的共同主题：稀疏计算与轻量模型都在降低部署成本。
*   零样本的物体对齐与端到端的多语言识别体现了通用化的趋势。

**亮点与创新：**

*   “Sparse Token Routing for Efficient Video Object Segmentation”：只对相关令牌做完整注意力，显著减少计算。
*   “LightOnOCR: A 1B End-to-End Multilingual Vision-Language Model”：用 1B 参数的端到端模型完成多语言 OCR。

**新兴研究方向与技术：**

*   按内容自适应分配计算的思路正在扩展到视频任务。

**建议阅读全文的论文：**

1.  “Sparse Token Routing for Efficient Video Object Segmentation”：方法清晰，结果扎实。
2.  “Copy-Trasform-Paste: Zero-Shot Object-Object Alignment”：零样本设定新颖。
"""

EN_SUMMARY = """**Executive summary: arXiv Computer Vision papers of 2026-01-21 (announced 2026-01-20)**

**Main themes and trends:**

*   Efficient inference runs through the day: sparse computation and small end-to-end models.
*   Zero-shot alignment and multilingual recognition show a push towards general models.

**Highlights:**

*   "Sparse Token Routing for Efficient Video Object Segmentation" routes only relevant tokens through attention.
*   "LightOnOCR: A 1B End-to-End Multilingual Vision-Language Model" reads many languages with one 1B model.

**Recommended full reads:**

1.  "Sparse Token Routing for Efficient Video Object Segmentation": a clear method with solid numbers.
2.  "Copy-Trasform-Paste: Zero-Shot Object-Object Alignment": a new zero-shot setting.
"""

# Well-formed answers about other papers (a model that mixes up its context, or a cache served for the wrong id).
WRONG_PAPER_ZH = """### 1. 摘要翻译

单目深度估计需要大量带标注的数据。本文提出 GeoDiff，一种几何感知的扩散模型，将相机内参作为条件注入去噪网络，在 NYUv2 上 AbsRel 达到 0.052，在 KITTI 上 δ1 达到 0.978。

### 2. 方法动机分析

*   **驱动力**：扩散模型在深度估计上泛化好，但忽视了相机几何。
*   **现有方法痛点**：DepthAnything 等模型对焦距变化敏感，跨数据集时尺度漂移。
*   **研究假设**：显式注入相机内参能让扩散先验学到与尺度一致的几何。

### 3. 方法设计详解

*   **核心思想**：以射线方向图作为条件，引导 Stable Diffusion 的 UNet 去噪出深度图。
*   **流程**：RGB 图像编码为潜变量；射线图经 Camera Encoder 编码；二者拼接送入 UNet；解码得到深度。

### 4. 方法对比分析

*   **本质区别**：与 Marigold 相比，GeoDiff 把相机几何作为显式条件。
*   **创新贡献**：几何条件注入与尺度一致的训练目标。

### 5. 实验分析

*   **关键结果**：NYUv2 AbsRel 0.052，KITTI δ1 0.978，零样本迁移到 ETH3D 与 ScanNet 也优于 Marigold。
*   **局限性**：推理需要 10 步去噪，速度慢于前馈模型。

### 6. 实用指南

*   **开源情况**：论文未提供代码链接。
*   **实现细节**：去噪步数设为 10，学习率 3e-5。

### 7. 总结

*   **核心思想**：把相机几何作为扩散模型的条件，得到尺度一致的深度。
*   **速记版流程**：编码图像；编码射线；条件去噪；解码深度。
"""

WRONG_PAPER_EN = """### 1. Abstract

Self-supervised point cloud learning lacks a scalable pretext task. The paper proposes PointMAE-X, a masked autoencoder for point clouds with cross-modal distillation from CLIP, reaching 94.1% OA on ModelNet40 and 89.7% on ScanObjectNN.

### 2. Motivation

*   **Driving problem**: Point-MAE reconstructs masked patches but learns little semantics.
*   **Hypothesis**: distilling CLIP features into the encoder adds semantics without labels.

### 3. Method design

*   **Core idea**: mask 60% of the point patches and predict both their coordinates and CLIP features.
*   **Pipeline**: FPS and KNN group the points; a Transformer encoder sees the visible patches; two heads decode.

### 4. Comparison

*   **Difference**: unlike Point-BERT, no dVAE tokenizer is needed.

### 5. Experiments

*   **Key results**: 94.1% OA on ModelNet40, 89.7% on ScanObjectNN PB-T50-RS, and gains on ShapeNetPart.
*   **Limitations**: pre-training on ShapeNet only.

### 6. Practical guide

*   **Code**: no code link is given.

### 7. Summary

*   **Core idea**: masked point modelling plus CLIP distillation.
*   **Pipeline to remember**: group; mask; encode; reconstruct and distil.
"""

ZH_PARTS = ("摘要翻译", "方法动机分析", "方法设计详解", "方法对比分析", "实验分析", "实用指南", "总结")
EN_PARTS = ("Abstract", "Motivation", "Method design", "Comparison", "Experiments", "Practical guide", "Summary")
ZH_GLOSS = ("Abstract Translation", "Motivation Analysis", "Method Design", "Method Comparison",
            "Experimental Analysis", "Practical Guide", "Summary")
TRADITIONAL = ("摘要翻譯", "方法動機分析", "方法設計詳解", "方法對比分析", "實驗分析", "實用指南", "總結")
NUMERALS = "一二三四五六七"


def restyle(text: str, heading: str) -> str:
    """The method answer with each `### N. name` heading rewritten by `heading` (a format with {n} {name} {i})."""
    def replace(match: re.Match[str]) -> str:
        n = int(match.group(1))
        return heading.format(n=n, name=match.group(2), i=n - 1, cn=NUMERALS[n - 1], gloss=ZH_GLOSS[n - 1],
                              trad=TRADITIONAL[n - 1], en=EN_PARTS[n - 1])
    return re.sub(r"^### (\d)\. (.+)$", replace, text, flags=re.MULTILINE)


def restyle_abstract(text: str, heading: str) -> str:
    return re.sub(r"^\*\*(\d)\. (.+)\*\*$", lambda m: heading.format(n=m.group(1), name=m.group(2)), text,
                  flags=re.MULTILINE)


THINK_ZH = ("<think>\n好的，用户让我分析这篇关于稀疏令牌路由的论文。首先我需要理解摘要：STR 只把相关令牌送入注意力。"
            "然后按七个部分组织。让我想想方法动机……背景令牌占据大部分计算。" * 12 + "\n</think>\n\n")
THINK_EN = ("<think>\nOkay, the user wants a seven-part analysis of this paper. Let me read the abstract first: "
            "STR routes tokens. I should translate it, then explain the motivation, then the method. " * 10
            + "\n</think>\n\n")
ZH_PREAMBLE = "好的，我将以AI领域高水平研究生的视角，深入分析这篇论文。\n\n---\n\n"
ZH_CLOSING = "\n\n---\n\n希望这份分析能为您提供有价值的参考！如果您需要进一步了解某个部分，请随时告诉我。\n"
EN_PREAMBLE = "Sure! Here's a detailed analysis of the paper in the requested format.\n\n"
EN_CLOSING = "\n\nI hope this helps! Let me know if you'd like me to expand on any part.\n"

# Heavy but normal code-switching: the listings' real model keeps every technical term in English.
CODE_SWITCHED = ZH_METHOD.replace(
    "路由器为每个令牌打分，只有高分令牌走注意力路径。",
    "Router 为每个 token 计算 relevance score，只有 top-k tokens 走 full self-attention path，其余 tokens "
    "经过 lightweight MLP branch；最终 fused features 送入 mask decoder（基于 Mask2Former-style decoder）。",
).replace("分割损失与路由稀疏正则联合优化。",
          "L = L_mask + λ·L_route，其中 λ=0.05，L_route 是 routing scores 的 L1 sparsity regularizer。")


def _cases() -> list[Case]:
    cases: list[Case] = []

    def good(name: str, kind: str, language: str, text: str, style: str) -> None:
        cases.append(Case(name, kind, language, text, True, style))

    def bad(name: str, kind: str, language: str, text: str, style: str) -> None:
        cases.append(Case(name, kind, language, text, False, style))

    # Method, Chinese: the formats models use for the seven parts.
    good("zh-qwen-h3", "method", "zh", ZH_METHOD, "Qwen")
    good("zh-h2-numbered", "method", "zh", restyle(ZH_METHOD, "## {n}. {name}"), "Qwen")
    good("zh-h4-unnumbered", "method", "zh", restyle(ZH_METHOD, "#### {name}"), "Qwen")
    good("zh-bold-lines", "method", "zh", restyle(ZH_METHOD, "**{name}**"), "GPT-4o-mini")
    good("zh-bold-numbered", "method", "zh", restyle(ZH_METHOD, "**{n}. {name}**"), "Llama")
    good("zh-numbered-bold-item", "method", "zh", restyle(ZH_METHOD, "{n}. **{name}**"), "Llama")
    good("zh-chinese-numerals", "method", "zh", restyle(ZH_METHOD, "{cn}、{name}"), "DeepSeek")
    good("zh-paren-numbers", "method", "zh", restyle(ZH_METHOD, "{n}) {name}"), "local model")
    good("zh-plain-numbers", "method", "zh", restyle(ZH_METHOD, "{n}. {name}"), "local model")
    good("zh-english-gloss", "method", "zh", restyle(ZH_METHOD, "### {n}. {name} ({gloss})"), "GPT-4o-mini")
    good("zh-bold-gloss-h4", "method", "zh", restyle(ZH_METHOD, "#### **{n}. {name}（{gloss}）**"), "Qwen")
    good("zh-english-headings", "method", "zh", restyle(ZH_METHOD, "## {gloss}"), "Llama")
    good("zh-traditional", "method", "zh", restyle(ZH_METHOD, "### {n}. {trad}"), "Qwen (zh-TW)")
    good("zh-part-labels", "method", "zh", restyle(ZH_METHOD, "第{cn}部分：{name}"), "local model")
    good("zh-bold-first-numbered-rest", "method", "zh",
         restyle(ZH_METHOD, "**{name}**").replace("**方法动机分析**", "**2. 方法动机分析**"), "seed")
    good("zh-rules-between", "method", "zh", ZH_METHOD.replace("\n### ", "\n---\n\n### "), "seed")
    good("zh-preamble-closing", "method", "zh", ZH_PREAMBLE + ZH_METHOD + ZH_CLOSING, "seed / GPT-4o-mini")
    good("zh-title-line-first", "method", "zh", "## 论文方法分析：STR 稀疏令牌路由\n\n" + ZH_METHOD, "seed")
    good("zh-think-long", "method", "zh", THINK_ZH + ZH_METHOD, "DeepSeek-R1")
    good("zh-think-orphan-close", "method", "zh", THINK_ZH.removeprefix("<think>\n") + ZH_METHOD, "Qwen3 template")
    good("zh-fenced-markdown", "method", "zh", "```markdown\n" + ZH_METHOD + "```\n", "Llama")
    good("zh-fenced-with-preamble", "method", "zh",
         "好的，以下是按要求的分析：\n\n```markdown\n" + ZH_METHOD + "```\n\n希望对您有帮助！", "GPT-4o-mini")
    good("zh-code-switched", "method", "zh", CODE_SWITCHED, "listings' real model")
    good("zh-closing-in-last-paragraph", "method", "zh",
         ZH_METHOD.rstrip() + "希望以上分析对您有所帮助！\n", "GPT-4o-mini")
    good("zh-assistant-context", "method", "zh", ZH_METHOD.replace(
        "可用于视频实例分割与视频目标跟踪。",
        "可用于视频实例分割与视频目标跟踪；作为AI助手的视频理解模块，它也能降低端侧推理成本。"), "Qwen")
    good("zh-no-access-caveat-in-body", "method", "zh", ZH_METHOD.replace(
        "*   **局限性**：目标快速运动时路由可能漏选相关令牌。",
        "*   **局限性**：目标快速运动时路由可能漏选相关令牌；节选中未提及训练耗时。"), "Qwen")
    # Method, English.
    good("en-h3", "method", "en", EN_METHOD, "Qwen")
    good("en-bold-numbered", "method", "en", restyle(EN_METHOD, "**{n}. {name}**"), "Llama")
    good("en-h2-unnumbered", "method", "en", restyle(EN_METHOD, "## {name}"), "GPT-4o-mini")
    good("en-preamble-closing", "method", "en", EN_PREAMBLE + EN_METHOD + EN_CLOSING, "GPT-4o-mini")
    good("en-think", "method", "en", THINK_EN + EN_METHOD, "DeepSeek-R1")
    good("en-fenced", "method", "en", "```md\n" + EN_METHOD + "\n```", "Llama")
    good("en-part-labels", "method", "en", restyle(EN_METHOD, "Part {n}: {name}"), "local model")
    # Abstract analyses.
    good("zh-abstract-bold", "abstract", "zh", ZH_ABSTRACT, "Qwen")
    good("zh-abstract-h3", "abstract", "zh", restyle_abstract(ZH_ABSTRACT, "### {n}. {name}"), "GPT-4o-mini")
    good("zh-abstract-numbered-bold-inline", "abstract", "zh",
         re.sub(r"\*\*(\d)\. (.+)\*\*\n\n", r"\1. **\2**：", ZH_ABSTRACT), "Llama")
    good("zh-abstract-preamble-think", "abstract", "zh",
         "<think>好的，只有摘要。" * 40 + "</think>\n好的，以下是基于摘要的分析：\n\n" + ZH_ABSTRACT, "DeepSeek-R1")
    good("zh-abstract-caveat-preamble", "abstract", "zh",
         "由于我无法访问论文全文，以下分析仅基于标题与摘要。\n\n" + ZH_ABSTRACT, "GPT-4o-mini")
    good("en-abstract-bold", "abstract", "en", EN_ABSTRACT, "Qwen")
    good("en-abstract-h2", "abstract", "en", restyle_abstract(EN_ABSTRACT, "## {n}. {name}"), "Llama")
    good("en-abstract-closing", "abstract", "en", EN_ABSTRACT + EN_CLOSING, "GPT-4o-mini")
    # Summaries.
    good("zh-summary", "summary", "zh", ZH_SUMMARY, "Qwen")
    good("zh-summary-pleasantries", "summary", "zh",
         "好的，这是一份为您准备的 2026-01-21 arXiv 计算机视觉论文执行摘要。\n\n" + ZH_SUMMARY
         + "\n希望这份摘要能为您提供有价值的洞察！\n", "seed")
    good("zh-summary-think", "summary", "zh", THINK_ZH + ZH_SUMMARY, "DeepSeek-R1")
    good("zh-summary-fenced", "summary", "zh", "```markdown\n" + ZH_SUMMARY + "```", "Llama")
    good("en-summary", "summary", "en", EN_SUMMARY, "GPT-4o-mini")
    good("en-summary-pleasantries", "summary", "en", "Here is the executive summary you asked for.\n\n"
         + EN_SUMMARY + EN_CLOSING, "GPT-4o-mini")

    # -- bad answers ------------------------------------------------------------------------------------------
    bad("zh-refusal-asks", "method", "zh", "请提供您希望我分析的论文内容。", "seed")
    bad("zh-refusal-preamble", "method", "zh",
        "好的，我将以研究生的视角深入分析。但您似乎没有提供论文的具体内容，请上传 PDF 或粘贴全文。", "seed")
    bad("zh-refusal-ai-model", "method", "zh",
        "作为一个AI语言模型，我无法直接访问 arXiv 上的论文。请把论文全文粘贴给我，我再为您分析。", "GPT-4o-mini")
    bad("en-refusal-sorry", "method", "en",
        "I'm sorry, but I can't access external links or PDFs. Could you paste the paper's text here?", "GPT-4o-mini")
    bad("zh-hollow-seven-parts", "method", "zh", restyle(
        "\n".join(f"### {n}. {name}\n\n我无法访问该论文的全文，因此无法提供这一部分的具体内容。\n"
                  for n, name in enumerate(ZH_PARTS, start=1)), "### {n}. {name}"), "Qwen")
    bad("en-hollow-parts", "method", "en", "\n".join(
        f"### {n}. {name}\n\nI cannot access the full text of the paper, so this part cannot be written.\n"
        for n, name in enumerate(EN_PARTS, start=1)), "Llama")
    bad("zh-wrong-paper", "method", "zh", WRONG_PAPER_ZH, "ChatPaper report")
    bad("en-wrong-paper", "method", "en", WRONG_PAPER_EN, "ChatPaper report")
    bad("zh-invented-bare-link", "method", "zh", ZH_METHOD.replace(
        "代码见 https://github.com/sample-lab/str-vos 。\n*   **实现细节**",
        "代码见 github.com/str-team/str-official 。\n*   **实现细节**"), "GPT-4o-mini")
    bad("zh-invented-markdown-link", "method", "zh", ZH_METHOD.replace(
        "*   **迁移可能**", "*   **相关工作**：参见 [DINOv3](github.com/facebookresearch/dinov3)。\n*   **迁移可能**"),
        "Llama")
    bad("zh-invented-https-link", "method", "zh", ZH_METHOD.replace(
        "*   **迁移可能**", "*   **模型权重**：https://huggingface.co/str-team/str-large 。\n*   **迁移可能**"), "seed")
    bad("zh-think-unclosed", "method", "zh", "<think>\n好的，用户让我分析这篇论文。" * 60, "DeepSeek-R1 cut")
    bad("zh-loop-long-block", "method", "zh", ZH_METHOD.split("### 6.")[0] + (
        "### 5. 实验分析\n\n*   **关键结果**：FLOPs 降低 41%，J&F 保持在 85.1，与稠密模型相差 0.3 以内，"
        "证明稀疏路由在 DAVIS 2017 上是有效的，并且在不同的路由比例下都保持了稳定的精度和速度优势。\n\n") * 20,
        "local model loop")
    bad("en-loop-paragraph", "method", "en", EN_METHOD + ("\nThe router keeps the top-k tokens and the rest take "
        "the light branch, which is what makes STR efficient on DAVIS 2017.") * 8, "local model loop")
    bad("zh-cut-mid-sentence", "method", "zh",
        ZH_METHOD.rstrip().removesuffix("融合解码。") + "融合", "cut stream")
    bad("zh-cut-mid-part", "method", "zh", ZH_METHOD.split("### 6.")[0] + "### 6. 实用指南\n\n*   **开源情况**：代码见",
        "dropped proxy")
    bad("zh-missing-parts", "method", "zh", "\n".join(ZH_METHOD.split("### ")[:4]).replace("\n1.", "\n### 1."),
        "short model")
    bad("zh-answered-in-english", "method", "zh", EN_METHOD, "Llama ignoring the language")
    bad("en-answered-in-chinese", "method", "en", ZH_METHOD, "Qwen ignoring the language")
    bad("zh-abstract-refusal", "abstract", "zh", "抱歉，我无法访问这篇论文的链接。请提供论文摘要，我会为您分析。",
        "GPT-4o-mini")
    bad("zh-abstract-invented-link", "abstract", "zh",
        ZH_ABSTRACT.rstrip() + "\n\n代码：github.com/str-vos/str 。\n", "GPT-4o-mini")
    bad("en-abstract-loop", "abstract", "en", EN_ABSTRACT + ("\n**5. Limitations**\n\nThe abstract reports only "
        "DAVIS 2017 and a small J&F drop; fast motion is not covered.\n") * 5, "local model loop")
    bad("zh-summary-refusal", "summary", "zh", "请提供今天的论文列表，我才能为您撰写执行摘要。", "seed")
    bad("zh-summary-wrong-date", "summary", "zh", ZH_SUMMARY.replace("2026-01-21", "2026-01-17"),
        "seed (another day)")
    bad("zh-summary-unknown-paper", "summary", "zh", ZH_SUMMARY.replace(
        "*   按内容自适应分配计算的思路正在扩展到视频任务。",
        "*   “Segment Anything 2” 与 “DINOv3” 代表了基础模型的趋势。"), "seed")
    bad("en-summary-loop", "summary", "en", EN_SUMMARY + ("\n*   Efficient inference is the main theme of the "
        "day, with sparse computation and small end-to-end models.") * 6, "local model loop")
    bad("en-summary-think-only", "summary", "en", "<think>\nLet me write the summary. " * 80, "DeepSeek-R1 cut")
    return cases


CASES: tuple[Case, ...] = tuple(_cases())


# -- the gate, run directly --------------------------------------------------------------------------------


def gate_problems(case: Case) -> tuple[str, list[str]]:
    """(the normalised text that would be published, why it is not publishable: [] when it is)."""
    from test_analyze import CODE_URL, SECTIONS, make_paper
    from test_summarize import DAY, make_papers

    from arxiv_digest.analysis.analyzer import validation_problems
    from arxiv_digest.analysis.answers import normalise_analysis, normalise_summary
    from arxiv_digest.analysis.summary import summary_problems

    if case.kind == "summary":
        text = normalise_summary(case.text).text
        return text, summary_problems(text, DAY, make_papers(), case.language) if text else ["empty"]
    text = normalise_analysis(case.text, case.kind, case.language).text
    if not text.strip():
        return text, ["empty"]
    full_text = case.kind == "method"
    context = "\n".join(s.text for s in SECTIONS if s.norm not in ("references", "appendix")) if full_text else ""
    return text, validation_problems(text, paper=make_paper(), kind=case.kind, language=case.language,
                                     paper_urls={CODE_URL} if full_text else None, context=context)


# -- the seed digest's real answers ---------------------------------------------------------------------------

# The seed's real model answers (../shared/seed): 4 refusals and an invented dinov3 link; the other five are real
# analyses a reader wants published.
SEED_BAD = {"2601.13705v1", "2601.14255v1", "2601.14251v1", "2601.14246v1", "2601.14256v1"}


@dataclass(frozen=True)
class SeedCase:
    case: Case
    title: str
    abstract: str


def seed_cases(seed_text: str) -> list[SeedCase]:
    """The seed's analyses (and its summary) as cases about their own papers; the kind is what they answer."""
    from arxiv_digest.analysis.answers import split_parts
    from arxiv_digest.checks.digest_format import parse_digest

    parsed = parse_digest(seed_text)
    found = []
    for paper in parsed.papers:
        text = paper.analysis or ""
        kind = "method" if split_parts(text, "method") and len(split_parts(text, "method").found) >= 5 \
            else "abstract"
        found.append(SeedCase(Case(f"seed-{paper.paper_id}", kind, "zh", text, paper.paper_id not in SEED_BAD,
                                   "seed"), paper.title or "", paper.abstract or ""))
    # Issue 23 calls the seed's summary one "of another day"; its dates (2026-01-20, the announcement evening of
    # the 2026-01-21 digest) and its quoted names check out, so once its pleasantries are trimmed it is expected
    # to be published. Said here so the verdict is not mistaken for a measured one.
    found.append(SeedCase(Case("seed-summary", "summary", "zh", parsed.summary or "", True, "seed"), "", ""))
    return found


def seed_gate_problems(seed: SeedCase, seed_text: str) -> tuple[str, list[str]]:
    """The gate on a seed answer, about its own paper (abstract only: the seed's PDFs are not at hand)."""
    from datetime import date

    from arxiv_digest.analysis.analyzer import validation_problems
    from arxiv_digest.analysis.answers import normalise_analysis, normalise_summary
    from arxiv_digest.analysis.summary import summary_problems
    from arxiv_digest.checks.digest_format import parse_digest
    from schemas.records import Paper

    case = seed.case
    parsed = parse_digest(seed_text)
    moment = datetime_of(2026, 1, 20)
    papers = [Paper(p.arxiv_id or "", p.version or 1, p.title or "", (), ("cs.CV",), "cs.CV", moment, moment,
                    p.abstract or "") for p in parsed.papers]
    if case.kind == "summary":
        text = normalise_summary(case.text).text
        return text, summary_problems(text, date(2026, 1, 21), papers, "zh")
    paper = next(p for p in papers if f"{p.arxiv_id}v{p.version}" == case.name.removeprefix("seed-"))
    text = normalise_analysis(case.text, case.kind, "zh").text
    return text, validation_problems(text, paper=paper, kind=case.kind, language="zh", paper_urls=None)


def datetime_of(year: int, month: int, day: int) -> object:
    from datetime import UTC, datetime
    return datetime(year, month, day, 16, tzinfo=UTC)


# -- held out: written after the code was final, run once, not used to change it ------------------------------


def _held_out() -> list[Case]:
    zh_numeral_h2 = restyle(ZH_METHOD, "## {cn}、{name}") + "\n以上就是对该论文的完整分析。\n"
    zh_bold_colon = restyle(ZH_METHOD, "**{n}、{name}：**")
    en_long_names = restyle(EN_METHOD, "### {en} Analysis").replace("### Abstract Analysis", "### Abstract Translation")
    zh_abstract_short = re.sub(r"^\*\*\d\. (.+)\*\*$", lambda m: "### " + {
        "论文的主要贡献": "主要贡献", "关键创新或方法论": "关键创新", "对该领域的潜在影响": "潜在影响",
        "可能受益的相关领域或应用": "相关应用", "从摘要中可以推断出的局限性": "局限性"}[m.group(1)], ZH_ABSTRACT,
        flags=re.MULTILINE)
    en_abstract_paren = re.sub(r"^\*\*(\d)\. (.+)\*\*$", r"\1) \2", EN_ABSTRACT, flags=re.MULTILINE)
    hollow = "\n".join(f"### {n}. {name}\n\n由于没有提供论文内容，这里无法进行分析。\n"
                       for n, name in enumerate(ZH_PARTS, start=1))
    generic = ("As an AI language model, I don't have the ability to read PDFs. However, based on the title, here "
               "is a general analysis.\n\n" + EN_METHOD)
    other_abstract = ZH_ABSTRACT.replace("STR 稀疏令牌路由器", "MedSAM-2 医学分割模型").replace(
        "DAVIS 2017", "BraTS 2021").replace("视频目标分割", "三维医学图像分割").replace("令牌", "切片").replace(
        "VOS", "MRI").replace("J&F", "Dice")
    return [
        Case("held-zh-numeral-h2-closing", "method", "zh", zh_numeral_h2, True, "DeepSeek"),
        Case("held-zh-bold-colon-headings", "method", "zh", zh_bold_colon, True, "GPT-4o-mini"),
        Case("held-en-long-heading-names", "method", "en", "Certainly! Below is the analysis.\n\n" + en_long_names,
             True, "GPT-4o-mini"),
        Case("held-zh-abstract-short-headings", "abstract", "zh", zh_abstract_short, True, "Qwen"),
        Case("held-en-abstract-paren-numbers", "abstract", "en", en_abstract_paren, True, "Llama"),
        Case("held-zh-summary-small-talk", "summary", "zh", "以下是 2026-01-21 的执行摘要：\n\n" + ZH_SUMMARY
             + "\n如需进一步分析，欢迎随时告诉我。\n", True, "GPT-4o-mini"),
        Case("held-zh-think-and-fence", "method", "zh", THINK_ZH + "```markdown\n" + ZH_METHOD + "\n```", True,
             "DeepSeek-R1"),
        Case("held-zh-hollow-no-first-person", "method", "zh", hollow, False, "Qwen"),
        Case("held-en-ai-model-generic", "method", "en", generic, False, "GPT-3.5 style"),
        Case("held-zh-abstract-other-paper", "abstract", "zh", other_abstract, False, "ChatPaper report"),
        Case("held-zh-invented-project-page", "method", "zh", ZH_METHOD.replace(
            "*   **迁移可能**", "*   **项目主页**：https://str-vos.github.io\n*   **迁移可能**"), False, "GPT-4o-mini"),
        Case("held-zh-loop-in-paragraph", "method", "zh", ZH_METHOD.rstrip() + "\n\n"
             + "STR 通过稀疏路由显著降低了计算量。" * 30, False, "local model loop"),
        Case("held-zh-summary-cut", "summary", "zh", ZH_SUMMARY.split("2.  “Copy")[0].rstrip()
             .removesuffix("方法清晰，结果扎实。") + "方法清晰，", False, "dropped proxy"),
        Case("held-en-missing-last-parts", "method", "en", EN_METHOD.split("### 5.")[0], False, "short model"),
    ]


HELD_OUT: tuple[Case, ...] = tuple(_held_out())
