"""Prompts for the model: versioned template files, an offline token budget, and the paper text as delimited data.

Everything here is pure: text in, text out. The templates live in ``arxiv_digest/prompts/<name>.<language>.md``
with a ``<!-- system -->`` part and a ``<!-- user -->`` part and ``$placeholders`` (``string.Template``). The hash
of a template's text, the model and the language is part of every cache key, so editing a prompt, switching
models or languages makes a fresh analysis, and nothing else does.

Paper text is data, never instructions: it is wrapped in ``<paper>…</paper>`` (``<papers>`` for the summary), any
occurrence of those tags inside the text is neutralised, and the system prompts tell the model to ignore
instructions found there.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from string import Template

from arxiv_digest.wording import LANGUAGES as WORDINGS
from arxiv_digest.wording import wording_for
from schemas.records import Link, Paper, Section

Message = dict[str, str]

_SYSTEM_MARK = "<!-- system -->"
_USER_MARK = "<!-- user -->"
LANGUAGES = tuple(WORDINGS)  # every language with a wording table has prompt files

# -- token estimate ------------------------------------------------------------------------------------------

# Counted offline, with no tokenizer download. BPE tokenizers of the GPT/Llama/Qwen families spend about one
# token per CJK character, merge a short English word with its leading space into one token, split long or
# rare words, all-capital acronyms and numbers into several, and give most punctuation its own token. The
# rules below follow that and round every piece up, so on English paper text the estimate is about 3.5-4
# characters per token: above OpenAI's "~4 characters per token" rule of thumb for prose, i.e. it errs high
# and a prompt built under the budget stays under it.
_PIECES = re.compile(
    r"(?P<cjk>[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef])"
    r"|(?P<word>[A-Za-z\u00c0-\u024f]+)"
    r"|(?P<digits>\d+)"
    r"|(?P<newlines>\n+)"
    r"|(?P<spaces>[ \t\r\f\v]+)"
    r"|(?P<other>.)",
    re.DOTALL,
)
_CAPITALS = re.compile(r"[A-Z]")


def estimate_tokens(text: str) -> int:
    """A deterministic, slightly pessimistic token count of `text` (see the rules above)."""
    total = 0
    for match in _PIECES.finditer(text):
        kind = match.lastgroup
        piece = match.group()
        if kind == "cjk":
            total += 1
        elif kind == "word":
            # "segmentation" is 1-2 tokens, "LVLMs" 2-3: acronyms and mixed case split more.
            per_token = 3 if len(_CAPITALS.findall(piece)) >= 2 else 6
            total += math.ceil(len(piece) / per_token)
        elif kind == "digits":
            total += math.ceil(len(piece) / 3)  # numbers are split into groups of up to three digits
        elif kind == "newlines":
            total += 1
        elif kind == "spaces":
            total += 0 if len(piece) == 1 else 1  # one space merges into the next word
        else:
            total += 1 if piece.isascii() else 2  # symbols outside ASCII (α, ≤, —) often take two
    return total


def message_tokens(messages: Sequence[Message]) -> int:
    """Estimated input tokens of a chat request: the texts plus a few tokens of framing per message."""
    return sum(estimate_tokens(m["content"]) + 4 for m in messages) + 2


# -- templates -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PromptTemplate:
    name: str  # method_analysis | abstract_analysis | summary | retry_note | rerank
    language: str
    system: str
    user: str
    text: str  # the file as shipped: what the hash covers

    @property
    def file_name(self) -> str:
        return f"{self.name}.{self.language}.md"

    def hash_for(self, model: str) -> str:
        """sha256 of the template text, the model and the language (first 16 hex digits)."""
        digest = hashlib.sha256("\x00".join((self.text, model, self.language)).encode())
        return digest.hexdigest()[:16]


def parse_template(name: str, language: str, text: str) -> PromptTemplate:
    if _USER_MARK not in text:
        raise ValueError(f"prompt {name}.{language}.md has no '{_USER_MARK}' part")
    head, user = text.split(_USER_MARK, 1)
    system = head.split(_SYSTEM_MARK, 1)[1] if _SYSTEM_MARK in head else ""
    return PromptTemplate(name, language, system.strip(), user.strip(), text)


@lru_cache(maxsize=32)
def load_template(name: str, language: str) -> PromptTemplate:
    if language not in LANGUAGES:
        raise ValueError(f"no prompts for language {language!r}; available: {', '.join(LANGUAGES)}")
    path = resources.files("arxiv_digest").joinpath("prompts").joinpath(f"{name}.{language}.md")
    return parse_template(name, language, path.read_text(encoding="utf-8"))


# -- the paper as data ---------------------------------------------------------------------------------------

_DELIMITER = re.compile(r"<(\s*/?\s*)(papers?)\b", re.IGNORECASE)


def neutralize(text: str) -> str:
    """Paper text that cannot close or open our delimiters: '</paper>' becomes '‹/paper>'."""
    return _DELIMITER.sub(lambda m: f"‹{m.group(1)}{m.group(2)}", text)


# -- section selection under a budget ------------------------------------------------------------------------

# Read first: what the method analysis needs. Then context if the budget allows. Never: references, appendix.
# The PDF's own abstract section is skipped because the arXiv abstract is always sent.
SECTION_TIERS: tuple[tuple[str, ...], ...] = (
    ("introduction", "method", "experiments", "results", "conclusion"),
    ("related_work", "discussion", "limitations"),
    ("other",),
)
NEVER_SENT = frozenset({"references", "appendix"})
_ACKNOWLEDGMENTS = re.compile(r"acknowledg", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+")
CUT_MARK = " […]"


@dataclass(frozen=True)
class SectionExcerpt:
    ordinal: int
    title: str
    norm: str
    text: str
    tokens: int
    full_tokens: int
    level: int = 1

    @property
    def truncated(self) -> bool:
        return self.tokens < self.full_tokens


@dataclass(frozen=True)
class Selection:
    excerpts: tuple[SectionExcerpt, ...]
    omitted: tuple[str, ...]  # titles of sections not sent, with the reason
    budget: int

    @property
    def tokens(self) -> int:
        return sum(e.tokens for e in self.excerpts)

    @property
    def full_tokens(self) -> int:
        return sum(e.full_tokens for e in self.excerpts)


def _section_block(title: str, text: str, level: int = 1) -> str:
    """A section as the model reads it: "## 3 Method" at the top level, "### 3.1 ..." below, so the model
    sees the paper's structure, not a flat list of headings."""
    return f"{'#' * (min(max(level, 1), 3) + 1)} {title}\n{text}"


