"""English."""

from __future__ import annotations

from arxiv_digest.wording.base import Wording

# What a model asks for or says is missing: the paper or a part of it.
_PAPER = (
    r"(?:paper|article|manuscript|full[- ]text|text|pdf|content|document|method(?:s|ology)? section|"
    r"abstract|file|link|details)"
)
# What a model says it cannot reach: the paper, or the means to fetch it.
_THE_PAPER = r"paper|article|manuscript|full[- ]text|pdf|method(?:s|ology)? section"
_SOURCE = (
    r"(?:paper|article|manuscript|full[- ]text|pdf|document|file|attachment|links?|urls?|internet|web|"
    r"websites?|external|arxiv|content)"
)

EN = Wording(
    code="en",
    analysis_unavailable="> Analysis unavailable: the analysis step failed for this paper ({reason}); "
    "run `arxiv-digest rerun --failed`.",
    late_note="(late: announced after its submission window)",
    cross_list_note="(cross-list from {primary})",
    figure_source="Figure {number} of the paper, PDF page {page}.",
    no_papers="No papers for this day.",
    sample_notice="Offline sample: the papers of this digest are invented (made by `arxiv-digest run --sample`); "
    "it is not arXiv's announcement of this day.",
    sample_label="offline sample",
    coverage_all="arXiv announced {announced} new {category} papers{cross}; all {announced} are here",
    coverage_some="arXiv announced {announced} new {category} papers{cross}; {matched} are here, "
    "{missing_count} are not: {missing}",
    coverage_cross=" (cross-lists included)",
    coverage_flagged="; {count} more here that arXiv's list does not have: {flagged}",
    coverage_filtered="; {shown} shown after the reader's filters",
    coverage_not_verified="Coverage not verified ({reason}); this digest holds {held} {category} papers",
    revised_lead="New versions of papers in your library or likes (not new papers of this day):",
    revised_comment="arXiv comment: {comment}",
    revised_held="in {holders}",
    revised_library="the library of {profile}",
    revised_likes="the likes of {profile}",
    no_key_findings="(No result sentence in the abstract.)",
    reason_keywords="matches: {items}",
    reason_similar="similar to {items}",
    reason_authors="author: {items}",
    reason_categories="category: {items}",
    reason_negative="against: {items}",
    reason_model="model: relevance {relevance}/10, significance {significance}/10",
    reason_nothing="no match with the profile",
    reason_learned="you liked {items}",
    reason_seen="seen before",
    reason_separator="; ",
    outside_budget_reason="outside the reading budget: ranked {rank} for profile {profile}, which reads its top "
    "{top_n} in full",
    profile_summary_lead="Profile **{profile}**: the day's {count} papers ranked by your interests. Read first:",
    profile_top_line="{rank}. {title} (score {score}): {reason}",
    profile_day_summary_heading="### The whole day",
    min_score_cut="{cut} paper(s) scored below min_score {min_score} and are not listed.",
    method_headings=("Abstract", "Motivation", "Method design", "Comparison", "Experiments", "Practical guide",
                     "Summary"),
    abstract_headings=("Main contribution", "Key innovation or methodology", "Potential impact on the field",
                       "Related areas or applications that may benefit",
                       "Limitations that can be inferred from the abstract"),
    extractive_label="*Extractive analysis (no language model): every line below is quoted from the paper.*",
    abstract_only_label="*Abstract analysis (full text unavailable: {reason}).*",
    nothing_found="(No matching sentence in the paper.)",
    abstract_as_written="(the abstract as written)",
    own_code_label="Code or project page given by the paper",
    own_artifact_label="Data or models released by the paper",
    artifact_kind_names=(("dataset", "dataset"), ("model", "model")),
    categories_line="arXiv categories: {categories}",
    no_usable_text="no usable text",
    fallback_rejected_label="*Fallback after the model's answers were rejected ({reasons}): {model} was asked, its "
    "answers failed validation, and the extractive analysis below is used instead.*",
    fallback_failed_label="*Fallback after the model's calls failed ({reasons}): {model} gave no usable answer, and "
    "the extractive analysis below is used instead.*",
    model_method_label="*Method analysis written by {model} from full-text excerpts ({note}).*",
    model_abstract_label="*Written by {model} from the title and abstract.*",
    method_rejected_reason="the full-text analysis failed validation: {reason}",
    no_links="(none)",
    list_separator=", ",
    selection_more=" and {more} more sections",
    selection_note_cut="{listed}; {cut} cut; about {tokens} tokens",
    selection_note="{listed}; about {tokens} tokens",
    summary_entry_labels=("Title", "Key findings", "Analysis excerpt"),
    empty_day_summary="arXiv's announcement of {submitted} (20:00 US Eastern) has no new {category} papers, so the "
    "digest of {day} is empty.\n",
    extractive_summary_label="*Extractive summary (no language model): compiled from the titles, abstracts and "
    "analyses of the day; quotations are verbatim.*",
    summary_title="**Executive summary: Arxiv {name} papers of {day} (announced {submitted})**",
    summary_counts="{total} papers; {full_text} analysed from the full text, {abstract_only} from the abstract only.",
    themes_heading="**Main themes and trends:**",
    theme_line="*   **{term}** ({count}): {papers}",
    no_themes="*   No key phrase stands out in today's abstracts.",
    highlights_heading="**Highlights:**",
    highlight_line='*   **"{title}"**: {finding}',
    methods_heading="**Emerging directions and techniques:**",
    method_line='*   **{method}** ("{title}")',
    no_methods="*   No named new method today.",
    reads_heading="**Recommended full reads:**",
    read_line='{number}.  **"{title}"**: {reasons}.',
    read_reason_full_text="full text analysed",
    read_reason_code="code available",
    read_reason_results="concrete results in the abstract",
    read_reason_default="on the themes of the day",
    read_reason_themes="central to the day's themes ({themes})",
    model_summary_label="*Executive summary written by {model} from the analyses of the day's papers.*",
    safe_summary="The {category} digest of {day} lists {count} papers. The generated executive summary failed the "
    "quality checks ({reason}) and was withheld; read the entries below.\n",
    # Alternatives cover the wordings the seed and our extractive analyzer use.
    method_heading_patterns=(
        ("Abstract translation", r"abstract(?:\s+(?:translation|summary))?|summary\s+of\s+the\s+abstract"),
        ("Motivation", r"motivation"),
        ("Method design", r"method(?:ology)?(?:\s+design)?"),
        ("Comparison", r"comparison|compar\w+\s+analysis"),
        ("Experiments", r"experiment(?:s|al\s+analysis)?"),
        ("Practical guide", r"practical(?:\s+guide)?"),
        ("Summary", r"summary|conclusions?"),
    ),
    abstract_heading_patterns=(
        ("Main contribution", r"contribution"),
        ("Key innovation or methodology", r"innovation|methodology"),
        ("Potential impact", r"impact"),
        ("Related areas or applications", r"applications?|related\s+(?:areas|fields)"),
        ("Limitations", r"limitation"),
    ),
    extractive_analysis_marker="Extractive analysis (no language model)",
    abstract_only_marker="Abstract analysis (full text unavailable",
    extractive_summary_marker="Extractive summary (no language model)",
    refusal_patterns=(
        # "Please provide a text prompt" is advice to the reader: a request is for the paper itself, or for
        # text handed to the model ("… so I can").
        ("asks for the paper", (
            r"(?i)\b(?:please|kindly)\s+(?:\w+\s+){0,2}?(?:provide|share|upload|paste|send|attach|supply|give)\b"
            r"[^.!?\n]{0,40}?\b(?:" + _THE_PAPER + r")\b"
            r"|\b(?:please|kindly)\s+(?:\w+\s+){0,2}?(?:provide|share|upload|paste|send|attach|supply|give)\b"
            r"[^.!?\n]{0,40}?\b" + _PAPER + r"\b[^.!?\n]{0,30}?\b(?:me|I\s+can|I\s+could|I'll|I\s+will)\b"), True),
        ("asks for the paper", (
            r"(?i)\b(?:could|can|would)\s+you\s+(?:please\s+)?(?:provide|share|upload|paste|send|attach|supply|give)\b"
            r"[^.!?\n]{0,40}?\b" + _PAPER + r"\b"), True),
        ("asks for the paper", (
            r"(?i)\b(?:once|when|after|if)\s+you\s+(?:provide|share|upload|paste|send|attach)\b[^.!?\n]{0,40}?\b"
            + _PAPER + r"\b"), True),
        ("says the paper is missing", (
            r"(?i)\byou\s+(?:haven'?t|have\s+not|didn'?t|did\s+not)\s+(?:yet\s+)?(?:provided|shared|included|attached|"
            r"uploaded|provide|share|include|attach|upload)\b"
            r"|\bno\s+(?:paper|text|content|pdf|document|file)\s+(?:was|has\s+been|is)\s+(?:provided|attached|"
            r"included|shared)\b"), True),
        ("apologises and declines", (
            r"(?i)\bI(?:'m|\s+am)\s+sorry,?\s+but\s+I\b|\bI\s+apologi[sz]e,?\s+but\b|\bunfortunately,?\s+I\s+"
            r"(?:cannot|can't|am\s+unable|don't\s+have)\b"), True),
        ("speaks as an AI model", (
            r"(?i)\bas\s+an\s+AI(?:\s+language)?\s+(?:model|assistant),?\s+I\b"), True),
        ("asks for the paper", (
            r"(?i)\bI(?:'d|\s+would)?\s+(?:will\s+)?need\s+(?:you\s+to\s+(?:provide|share|upload|paste)\s+)?"
            r"(?:the|its|your)\s+(?:\w+\s+){0,2}?" + _PAPER + r"\b"), False),
        ("says it cannot access the paper", (
            r"(?i)\bI\s+(?:cannot|can't|can\s+not|am\s+unable\s+to|'m\s+unable\s+to|am\s+not\s+able\s+to|"
            r"'m\s+not\s+able\s+to)\s+(?:directly\s+)?(?:access|browse|open|read|view|retrieve|download)\b"
            r"[^.!?\n]{0,30}?\b" + _SOURCE + r"\b"
            r"|\bI\s+(?:do\s+not|don't|did\s+not|didn't)\s+have\s+(?:direct\s+)?access\s+to\b"),
         False),
    ),
    min_analysis_chars=600,  # see the Chinese table
    min_cjk_ratio=0.0,
    # An English analysis may quote a Chinese title or term; more than 5 % CJK means it is written in Chinese.
    max_cjk_ratio=0.05,
    wrong_language_finding="expected English; {ratio:.0%} of the letters are CJK (maximum {maximum:.0%})",
    email_subject="{name} ({category}) arXiv digest, {day}",
)
