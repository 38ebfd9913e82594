"""Chinese (the default language). Labels keep an English gloss where a reader of either language needs them."""

from __future__ import annotations

from arxiv_digest.wording.base import Wording

# What a model asks for or says is missing: the paper or a part of it.
_PAPER = r"(?:论文|文章|全文|原文|正文|文本|内容|PDF|pdf|文件|方法部分|摘要|链接|资料|材料)"
# What a model says it cannot reach: the paper, or the means to fetch it.
_SOURCE = r"(?:论文|文章|全文|原文|PDF|pdf|文件|附件|链接|网址|网页|网站|互联网|网络|外部|URL|url|arXiv|arxiv)"

ZH = Wording(
    code="zh",
    analysis_unavailable="> Analysis unavailable: 该论文的分析步骤失败（{reason}），"
    "请运行 `arxiv-digest rerun --failed`。",
    late_note="(late: 迟于其提交窗口的公告出现)",
    cross_list_note="(cross-list: 交叉列出，主类别 {primary})",
    figure_source="论文图 {number}，PDF 第 {page} 页。",
    no_papers="本期没有论文。",
    sample_notice="离线样例：本期的论文均为虚构（由 `arxiv-digest run --sample` 生成），不是 arXiv 当天的真实公告。",
    sample_label="离线样例",
    coverage_all="arXiv 本次公告 {category} 新论文 {announced} 篇{cross}，全部 {announced} 篇均在本期",
    coverage_some="arXiv 本次公告 {category} 新论文 {announced} 篇{cross}，"
    "本期有 {matched} 篇，缺 {missing_count} 篇：{missing}",
    coverage_cross="（含交叉列出）",
    coverage_flagged="；另有 {count} 篇在本期但不在 arXiv 的公告列表中：{flagged}",
    coverage_filtered="；按读者的筛选显示 {shown} 篇",
    coverage_not_verified="覆盖未核实（{reason}）；本期收录 {category} 论文 {held} 篇",
    revised_lead="你收藏或喜欢的论文有了新版本（不是本期的新论文）：",
    revised_comment="arXiv 备注：{comment}",
    revised_held="来自 {holders}",
    revised_library="{profile} 的收藏",
    revised_likes="{profile} 的喜欢",
    no_key_findings="（摘要中没有可摘录的结论句。）",
    reason_keywords="匹配：{items}",
    reason_similar="相似于 {items}",
    reason_authors="作者：{items}",
    reason_categories="分类：{items}",
    reason_negative="排除词：{items}",
    reason_model="模型评分：相关性 {relevance}/10，重要性 {significance}/10",
    reason_nothing="与兴趣配置无匹配",
    reason_learned="你喜欢过 {items}",
    reason_seen="已看过",
    reason_separator="；",
    outside_budget_reason="超出阅读预算：在兴趣配置 {profile} 中排第 {rank} 名，该配置只精读前 {top_n} 篇",
    profile_summary_lead="兴趣配置 **{profile}**：本期 {count} 篇论文按你的兴趣排序。优先阅读：",
    profile_top_line="{rank}. {title}（得分 {score}）：{reason}",
    profile_day_summary_heading="### 全天概览",
    min_score_cut="{cut} 篇论文得分低于 min_score {min_score}，未列出。",
    method_headings=("摘要翻译", "方法动机分析", "方法设计详解", "方法对比分析", "实验分析", "实用指南", "总结"),
    abstract_headings=("论文的主要贡献", "关键创新或方法论", "对该领域的潜在影响", "可能受益的相关领域或应用",
                       "从摘要中可以推断出的局限性"),
    extractive_label="*抽取式分析（未使用语言模型）：以下各部分均为论文原句摘录，未经翻译或改写。"
    " Extractive analysis (no language model): every line below is quoted from the paper.*",
    abstract_only_label="*摘要分析（未能读取全文：{reason}）。*",
    nothing_found="（论文中未找到相关句子。）",
    abstract_as_written="（原文摘要，未翻译）",
    own_code_label="论文给出的代码/项目链接",
    own_artifact_label="论文发布的数据/模型",
    artifact_kind_names=(("dataset", "数据集"), ("model", "模型")),
    categories_line="arXiv 分类：{categories}",
    no_usable_text="无可用全文",
    fallback_rejected_label="*回退：{model} 的回答未通过校验（{reasons}），以下改用抽取式分析。"
    " Fallback after the model's answers were rejected ({reasons}).*",
    fallback_failed_label="*回退：{model} 未给出可用回答（{reasons}），以下改用抽取式分析。"
    " Fallback after the model's calls failed ({reasons}).*",
    model_method_label="*方法分析由 {model} 根据论文全文节选撰写（{note}）。*",
    model_abstract_label="*由 {model} 根据标题与摘要撰写。*",
    method_rejected_reason="全文分析未通过校验：{reason}",
    no_links="（无）",
    list_separator="、",
    selection_more=" 等 {total} 节",
    selection_note_cut="{listed}；{cut} 节有删节；约 {tokens} tokens",
    selection_note="{listed}；约 {tokens} tokens",
    summary_entry_labels=("标题", "摘要要点", "分析节选"),
    empty_day_summary="arXiv 在 {submitted}（美东时间 20:00）的公告中没有新的 {category} 论文，"
    "因此 {day} 的摘要为空。\n",
    extractive_summary_label="*抽取式摘要（未使用语言模型）：由当日论文的标题、摘要与分析自动汇总，引文保留原文。*",
    summary_title="**执行摘要：{day} Arxiv {name} 论文（{submitted} 公告）**",
    summary_counts="本期共 {total} 篇论文，其中 {full_text} 篇读取了全文并给出方法分析，"
    "{abstract_only} 篇仅基于摘要分析。",
    themes_heading="**主要主题与趋势：**",
    theme_line="*   **{term}**（{count} 篇）：{papers}",
    no_themes="*   本期摘要中没有突出的关键短语。",
    highlights_heading="**亮点与创新：**",
    highlight_line="*   **“{title}”**：{finding}",
    methods_heading="**新兴研究方向与技术：**",
    method_line="*   **{method}**（“{title}”）",
    no_methods="*   本期摘要中没有命名的新方法。",
    reads_heading="**建议阅读全文的论文：**",
    read_line="{number}.  **“{title}”**：{reasons}。",
    read_reason_full_text="已读取全文",
    read_reason_code="提供代码",
    read_reason_results="摘要给出明确结果",
    read_reason_default="与本期主题相关",
    read_reason_themes="处于本期主题的中心（{themes}）",
    model_summary_label="*执行摘要由 {model} 根据当日论文的分析撰写。*",
    safe_summary="{day} 的 {category} 摘要共收录 {count} 篇论文。"
    "自动生成的执行摘要未通过质量检查（{reason}），已被撤下；请直接阅读下方各论文条目。\n",
    # Alternatives cover the wordings the seed and our extractive analyzer use.
    method_heading_patterns=(
        ("摘要翻译", r"摘要翻译"),
        ("方法动机分析", r"(?:方法)?动机分析"),
        ("方法设计详解", r"方法设计(?:详解)?"),
        ("方法对比分析", r"(?:方法)?对比分析"),
        ("实验分析", r"实验分析"),
        ("实用指南", r"实用指南"),
        ("总结", r"总结"),
    ),
    abstract_heading_patterns=(
        ("主要贡献", r"主要贡献"),
        ("关键创新或方法论", r"创新|方法论"),
        ("潜在影响", r"影响"),
        ("相关领域或应用", r"领域|应用"),
        ("局限性", r"局限"),
    ),
    extractive_analysis_marker="抽取式分析（未使用语言模型）",
    abstract_only_marker="摘要分析（未能读取全文",
    extractive_summary_marker="抽取式摘要（未使用语言模型）",
    # Refusals are told by what the sentence does (asks the reader for the paper, declines, says it cannot
    # reach it), not by a word: "复现时请将配置文件中的阈值设为 0.35" is advice to the reader, and a paper about
    # assistants may well say "作为AI助手". Hence a request needs a sending verb and the paper as its object (or
    # "给我"), and "作为AI模型" counts only when the model speaks of itself ("…，我").
    refusal_patterns=(
        ("asks for the paper", (
            r"请(?:您)?(?:先|再|直接)?(?:提供|上传|粘贴|发送|分享|附上|贴出|发给我)[^。！？\n]{0,20}?"
            r"(?:论文|文章|全文|原文|正文|PDF|pdf|方法部分|摘要内容)"
            r"|请(?:您)?(?:先|再|直接)?(?:提供|上传|粘贴|发送|分享|附上|贴出|把|将)[^。！？\n]{0,30}?" + _PAPER
            + r"[^。！？\n]{0,15}?(?:给我|发给我|以便我|我(?:才|就|将|会|可以|来)|让我|供我)"
            r"|(?:您|你)(?:希望|想要?|需要)我(?:分析|解读|总结|阅读|翻译)的[^。！？\n]{0,10}?" + _PAPER), True),
        ("asks for the paper", (
            r"(?:一旦|待|等|在)?您(?:提供|上传|粘贴|发送|分享)(?:了)?[^。！？\n]{0,20}?" + _PAPER
            + r"[^。！？\n]{0,10}?(?:后|之后|以后|时)"), True),
        ("says the paper is missing", (
            r"您(?:似乎|好像)?(?:并|还)?(?:未|没有|没)(?:提供|上传|附上|给出|粘贴|发送)"
            r"|(?:没有|未)(?:看到|收到|找到)[^。！？\n]{0,10}?您[^。！？\n]{0,10}?(?:提供|上传|发送)"), True),
        ("apologises and declines", (
            r"(?:很|非常)?抱歉[，,、\s]*(?:但)?(?:我|目前)[^。！？\n]{0,10}?(?:无法|不能)"), True),
        ("speaks as an AI model", (
            r"作为(?:一个|一名)?\s*(?:AI|人工智能)\s*(?:语言)?(?:模型|助手)[，,\s]*我"), True),
        ("says it cannot access the paper", (
            r"我(?:目前)?(?:无法|不能|没法|没有办法|不可以)(?:直接)?(?:访问|查看|读取|打开|获取|浏览|下载)[^。！？\n]{0,15}?"
            + _SOURCE
            + r"|我(?:没有|并没有|不具备)[^。！？\n]{0,10}?(?:访问|读取|浏览|联网)[^。！？\n]{0,6}?(?:权限|能力|功能)"),
         False),
    ),
    # The seed's refusals are 60-150 characters and its shortest real analysis is ~2000; a Chinese character
    # carries roughly what 3-4 English letters do, hence 200 here and 600 in English.
    min_analysis_chars=200,
    # Chinese analyses keep English method names, datasets and formulas: the seed's six real analyses sit at
    # 0.65-0.84 CJK share, an English answer to a Chinese prompt at ~0. 0.25 separates them with a wide margin.
    min_cjk_ratio=0.25,
    max_cjk_ratio=1.0,
    wrong_language_finding="expected Chinese; only {ratio:.0%} of the letters are CJK (minimum {minimum:.0%})",
    email_subject="{name}（{category}）arXiv 论文日报 {day}",
)