def _parents(sections: Sequence[Section]) -> dict[int, int]:
    """ordinal -> ordinal of the top-level section it belongs to (itself for a top-level one)."""
    parents: dict[int, int] = {}
    current = 0
    for section in sections:
        if section.level <= 1 or not current:
            current = section.ordinal
        parents[section.ordinal] = current
    return parents


def _allowances(tier_sections: Sequence[Section], costs: Sequence[int], budget: int,
                parents: dict[int, int]) -> list[int]:
    """Water-fill over top-level sections first, then among each one's subsections.

    A method split into eight subsections then gets one share of the budget, like an introduction printed
    in one piece, instead of eight shares that would starve the rest.
    """
    groups: dict[int, list[int]] = {}
    for index, section in enumerate(tier_sections):
        groups.setdefault(parents.get(section.ordinal, section.ordinal), []).append(index)
    members = list(groups.values())
    group_allowances = water_fill([sum(costs[i] for i in group) for group in members], budget)
    allowances = [0] * len(tier_sections)
    for group, allowance in zip(members, group_allowances, strict=True):
        for index, share in zip(group, water_fill([costs[i] for i in group], allowance), strict=True):
            allowances[index] = share
    return allowances


def water_fill(costs: Sequence[int], budget: int) -> list[int]:
    """Per-item allowances that sum to at most `budget`: small items whole, the large ones an equal share.

    So a long introduction cannot starve the method: each section gets min(its cost, L) for the largest L
    that fits.
    """
    if sum(costs) <= budget:
        return list(costs)
    allowances = [0] * len(costs)
    remaining = budget
    pending = sorted(range(len(costs)), key=lambda i: costs[i])
    while pending:
        share = remaining // len(pending)
        index = pending[0]
        if costs[index] <= share:
            allowances[index] = costs[index]
            remaining -= costs[index]
            pending.pop(0)
            continue
        for index in pending:
            allowances[index] = share
        break
    return allowances


def truncate_to_tokens(text: str, max_tokens: int) -> str:
    """The longest prefix of whole sentences within `max_tokens` (words when one sentence is too long)."""
    if estimate_tokens(text) <= max_tokens:
        return text
    limit = max_tokens - estimate_tokens(CUT_MARK)
    kept: list[str] = []
    used = 0
    for sentence in _SENTENCE_END.split(text.strip()):
        cost = estimate_tokens(sentence) + 1
        if used + cost > limit:
            if not kept:  # a single huge "sentence" (a table dump): keep its first words
                for word in sentence.split():
                    cost = estimate_tokens(word) + 1
                    if used + cost > limit:
                        break
                    kept.append(word)
                    used += cost
            break
        kept.append(sentence)
        used += cost
    return (" ".join(kept) + CUT_MARK) if kept else ""


