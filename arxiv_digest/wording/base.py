"""The fields every language table fills in (see the package's docstring)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Wording:
    code: str  # the settings value, e.g. "zh"

    # -- the digest (markdown and HTML) --
    analysis_unavailable: str  # {reason}; must start with "> Analysis unavailable:" (the checks look for it)
    late_note: str
    cross_list_note: str  # {primary}
    no_papers: str
    no_key_findings: str
    figure_source: str  # {number} {page}: under a teaser figure, before the paper's own caption
    sample_notice: str  # under the title of the offline sample day's digest: its papers are invented
    sample_label: str  # beside the title of the sample day's feed, index and email subject
    # The footer's coverage line: the digest against arXiv's own list of the announcement (issue 27).
    coverage_all: str  # {announced} {category} {cross}
    coverage_some: str  # {announced} {category} {cross} {matched} {missing_count} {missing}
    coverage_cross: str  # the {cross} above when cross-lists count
    coverage_flagged: str  # {count} {flagged}: held here, not in arXiv's list, with causes
    coverage_filtered: str  # {shown}: the reader's filters show fewer than the digest holds
    coverage_not_verified: str  # {reason} {held} {category}
    # The "Revised" section: new versions of the reader's liked and saved papers (issue 26).
    revised_lead: str  # under its heading: these are not new papers of the day
    revised_comment: str  # {comment}: arXiv's comment on the version
    revised_held: str  # {holders}: whose library or likes hold it
    revised_library: str  # {profile}
    revised_likes: str  # {profile}

    # -- the reader's interests (ranking reasons, the profile's digest) --
    reason_keywords: str  # {items}
    reason_similar: str  # {items}
    reason_authors: str  # {items}
    reason_categories: str  # {items}
    reason_negative: str  # {items}
    reason_model: str  # {relevance} {significance}: the model's rerank
    reason_nothing: str
    reason_learned: str  # {items}: the reader's liked papers the learned ranking found closest (issue 26)
    reason_seen: str  # the reader already gave feedback on the paper
    reason_separator: str  # between the parts of a reason
    outside_budget_reason: str  # {rank} {profile} {top_n}: why a paper got the abstract analysis
    profile_summary_lead: str  # {profile} {count} {top}
    profile_top_line: str  # {rank} {title} {score} {reason}
    profile_day_summary_heading: str
    min_score_cut: str  # {cut} {min_score}

    # -- the extractive analysis --
    method_headings: tuple[str, ...]  # the 7 parts of the method analysis, in order
    abstract_headings: tuple[str, ...]  # the 5 points of the abstract analysis, in order
    extractive_label: str
    abstract_only_label: str  # {reason}
    nothing_found: str
    abstract_as_written: str
    own_code_label: str
    own_artifact_label: str  # data and models the paper releases, each URL followed by its kind
    artifact_kind_names: tuple[tuple[str, str], ...]  # (kind, its name) for dataset and model
    categories_line: str  # {categories}
    no_usable_text: str

    # -- labels on model-written analyses and fallbacks --
    fallback_rejected_label: str  # {model} {reasons}
    fallback_failed_label: str  # {model} {reasons}
    model_method_label: str  # {model} {note}
    model_abstract_label: str  # {model}
    method_rejected_reason: str  # {reason}

    # -- what the method prompt says the model read --
    no_links: str
    list_separator: str  # between the items of an inline list
    selection_more: str  # {total} sections in all, {more} beyond those named
    selection_note_cut: str  # {listed} {cut} {tokens}
    selection_note: str  # {listed} {tokens}
    summary_entry_labels: tuple[str, str, str]  # title, key findings, analysis excerpt

    # -- the executive summary --
    empty_day_summary: str  # {submitted} {category} {day}
    extractive_summary_label: str
    summary_title: str  # {day} {name} {submitted}
    summary_counts: str  # {total} {full_text} {abstract_only}
    themes_heading: str
    theme_line: str  # {term} {count} {papers}: a key phrase of the day and the ids of the papers behind it
    no_themes: str
    highlights_heading: str
    highlight_line: str  # {title} {finding}
    methods_heading: str
    method_line: str  # {method} {title}
    no_methods: str
    reads_heading: str
    read_line: str  # {number} {title} {reasons}
    read_reason_full_text: str
    read_reason_code: str
    read_reason_results: str
    read_reason_default: str
    read_reason_themes: str  # {themes}
    model_summary_label: str  # {model}
    safe_summary: str  # {day} {category} {count} {reason}: when no summary passes the checks

    # -- what the quality checks recognise --
    # (name, regex) per required part; the regexes match the headings of model answers and ours.
    method_heading_patterns: tuple[tuple[str, str], ...]
    abstract_heading_patterns: tuple[tuple[str, str], ...]
    # Literal text that our own labels contain (extractive_label, abstract_only_label, extractive_summary_label).
    extractive_analysis_marker: str
    abstract_only_marker: str
    extractive_summary_marker: str
    # Refusals and requests for the paper, checked in every language's text: (reason, regex, anywhere); see
    # arxiv_digest.checks.refusals.is_refusal for what `anywhere` means.
    refusal_patterns: tuple[tuple[str, str, bool], ...]
    min_analysis_chars: int  # content characters a model-written analysis needs at least
    min_cjk_ratio: float  # share of CJK letters a model-written text needs: 0.0 = no minimum
    max_cjk_ratio: float  # ... and may have at most: 1.0 = no maximum
    wrong_language_finding: str  # {ratio} {minimum} {maximum}, floats

    # -- email delivery --
    email_subject: str  # {category} {name} {day}
