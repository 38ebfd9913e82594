"""A model's answer made publishable without changing what it says: reasoning out, one heading style, no small talk.

Real models do not answer in exactly the format a prompt asks for. Reasoning models put their thinking in
`<think>` blocks (closed, left open, or with only the closing tag when the chat template swallowed the opening
one); answers come fenced whole in ```markdown; the required parts arrive as Markdown headings of any level,
bold lines, `一、`, `1)`, `1.`, with an English gloss, in English over a Chinese body, or in Traditional
characters; and many open with "好的，以下是…" and close with "希望对您有帮助！". Everything here is pure text in,
text out: the checks then judge the normalised answer, and the digest shows it in one canonical style.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from arxiv_digest.wording import LANGUAGES, wording_for

# -- reasoning ---------------------------------------------------------------------------------------------

_REASONING_TAGS = r"think|thinking|reasoning|thought"
_CLOSED_BLOCK = re.compile(rf"<\s*({_REASONING_TAGS})\s*>.*?<\s*/\s*\1\s*>", re.IGNORECASE | re.DOTALL)
_OPEN_TAG = re.compile(rf"<\s*(?:{_REASONING_TAGS})\s*>", re.IGNORECASE)
_CLOSE_TAG = re.compile(rf"<\s*/\s*(?:{_REASONING_TAGS})\s*>", re.IGNORECASE)


@dataclass(frozen=True)
class Cleaned:
    """The answer without its reasoning, and how much reasoning was removed (characters)."""

    text: str
    reasoning_chars: int


def strip_reasoning(text: str) -> Cleaned:
    """The answer without `<think>` reasoning of any length.

    A closed block goes wherever it stands. An orphaned closing tag (the template opened the block for the model)
    ends the reasoning: everything before it goes. An opening tag that is never closed starts reasoning that runs
    to the end: it goes, and what came before it stays (often nothing, so the answer is then empty).
    """
    if not (_OPEN_TAG.search(text) or _CLOSE_TAG.search(text)):
        return Cleaned(text.strip(), 0)
    before = len(text.strip())
    text = _CLOSED_BLOCK.sub("", text)
    closing = list(_CLOSE_TAG.finditer(text))
    if closing:
        text = text[closing[-1].end():]
    opening = _OPEN_TAG.search(text)
    if opening:
        text = text[: opening.start()]
    text = text.strip()
    return Cleaned(text, max(0, before - len(text)))


# -- fences ------------------------------------------------------------------------------------------------

_WHOLE_FENCE = re.compile(r"^\s*(```|~~~)\s*(?:markdown|md|text|plaintext)?\s*\n(.*?)(?:\n\1\s*)?$", re.DOTALL
                          | re.IGNORECASE)


def unwrap_fence(text: str) -> str:
    """The answer inside a fence that wraps it whole (```markdown … ```), closed or not; other text unchanged.

    Only a fence that opens on the first line and whose body holds no other fence is unwrapped: an answer that
    merely contains code keeps it.
    """
    match = _WHOLE_FENCE.match(text)
    if not match:
        return text
    body = match.group(2)
    if re.search(r"^\s*(```|~~~)", body, re.MULTILINE):
        return text
    return body.strip()


# -- headings ----------------------------------------------------------------------------------------------

# Traditional characters of the part names, mapped to the simplified ones the patterns are written in (only for
# matching a heading; the body is left as the model wrote it).
_TRADITIONAL = str.maketrans("譯動機設計詳對實驗總結論獻響領應創潛從於貢點與關鍵鍵導態發現據顯",
                             "译动机设计详对实验总结论献响领应创潜从于贡点与关键键导态发现据显")
_CHINESE_NUMERALS = "一二三四五六七八九十"
_NUMBER = rf"(?:\d{{1,2}}|[{_CHINESE_NUMERALS}]{{1,2}})"
# What may precede a heading's words: Markdown hashes, bold or italic markers, "Part 2:", a number with its
# punctuation ("1.", "1)", "(1)", "一、", "第二部分："), in any order a model writes them.
_HEADING_LEAD = re.compile(
    rf"^\s{{0,3}}(?:#{{1,6}}\s*)?(?:[*_]{{1,3}}\s*)?"
    rf"(?:(?:part|section|step)\s*{_NUMBER}\s*[:：.、-]?\s*|第\s*{_NUMBER}\s*(?:部分|节|点)\s*[:：、.]?\s*"
    rf"|[(（]\s*{_NUMBER}\s*[)）]\s*|{_NUMBER}\s*[.．、)）:：]\s*)?"
    r"(?:[*_]{1,3}\s*)?",
    re.IGNORECASE,
)
_HEADING_TAIL = re.compile(r"[\s*_:：#]+$")
# A heading's words are a name, not a sentence: short, and no sentence punctuation inside.
MAX_HEADING_CHARS = 60


@dataclass(frozen=True)
class HeadingLine:
    index: int  # line number
    words: str  # the heading's words without markers
    marked: bool  # written as a heading (hashes, bold, a number), not just a short plain line
    inline_body: str  # text after "**Heading**：" on the same line
    list_item: bool = False  # "- **Heading**：…": a heading only when the answer has no better ones


_BOLD_LEAD = re.compile(r"^\s*(?:[-*+]\s+|\d{1,2}\s*[.)、]\s*)?\*\*(.+?)\*\*\s*[:：]\s*(.*)$")


def heading_candidate(line: str, index: int) -> HeadingLine | None:
    """The line as a possible part heading, or None when it is clearly body text."""
    stripped = line.strip()
    if not stripped or len(stripped) > MAX_HEADING_CHARS + 20:
        bold = _BOLD_LEAD.match(stripped) if stripped else None
        if bold and len(bold.group(1)) <= MAX_HEADING_CHARS:
            # "**1. 摘要翻译**：本文提出…" — a heading with its body on the same line.
            return HeadingLine(index, _HEADING_TAIL.sub("", _HEADING_LEAD.sub("", bold.group(1))), True,
                               bold.group(2).strip(), _is_list_item(stripped))
        return None
    if stripped.startswith(("- ", "* ", "+ ", ">", "|")) and not stripped.startswith("* *"):
        bold = _BOLD_LEAD.match(stripped)
        if not bold:
            return None
    lead = _HEADING_LEAD.match(stripped)
    rest = stripped[lead.end():] if lead else stripped
    marked = bool(lead and lead.group(0).strip())
    bold = _BOLD_LEAD.match(stripped)
    inline = ""
    if bold and bold.group(2).strip():
        rest, inline = _HEADING_LEAD.sub("", bold.group(1)), bold.group(2).strip()
        marked = True
    words = _HEADING_TAIL.sub("", rest).strip().strip("*_ ")
    if not words or len(words) > MAX_HEADING_CHARS:
        return None
    if not inline and re.search(r"[。！？!?；;]|[.,，]\s", words):
        return None  # a sentence, not a name
    return HeadingLine(index, words, marked, inline, _is_list_item(stripped))


def _is_list_item(line: str) -> bool:
    return bool(re.match(r"^[-*+]\s", line))


def _part_patterns(kind: str) -> list[list[re.Pattern[str]]]:
    """Per required part, the patterns of every language (an English heading over a Chinese body is common)."""
    parts: list[list[re.Pattern[str]]] = []
    for wording in LANGUAGES.values():
        table = wording.method_heading_patterns if kind == "method" else wording.abstract_heading_patterns
        for i, (_, pattern) in enumerate(table):
            if len(parts) <= i:
                parts.append([])
            parts[i].append(re.compile(pattern, re.IGNORECASE))
    return parts


def _matching_part(words: str, patterns: Sequence[Sequence[re.Pattern[str]]], start: int) -> int | None:
    key = words.translate(_TRADITIONAL)
    for part in range(start, len(patterns)):
        if any(p.search(key) for p in patterns[part]):
            return part
    return None


@dataclass(frozen=True)
class Parts:
    """The required parts found in an answer, in order: (part number from 0, heading line, body lines)."""

    found: tuple[tuple[int, str], ...]  # (part, body)
    before: str  # text before the first part (a preamble)


def split_parts(text: str, kind: str) -> Parts | None:
    """The answer's required parts in any heading style, or None when fewer than three are recognisable.

    Headings are taken in order: a part is looked for only after the one before it, so a bold line in a body
    that happens to name a later part does not swallow the parts between. Bulleted bold leads ("- **总结**：…")
    count only when the answer's other lines give fewer parts: inside a body they are sub-points.
    """
    lines = text.splitlines()
    strict = _hits(lines, kind, list_items=False)
    loose = _hits(lines, kind, list_items=True)
    hits = strict if len(strict) >= len(loose) else loose
    if len(hits) < 3:
        return None
    found = []
    for n, (line, part, inline) in enumerate(hits):
        end = hits[n + 1][0] if n + 1 < len(hits) else len(lines)
        body = "\n".join(([inline] if inline else []) + lines[line + 1:end]).strip()
        found.append((part, body))
    return Parts(tuple(found), "\n".join(lines[: hits[0][0]]).strip())


def _hits(lines: Sequence[str], kind: str, list_items: bool) -> list[tuple[int, int, str]]:
    """(line, part, inline body) of the headings, chosen as the longest chain of parts in order.

    Each heading-like line may name one or more parts ("**流程总结：**" inside part 3 names part 7 too); the chain
    that recognises the most parts wins, and among equals the one whose headings look most like headings
    (Markdown, then a number, then bold), so a sub-heading never displaces the real part heading.
    """
    patterns = _part_patterns(kind)
    options: list[tuple[int, int, str, int]] = []  # (line, part, inline body, style weight)
    for i, line in enumerate(lines):
        candidate = heading_candidate(line, i)
        if candidate is None or (candidate.list_item and not list_items):
            continue
        if not candidate.marked and len(candidate.words) > 24:
            continue
        key = candidate.words.translate(_TRADITIONAL)
        weight = _style_weight(line) + (2 if len(key) <= 16 else 0)
        for part, part_patterns in enumerate(patterns):
            if any(p.search(key) for p in part_patterns):
                options.append((i, part, candidate.inline_body, weight))
    # Longest chain with increasing lines and parts; best[k] = (parts found, weight, previous option).
    best: list[tuple[int, int, int]] = []
    for k, (line, part, _, weight) in enumerate(options):
        choice = (1, weight, -1)
        for j in range(k):
            if options[j][0] < line and options[j][1] < part:
                count, total, _ = best[j]
                if (count + 1, total + weight) > choice[:2]:
                    choice = (count + 1, total + weight, j)
        best.append(choice)
    if not best:
        return []
    k = max(range(len(best)), key=lambda n: best[n][:2])
    chain = []
    while k >= 0:
        line, part, inline, _ = options[k]
        chain.append((line, part, inline))
        k = best[k][2]
    return chain[::-1]


def _style_weight(line: str) -> int:
    stripped = line.strip()
    if stripped.startswith("#"):
        return 3
    if re.match(rf"^(?:\*\*)?\s*(?:{_NUMBER}|第)", stripped):
        return 2
    return 1 if stripped.startswith(("**", "__")) else 0


def canonical(parts: Parts, kind: str, language: str) -> str:
    """The parts under the headings our prompts ask for: `### N. name` (method) or `**N. name**` (abstract)."""
    wording = wording_for(language)
    names = wording.method_headings if kind == "method" else wording.abstract_headings
    blocks = []
    for part, body in parts.found:
        heading = f"### {part + 1}. {names[part]}" if kind == "method" else f"**{part + 1}. {names[part]}**"
        blocks.append(f"{heading}\n\n{_dedent_rules(body)}".rstrip())
    return "\n\n".join(blocks).strip() + "\n"


def _dedent_rules(body: str) -> str:
    """A body without the horizontal rules models put between parts (the canonical style has none)."""
    lines = body.splitlines()
    while lines and re.fullmatch(r"\s*([-*_])(\s*\1){2,}\s*", lines[-1]):
        lines.pop()
    while lines and re.fullmatch(r"\s*([-*_])(\s*\1){2,}\s*", lines[0]):
        lines.pop(0)
    return "\n".join(lines).strip()


# -- small talk ----------------------------------------------------------------------------------------------

# Openings that introduce the answer and closings that offer more help: they say nothing about the paper.
_OPENING = re.compile(
    r"^(?:好的|好|当然|没问题|以下是|下面是|这是|这里是|根据您?提供的|我将|我会|收到|明白"
    r"|sure|certainly|of course|okay|ok\b|here(?:'s| is| are)|below is|i(?:'ll| will) |absolutely|great)",
    re.IGNORECASE)
_CLOSING = re.compile(
    r"(?:(?:最后，?|总之，?|以上就是[^。！？\n]{0,30}[，,。]?)?希望(?:这|以上|本|该|此)?.{0,20}(?:帮助|有用|参考|洞察|价值|启发|满足)|如(?:果|需|有)(?:您|你)?(?:还)?(?:需要|有(?:任何|其他|更多)?"
    r"(?:问题|疑问|需要))|欢迎(?:继续|随时|进一步)|随时(?:告诉|联系|提问)|祝您|请告诉我|如需进一步"
    r"|hope (?:this|that|it) helps|let me know|feel free to|happy to help|i hope (?:this|the)"
    r"|if you (?:need|have|want|would like)|don'?t hesitate)",
    re.IGNORECASE)
MAX_SMALL_TALK_CHARS = 240


def _paragraphs(text: str) -> list[str]:
    return [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]


def trim_small_talk(text: str) -> str:
    """Without an opening paragraph that only introduces the answer and closing ones that offer more help.

    An answer that is nothing but such paragraphs ("OK", "好的，请提供论文。") is left whole: it is for the
    checks to reject, not for us to empty.
    """
    paragraphs = _paragraphs(text)
    if all(_is_opening(p) or _is_closing(p) for p in paragraphs):
        return text.strip()
    while paragraphs and _is_opening(paragraphs[0]):
        paragraphs.pop(0)
    while paragraphs and _is_closing(paragraphs[-1]):
        paragraphs.pop()
    if paragraphs:
        # A closing sentence glued to the last paragraph ("…速记版流程。希望对您有帮助！").
        last = paragraphs[-1]
        lines = last.splitlines()
        while len(lines) > 1 and _is_closing(lines[-1]):
            lines.pop()
        paragraphs[-1] = _trim_closing_sentence("\n".join(lines))
    return "\n\n".join(paragraphs).strip()


def _is_rule(paragraph: str) -> bool:
    return bool(re.fullmatch(r"\s*([-*_])(\s*\1){2,}\s*", paragraph))


def _is_opening(paragraph: str) -> bool:
    flat = paragraph.strip().strip("*_ ")
    return _is_rule(paragraph) or (len(flat) <= MAX_SMALL_TALK_CHARS and bool(_OPENING.match(flat))
                                   and not flat.startswith("#"))


def _is_closing(paragraph: str) -> bool:
    stripped = paragraph.strip()
    flat = stripped.strip("*_> ")
    return _is_rule(paragraph) or (len(flat) <= MAX_SMALL_TALK_CHARS and bool(_CLOSING.match(flat))
                                   and not re.match(r"^(?:[-*+]|\d+[.)])\s", stripped))


_LAST_SENTENCE = re.compile(r"(?<=[。！？!?.])\s*([^。！？!?\n]+[。！？!?.]?\s*)$")


def _trim_closing_sentence(paragraph: str) -> str:
    """The paragraph without closing sentences of small talk at its end (only when something remains)."""
    while True:
        match = _LAST_SENTENCE.search(paragraph)
        if not match or match.start() == 0 or len(match.group(1)) > MAX_SMALL_TALK_CHARS \
                or not _CLOSING.match(match.group(1).strip()):
            return paragraph.strip()
        paragraph = paragraph[: match.start()]


# -- the whole answer ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Normalised:
    text: str
    reasoning_chars: int
    restructured: bool  # the parts were recognised and re-emitted in the canonical style


def normalise_analysis(raw: str, kind: str, language: str) -> Normalised:
    """A model's analysis ready to check and publish: no reasoning, no wrapping fence, no small talk, the
    required parts under canonical headings (when at least three are recognisable; else the text as it is,
    for the checks to judge)."""
    cleaned = strip_reasoning(raw)
    text = _unwrapped(cleaned.text)
    parts = split_parts(text, kind) if kind in ("method", "abstract") else None
    if parts is None:
        return Normalised(trim_small_talk(text), cleaned.reasoning_chars, False)
    last_part, last_body = parts.found[-1]
    trimmed = (*parts.found[:-1], (last_part, trim_small_talk(last_body)))
    return Normalised(canonical(Parts(trimmed, ""), kind, language), cleaned.reasoning_chars, True)


def normalise_summary(raw: str) -> Normalised:
    """The day's summary without reasoning, wrapping fence, opening or closing small talk."""
    cleaned = strip_reasoning(raw)
    return Normalised(trim_small_talk(_unwrapped(cleaned.text)), cleaned.reasoning_chars, False)


def without_reasoning(raw: str) -> Normalised:
    """Only the reasoning taken out: for answers with a format of their own (the rerank's scores)."""
    cleaned = strip_reasoning(raw)
    return Normalised(cleaned.text, cleaned.reasoning_chars, False)


def _unwrapped(text: str) -> str:
    """Without a whole-answer fence, also when small talk stands outside it ("好的：```markdown … ``` 希望…")."""
    inner = unwrap_fence(text)
    return inner if inner != text else unwrap_fence(trim_small_talk(text))