def select_sections(sections: Sequence[Section], budget: int) -> Selection:
    """The sections to send, within `budget` tokens, in reading order, tier by tier (see SECTION_TIERS)."""
    candidates, omitted = _by_tier(sections)
    chosen: list[SectionExcerpt] = []
    remaining = max(0, budget)
    parents = _parents(sections)
    for number, tier in enumerate(SECTION_TIERS):
        tier_sections = sorted((s for norm in tier for s in candidates[norm]), key=lambda s: s.ordinal)
        if not tier_sections:
            continue
        costs = [estimate_tokens(_section_block(s.title, s.text, s.level)) + 1 for s in tier_sections]
        allowances = _allowances(tier_sections, costs, remaining, parents)
        remaining -= _fill_tier(tier_sections, costs, allowances, chosen, omitted)
        if any(allowance < cost for cost, allowance in zip(costs, allowances, strict=True)):
            # A tier that did not fit whole gets what is left over from its own cuts; later tiers get nothing.
            omitted += [f"{s.title} (over budget)" for later in SECTION_TIERS[number + 1:]
                        for norm in later for s in candidates[norm]]
            break
    chosen.sort(key=lambda e: e.ordinal)
    return Selection(tuple(chosen), tuple(omitted), budget)


def _by_tier(sections: Sequence[Section]) -> tuple[dict[str, list[Section]], list[str]]:
    """The sections that may be sent, by norm, and what is never sent (why, in words)."""
    omitted: list[str] = []
    candidates: dict[str, list[Section]] = {norm: [] for tier in SECTION_TIERS for norm in tier}
    for section in sections:
        if not section.text.strip():
            continue
        if section.norm in NEVER_SENT:
            omitted.append(f"{section.title} ({section.norm}, never sent)")
        elif section.norm == "abstract":
            continue
        elif _ACKNOWLEDGMENTS.search(section.title):
            omitted.append(f"{section.title} (acknowledgments)")
        elif section.norm in candidates:
            candidates[section.norm].append(section)
        else:
            candidates["other"].append(section)
    return candidates, omitted


def _fill_tier(tier_sections: Sequence[Section], costs: Sequence[int], allowances: Sequence[int],
               chosen: list[SectionExcerpt], omitted: list[str]) -> int:
    """Each section of a tier whole, cut to its allowance, or left out; the tokens the chosen ones take."""
    spent = 0
    for section, cost, allowance in zip(tier_sections, costs, allowances, strict=True):
        heading_cost = estimate_tokens(_section_block(section.title, "", section.level)) + 1
        text = section.text if allowance >= cost else truncate_to_tokens(section.text, allowance - heading_cost)
        if not text:
            omitted.append(f"{section.title} (over budget)")
            continue
        tokens = estimate_tokens(_section_block(section.title, text, section.level)) + 1
        chosen.append(SectionExcerpt(section.ordinal, section.title, section.norm, text, tokens, cost, section.level))
        spent += tokens
    return spent


def render_selection(selection: Selection) -> str:
    return "\n\n".join(_section_block(e.title, neutralize(e.text), e.level) for e in selection.excerpts)


# -- prompts -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prompt:
    kind: str  # method | abstract | summary | rerank
    template: PromptTemplate
    messages: tuple[Message, ...]
    prompt_hash: str  # "<template file>@<template hash>:<input hash>", the cache key part
    input_tokens: int  # estimate for the whole request
    note: str = ""  # what was sent, for a reader of the stored analysis

    def with_retry_note(self, failure: str) -> Prompt:
        """The same prompt (same cache key) with the reason the last answer was rejected appended."""
        note = load_template("retry_note", self.template.language)
        text = Template(note.user).safe_substitute(failure=failure.replace("\n", " ")[:300])
        messages = list(self.messages)
        last = messages[-1]
        messages[-1] = {**last, "content": f"{last['content']}\n\n{text}"}
        return replace(self, messages=tuple(messages), input_tokens=message_tokens(messages))


def _prompt(kind: str, template: PromptTemplate, model: str, values: dict[str, str], note: str) -> Prompt:
    system = Template(template.system).safe_substitute(values)
    user = Template(template.user).safe_substitute(values)
    messages: tuple[Message, ...] = (
        ({"role": "system", "content": system},) if system else ()
    ) + ({"role": "user", "content": user},)
    input_hash = hashlib.sha256(f"{system}\x00{user}".encode()).hexdigest()[:16]
    prompt_hash = f"{template.file_name}@{template.hash_for(model)}:{input_hash}"
    return Prompt(kind, template, messages, prompt_hash, message_tokens(messages), note)


def _paper_values(paper: Paper) -> dict[str, str]:
    return {
        "title": neutralize(paper.title),
        "arxiv_id": paper.versioned_id,
        "categories": ", ".join(paper.categories),
        "abstract": neutralize(paper.abstract.strip()),
    }


MAX_LINKS = 20


def _links_text(links: Sequence[Link], language: str) -> str:
    # The paper's own code first: that is the link an analysis needs.
    ordered = sorted(links, key=lambda link: (not link.is_own, not link.is_code, link.page))
    urls = list(dict.fromkeys(link.url for link in ordered))[:MAX_LINKS]
    if not urls:
        return wording_for(language).no_links
    return "\n".join(f"- {neutralize(url)}" for url in urls)


MAX_NOTE_TITLES = 8


def selection_note(selection: Selection, language: str) -> str:
    """One line on what the model read: the sections (the first few by name), cuts, and the token count."""
    cut = [e for e in selection.excerpts if e.truncated]
    names = [e.title for e in selection.excerpts[:MAX_NOTE_TITLES]]
    more = len(selection.excerpts) - len(names)
    wording = wording_for(language)
    listed = wording.list_separator.join(names) + (
        wording.selection_more.format(total=len(selection.excerpts), more=more) if more > 0 else "")
    if cut:
        return wording.selection_note_cut.format(listed=listed, cut=len(cut), tokens=selection.tokens)
    return wording.selection_note.format(listed=listed, tokens=selection.tokens)


def build_method_prompt(
    paper: Paper, sections: Sequence[Section], links: Sequence[Link], *, language: str, model: str, budget: int
) -> Prompt:
    """The 7-part method analysis prompt: metadata, abstract, links, and the sections that fit `budget`."""
    template = load_template("method_analysis", language)
    values = {**_paper_values(paper), "links": _links_text(links, language), "selection_note": "", "body": ""}
    section_budget = budget - _prompt("method", template, model, values, "").input_tokens
    prompt = None
    for _ in range(4):
        selection = select_sections(sections, section_budget)
        note = selection_note(selection, language)
        prompt = _prompt("method", template, model, {**values, "selection_note": note,
                                                     "body": render_selection(selection)}, note)
        # The note and the joins between sections cost a little that the selection cannot see: shrink by that.
        if prompt.input_tokens <= budget:
            break
        section_budget -= prompt.input_tokens - budget
    assert prompt is not None
    return prompt


def build_abstract_prompt(paper: Paper, *, language: str, model: str) -> Prompt:
    """The 5-point abstract analysis prompt: title, categories and abstract only."""
    template = load_template("abstract_analysis", language)
    return _prompt("abstract", template, model, _paper_values(paper), "")


def build_rerank_prompt(paper: Paper, interests: str, *, language: str, model: str) -> Prompt:
    """The rerank prompt: the reader's interests and one paper's abstract; the answer is two scores as JSON."""
    template = load_template("rerank", language)
    return _prompt("rerank", template, model, {**_paper_values(paper), "interests": neutralize(interests)}, "")


@dataclass(frozen=True)
class SummaryEntry:
    """What the summary prompt says about one paper of the day."""

    versioned_id: str
    title: str
    key_findings: tuple[str, ...]
    analysis_excerpt: str


def _entry_block(entry: SummaryEntry, excerpt: str, language: str) -> str:
    label_title, label_findings, label_analysis = wording_for(language).summary_entry_labels
    lines = [f"[{entry.versioned_id}] {label_title}: {neutralize(entry.title)}"]
    if entry.key_findings:
        lines.append(f"{label_findings}:")
        lines += [f"- {neutralize(finding)}" for finding in entry.key_findings]
    if excerpt:
        lines.append(f"{label_analysis}: {neutralize(excerpt)}")
    return "\n".join(lines)


def build_summary_prompt(
    entries: Sequence[SummaryEntry],
    *,
    digest_date: str,
    submission_date: str,
    category: str,
    category_name: str,
    language: str,
    model: str,
    budget: int,
) -> Prompt:
    """The executive summary prompt; analysis excerpts share what the budget leaves after titles and findings."""
    template = load_template("summary", language)
    values = {
        "digest_date": digest_date,
        "submission_date": submission_date,
        "category": category,
        "category_name": category_name,
        "paper_count": str(len(entries)),
    }
    skeleton = "\n\n".join(_entry_block(e, "", language) for e in entries)
    overhead = _prompt("summary", template, model, {**values, "papers": skeleton}, "").input_tokens
    costs = [estimate_tokens(e.analysis_excerpt) + 4 for e in entries]
    allowances = water_fill(costs, max(0, budget - overhead))
    blocks = [
        _entry_block(e, e.analysis_excerpt if allowance >= cost else truncate_to_tokens(e.analysis_excerpt,
                                                                                         allowance - 4), language)
        for e, cost, allowance in zip(entries, costs, allowances, strict=True)
    ]
    return _prompt("summary", template, model, {**values, "papers": "\n\n".join(blocks)}, "")
