"""Checks that Great Expectations cannot express: refusals, grounding, language, structure, dates.

Every function here is pure (text in, findings out), so the analysis step can gate a model's answer before it
is stored, the quality suites can derive columns from the store, and `arxiv-digest check` can audit any digest
file in the seed's format, all with the same rules.
"""

from __future__ import annotations

import difflib
import html
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from arxiv_digest.catalog.announcements import announcement, no_announcement_reason
from arxiv_digest.urls import (
    CODE_HOSTS,
    NOTEBOOK_HOSTS,
    PAGES_SUFFIXES,
    TRAILING_URL_JUNK,
    on_code_host,
    repository_root,
    url_key,
)
from arxiv_digest.wording import LANGUAGES, wording_for

if TYPE_CHECKING:  # digest_format imports this module; the parsed types are only annotations here
    from quality.digest_format import ParsedDigest, ParsedPaper

Severity = Literal["blocking", "warning"]
Language = str  # a key of arxiv_digest.wording.LANGUAGES
AnalysisKind = Literal["method", "abstract", "withheld"]

BLOCKING: Severity = "blocking"
WARNING: Severity = "warning"

# Check names are stable identifiers: the CLI prints them, tests pin them, quality_results stores them.
ANALYSIS_EMPTY = "analysis_empty"
ANALYSIS_TOO_SHORT = "analysis_too_short"
ANALYSIS_TRUNCATED = "analysis_truncated"
ANALYSIS_REFUSAL = "analysis_refusal"
ANALYSIS_WRONG_LANGUAGE = "analysis_wrong_language"
ANALYSIS_MISSING_HEADINGS = "analysis_missing_headings"
ANALYSIS_UNGROUNDED_URL = "analysis_ungrounded_url"
ANALYSIS_UNAVAILABLE = "analysis_unavailable"
KEY_FINDING_NOT_IN_ABSTRACT = "key_finding_not_in_abstract"
SUMMARY_EMPTY = "summary_empty"
SUMMARY_REFUSAL = "summary_refusal"
SUMMARY_UNKNOWN_PAPER = "summary_unknown_paper"
SUMMARY_WRONG_DATE = "summary_wrong_date"
SUMMARY_WRONG_LANGUAGE = "summary_wrong_language"
SUMMARY_REPETITIVE = "summary_repetitive"
SUMMARY_TRUNCATED = "summary_truncated"


@dataclass(frozen=True)
class Finding:
    """One problem: `paper_id` is the versioned arXiv id, or "" for a day-level problem."""

    paper_id: str
    check: str
    severity: Severity
    detail: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


# -- text helpers --------------------------------------------------------------------------------------------

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_FENCED_CODE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_MATH = re.compile(r"\$\$.*?\$\$|\$[^$\n]+\$", re.DOTALL)
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'`\]\[（）()，。、；]+(?:\([^\s()]*\)[^\s<>\"'`\]\[（）()，。、；]*)*",
                  re.IGNORECASE)
_MD_LINK = re.compile(r"\[(?:\\.|[^\]\\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_SPACES = re.compile(r"\s+")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~<])")


def unescape_markdown(text: str) -> str:
    """Undo the escaping our publisher applies to arXiv text (backslashes, HTML entities)."""
    return html.unescape(_MD_ESCAPE.sub(r"\1", text))


def normalize_text(text: str) -> str:
    """Comparable form of prose: NFKC, unescaped, one space, straight quotes and dashes, lower case."""
    text = unicodedata.normalize("NFKC", unescape_markdown(text))
    text = text.translate(str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "‐": "-"}))
    return _SPACES.sub(" ", text).strip().lower()


def _prose_only(text: str) -> str:
    """Text without code, math, URLs and quoted blocks: what the language of an analysis is judged on."""
    text = _FENCED_CODE.sub(" ", text)
    text = _INLINE_CODE.sub(" ", text)
    text = _MATH.sub(" ", text)
    text = _MD_LINK.sub(" ", text)
    text = _URL.sub(" ", text)
    # Blockquotes hold the paper's own words (our extractive analyses quote the abstract that way).
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(">"))


# A short run of Latin words between Chinese characters or punctuation is a technical term kept in English
# ("使用 cross-attention fusion module 融合"), not English prose: the language share leaves it out.
_CJK_SIDE = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff，。、：；！？（）“”《》【】]"
_EMBEDDED_TERM = re.compile(
    rf"(?<={_CJK_SIDE})[ \t]*[A-Za-z][\w\-./+&']*(?:[ \t]+[A-Za-z][\w\-./+&']*){{0,3}}[ \t]*(?={_CJK_SIDE})")


def cjk_ratio(text: str) -> float:
    """Share of CJK ideographs among all letters (CJK + Latin) of the prose; 0.0 when there are no letters.

    Prose is the text without code, formulas, URLs, quotes and technical terms embedded in Chinese sentences.
    """
    prose = _EMBEDDED_TERM.sub("", _prose_only(text))
    cjk = len(_CJK.findall(prose))
    latin = len(_LATIN.findall(prose))
    return cjk / (cjk + latin) if cjk + latin else 0.0


def content_length(text: str) -> int:
    """Characters that carry content: no whitespace, no markdown markers."""
    return len(re.sub(r"[\s#*_>`|\-]", "", text))


# -- refusals --------------------------------------------------------------------------------------------------

# A request for the paper, "I'm sorry, but I can't" and "as an AI model" are refusals wherever they stand: an
# analysis never needs them. A statement of inability ("我无法访问全文", "I would need the full text") can also be
# an honest caveat at the top of a real abstract analysis, so it counts only when no analysis body follows.
# The phrases are in the wording tables; every language's are checked, whatever the digest's language.
_REFUSAL_PATTERNS: tuple[tuple[str, re.Pattern[str], bool], ...] = tuple(
    (reason, re.compile(regex), anywhere)
    for wording in LANGUAGES.values() for reason, regex, anywhere in wording.refusal_patterns
)
# A text with this much content under at least three headings is an analysis that may carry a caveat, not a
# bare refusal (the seed's refusals are 60-120 characters with no heading).
REFUSAL_BODY_CHARS = 300
REFUSAL_BODY_HEADINGS = 3


def is_refusal(text: str) -> str | None:
    """Why `text` is a refusal or a request for the paper instead of an analysis, or None.

    The reason quotes the sentence, e.g. 'asks for the paper: "请提供您希望我分析的论文内容。"'. A statement
    that the paper cannot be reached is a caveat in a real analysis, but a refusal when there is no analysis
    body, or when a part says nothing else (a 7-part answer whose parts each say "我无法访问该论文的全文").
    """
    flat = _SPACES.sub(" ", text)
    has_body = content_length(text) > REFUSAL_BODY_CHARS and len(heading_lines(text)) >= REFUSAL_BODY_HEADINGS
    for reason, pattern, anywhere in _REFUSAL_PATTERNS:
        if not anywhere and has_body:
            continue
        match = pattern.search(flat)
        if match:
            return f'{reason}: "{_sentence_around(flat, match.start(), match.end())}"'
    return hollow_part(text) if has_body else None


# A part whose body is no more than this once its "cannot access" sentence is gone says nothing about the paper.
HOLLOW_PART_CHARS = 60


def hollow_part(text: str) -> str | None:
    """Why an answer with headings is hollow: a part that only says the paper is unavailable, or such
    statements in two parts or more (the model pretends to answer what it could not read)."""
    caveats = [pattern for _, pattern, anywhere in _REFUSAL_PATTERNS if not anywhere]
    saying = []
    for heading, body in part_bodies(text):
        flat = _SPACES.sub(" ", body)
        for pattern in caveats:
            match = pattern.search(flat)
            if match:
                sentence = _sentence_around(flat, match.start(), match.end(), limit=10_000)
                saying.append((heading, sentence, content_length(flat.replace(sentence, "")) < HOLLOW_PART_CHARS))
                break
    for heading, sentence, empty in saying:
        if empty or len(saying) >= 2:
            shown = sentence if len(sentence) <= 120 else sentence[:119] + "…"
            return f'says it cannot access the paper in part {heading[:40]!r}: "{shown}"'
    return None


def part_bodies(text: str) -> list[tuple[str, str]]:
    """(heading, body) for each heading of the text, in order (text before the first heading is left out)."""
    parts: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if _HEADING_LINE.match(line):
            parts.append((line.strip(), []))
        elif parts:
            parts[-1][1].append(line)
    return [(heading, "\n".join(lines).strip()) for heading, lines in parts]


def _sentence_around(text: str, start: int, end: int, limit: int = 120) -> str:
    """The sentence holding text[start:end], so a reader sees the refusal in its own words."""
    stops = "。！？!?\n"
    begin = max((text.rfind(stop, 0, start) for stop in stops), default=-1) + 1
    # An English period ends a sentence only before a space ("e.g." and URLs keep going).
    period = text.rfind(". ", 0, start)
    begin = max(begin, period + 2 if period >= 0 else 0)
    ends = [i for i in (text.find(stop, end) for stop in stops) if i >= 0]
    period_end = text.find(". ", end)
    if period_end >= 0:
        ends.append(period_end)
    finish = min(ends) + 1 if ends else len(text)
    sentence = text[begin:finish].strip()
    return sentence if len(sentence) <= limit else sentence[: limit - 1] + "…"


# -- structure -------------------------------------------------------------------------------------------------

_HEADING_LINE = re.compile(
    r"^\s{0,3}(?:#{1,6}\s+.+|\*\*[^*\n].*?\*\*\s*[:：]?\s*$|__[^_\n].*?__\s*$|\d+[.、)]\s*\*\*.+?\*\*.*$)"
)
# How the digest marks an analysis the gate withheld or the step could not write; the publisher writes these.
WITHHELD_PREFIX = "> Analysis withheld:"
UNAVAILABLE_PREFIX = "> Analysis unavailable:"
# Labels our own analyzers put on the first lines; the analysis quotes the paper verbatim, so its language is
# the paper's and that is intended.
# Any language's label counts: a digest's language is judged separately.
_EXTRACTIVE_LABEL = re.compile("|".join(re.escape(w.extractive_analysis_marker) for w in LANGUAGES.values()))
_ABSTRACT_ONLY_LABEL = re.compile(
    r"^\*?(?:" + "|".join(re.escape(w.abstract_only_marker) for w in LANGUAGES.values()) + ")", re.MULTILINE)


def quotes_the_paper(text: str) -> bool:
    """True for our extractive analyses, which quote the paper verbatim: their language is the paper's."""
    return bool(_EXTRACTIVE_LABEL.search(text))


def heading_lines(text: str) -> list[str]:
    """Lines that act as headings: markdown headings, whole-line bold text, numbered bold items."""
    return [line.strip() for line in text.splitlines() if _HEADING_LINE.match(line)]


def _present_parts(text: str, parts: Sequence[tuple[str, str]]) -> list[str]:
    headings = "\n".join(heading_lines(text))
    return [name for name, pattern in parts if re.search(pattern, headings, re.IGNORECASE)]


def infer_kind(text: str, language: Language) -> AnalysisKind | None:
    """method, abstract or withheld from the text's shape; None when it has neither structure."""
    stripped = text.strip()
    if stripped.startswith(WITHHELD_PREFIX):
        return "withheld"
    wording = wording_for(language)
    method = len(_present_parts(text, wording.method_heading_patterns))
    abstract = len(_present_parts(text, wording.abstract_heading_patterns))
    if _ABSTRACT_ONLY_LABEL.search(text) or (abstract >= 3 and abstract > method):
        return "abstract"
    if method >= 3:
        return "method"
    return None


def missing_headings(text: str, kind: AnalysisKind, language: Language) -> list[str]:
    wording = wording_for(language)
    parts = wording.method_heading_patterns if kind == "method" else wording.abstract_heading_patterns
    present = set(_present_parts(text, parts))
    return [name for name, _ in parts if name not in present]


_TERMINAL = tuple(".!?。！？…)）]】」』”\"'`*|:：>~")
_DANGLING = (*",，、;；(（[【「『-–—/&+=", " and", " or", " the", " of", "的", "和", "与", "及")


def truncation(text: str) -> tuple[Severity, str] | None:
    """How the text looks cut off, if it does: (severity, why)."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    fences = sum(1 for line in lines if line.lstrip().startswith(("```", "~~~")))
    if fences % 2:
        return BLOCKING, "a code block is opened and never closed"
    # Horizontal rules and blank lines at the end are layout, not content.
    while lines and (not lines[-1].strip() or re.fullmatch(r"\s*([-*_])(\s*\1){2,}\s*", lines[-1])):
        lines.pop()
    if not lines:
        return None
    last = lines[-1].strip()
    bold_heading = (
        last.startswith("**") and last.endswith(("**", "**:", "**：")) and _HEADING_LINE.match(last) is not None
        # "**总之，该方法前景广阔。**" is an emphasised closing sentence, not a heading.
        and not last.rstrip(":：").removesuffix("**").endswith(tuple(".!?。！？"))
    )
    if re.match(r"^#{1,6}\s", last) or bold_heading:
        return BLOCKING, f"it ends with a heading that has no body: {last[:60]!r}"
    if last.count("**") % 2:
        return BLOCKING, f"the last line opens bold text and never closes it: {last[-60:]!r}"
    if last.endswith(_DANGLING):
        return BLOCKING, f"it ends mid-sentence: {last[-60:]!r}"
    if last.endswith(("：", ":")) and not _HEADING_LINE.match(last):
        return BLOCKING, f"it ends with a lead-in to nothing: {last[-60:]!r}"
    list_item = re.match(r"^\s*([-*+]|\d+[.)])\s", last) is not None
    # A bulleted noun phrase ("*   **核心思想**：INR 超网络") is a style; a bulleted sentence of several clauses
    # that stops without punctuation was cut.
    unfinished_item = list_item and re.search(r"[，,；;、]", re.sub(r"^.*?\*\*[:：]?", "", last))
    if (not last.endswith(_TERMINAL) and "|" not in last and (not list_item or unfinished_item)
            and _ends_its_lines(lines[:-1])):
        # The answer ends its other lines with punctuation, this one not: it was cut, whatever the server said.
        return BLOCKING, f"it stops mid-sentence: {last[-60:]!r}"
    if not last.endswith(_TERMINAL) and not re.match(r"^\s*([-*+]|\d+[.)])\s", last) and "|" not in last:
        return WARNING, f"the last sentence has no closing punctuation: {last[-60:]!r}"
    return None


# Share of an answer's own body lines that end with closing punctuation from which an unpunctuated last line is
# taken as cut off: a model that ends its points with "。" ends its last one so too.
PUNCTUATED_SHARE = 0.8
MIN_BODY_LINES = 5


def _ends_its_lines(lines: Sequence[str]) -> bool:
    body = [line.strip() for line in lines if len(line.strip()) >= 15 and not _HEADING_LINE.match(line)
            and "|" not in line and not line.strip().startswith(("```", "~~~", ">"))]
    if len(body) < MIN_BODY_LINES:
        return False
    return sum(line.endswith(_TERMINAL) for line in body) / len(body) >= PUNCTUATED_SHARE


# -- loops -----------------------------------------------------------------------------------------------------

# A block said three times in a row is a loop, wherever it stands and whatever its period: a line or paragraph
# repeated verbatim, or a phrase looping inside one line. Short repeats (table rules, "—" cells) stay below
# the minimum span.
LOOP_REPEATS = 3
MIN_LOOP_CHARS = 120
_LOOP_IN_LINE = re.compile(r"(.{20,600}?)\1{2,}", re.DOTALL)


def repeated_block(text: str) -> str | None:
    """The start of a block the text repeats three times in a row (at least MIN_LOOP_CHARS in all), or None."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    n = len(lines)
    for period in range(1, n // LOOP_REPEATS + 1):
        for start in range(0, n - LOOP_REPEATS * period + 1):
            block = lines[start:start + period]
            if sum(len(line) for line in block) * LOOP_REPEATS < MIN_LOOP_CHARS:
                continue
            if all(lines[start + k * period:start + (k + 1) * period] == block for k in range(1, LOOP_REPEATS)):
                return " / ".join(block)[:80]
    for line in lines:
        if len(line) >= MIN_LOOP_CHARS:
            match = _LOOP_IN_LINE.search(line)
            if match and len(match.group(0)) >= MIN_LOOP_CHARS:
                return match.group(1)[:80]
    return None


# -- URLs ------------------------------------------------------------------------------------------------------


# A link written without a scheme: a code host's domain with a path, or a forge's Pages site ("github.com/o/r",
# "huggingface.co/o/m", "org.github.io/project"); models write them so as often as full URLs.
_BARE_CODE_LINK = re.compile(
    r"(?<![\w./@:-])(?:(?:" + "|".join(re.escape(host) for host in sorted(CODE_HOSTS | NOTEBOOK_HOSTS))
    + r")/[^\s<>\"'`\]\[（）()，。、；]+|[\w-]+(?:" + "|".join(re.escape(s) for s in PAGES_SUFFIXES)
    + r")(?:/[^\s<>\"'`\]\[（）()，。、；]*)?)",
    re.IGNORECASE)
# A Markdown link's target that names a host without a scheme ("[code](github.com/o/r)", "[page](x.io/p)").
_HOST_LIKE = re.compile(r"^[\w-]+(?:\.[\w-]+)+(?:[/?#]|$)")


def extract_urls(text: str) -> list[str]:
    """Every URL in markdown links and bare text, with a scheme or without one on code hosts, in order of
    appearance, without duplicates."""
    found: list[str] = []
    for match in _MD_LINK.finditer(text):
        target = match.group(1)
        if target.lower().startswith(("http://", "https://", "www.")) or _HOST_LIKE.match(target):
            found.append(target)
    rest = _MD_LINK.sub(" ", text)
    found += [match.group(0) for match in _URL.finditer(rest)]
    found += [match.group(0) for match in _BARE_CODE_LINK.finditer(_URL.sub(" ", rest))]
    return list(dict.fromkeys(url.rstrip(TRAILING_URL_JUNK) for url in found))


def url_grounded(url: str, ground_truth: Iterable[str]) -> bool:
    """True when the URL, or the repository/page it points into, is one of the ground-truth URLs."""
    candidate = url_key(url)
    root = repository_root(candidate)
    for known in ground_truth:
        known_norm = url_key(known)
        if candidate == known_norm or root == repository_root(known_norm):
            return True
        # A deeper page of a known site (project page subpaths), or the site of a known deeper page.
        if candidate.startswith(known_norm + "/") or (
            known_norm.startswith(candidate + "/") and urlsplit(candidate).path not in ("", "/")
        ):
            return True
    return False


def _own_arxiv_urls(paper_id: str) -> set[str]:
    base = re.sub(r"v\d+$", "", paper_id)
    urls = set()
    for kind in ("abs", "pdf", "html"):
        urls |= {f"https://arxiv.org/{kind}/{base}", f"https://arxiv.org/{kind}/{paper_id}"}
    return urls


def check_urls(
    paper_id: str, analysis_text: str, *, abstract: str, paper_urls: set[str] | None
) -> list[Finding]:
    """Every URL in the analysis must come from the abstract, the paper's own links, or its arXiv pages.

    A code link that is in neither is blocking (the seed's dinov3 link in a HUVR analysis). Other links are
    blocking when `paper_urls` (the links found in the PDF) is known, and warnings when only the abstract is,
    because the full text may hold a link the file alone cannot confirm.
    """
    ground = set(extract_urls(unescape_markdown(abstract))) | _own_arxiv_urls(paper_id) | set(paper_urls or ())
    findings = []
    for url in extract_urls(analysis_text):
        if url_grounded(url, ground):
            continue
        severity = BLOCKING if on_code_host(url) or paper_urls is not None else WARNING
        source = "the abstract or the paper's links" if paper_urls is not None else "the abstract"
        findings.append(Finding(paper_id, ANALYSIS_UNGROUNDED_URL, severity,
                                f"{url_key(url)} is not in {source}"))
    return findings


# -- about this paper ---------------------------------------------------------------------------------------------

ANALYSIS_OTHER_PAPER = "analysis_other_paper"
ANALYSIS_REPETITIVE = "analysis_repetitive"
# Words of titles and abstracts that name no paper in particular.
_GENERIC = frozenset("""
a an the of for and or in on to with via from by as at into towards toward using based through beyond without
under over via is are be our we its their this that these those new novel approach approaches method methods
model models network networks learning deep neural framework frameworks task tasks data dataset datasets
image images video videos vision visual language large multimodal benchmark benchmarks analysis study towards
efficient robust scalable generalizable unified simple effective improving improved improve enhancing enhanced
understanding generation generative training paper work results performance state art sota ai llm llms mllm
mllms vlm vlms cnn cnns gpt rgb 3d 2d 4d via end e.g i.e us large-scale fine-tuning zero-shot few-shot
""".split())
_NAME_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-+/.][A-Za-z0-9]+)*")


def _name_like(token: str) -> bool:
    """An acronym, a CamelCase name or a name with digits ("DAVIS-2017", "ViT-B/16", "OmniTransfer")."""
    return len(token) >= 3 and token.lower() not in _GENERIC and (
        sum(c.isupper() for c in token) >= 2
        or (any(c.isdigit() for c in token) and any(c.isalpha() for c in token)))


def paper_terms(title: str, abstract: str, context: str = "") -> dict[str, int]:
    """The terms that tell this paper apart, with their weight: its method's name (3), names in its title,
    abstract and the sections read (acronyms, CamelCase, names with digits: 2), the title's other content
    words and the abstract's proper names and figures (1)."""
    terms: dict[str, int] = {}
    head = title.split(":", 1)[0] if ":" in title else ""
    if head and len(head.split()) <= 3:
        terms[head.strip().lower()] = 3
    for token in _NAME_TOKEN.findall(f"{title} {abstract} {context}"):
        if _name_like(token):
            terms.setdefault(token.lower(), 2)
    for word in re.findall(r"[A-Za-z][A-Za-z-]{4,}", title):
        if word.lower() not in _GENERIC:
            terms.setdefault(word.lower().removesuffix("s"), 1)
    # Proper names inside sentences ("Wasserstein", "Orfitelli") and figures ("41.3%", "1,024") survive translation.
    for match in re.finditer(r"(?<=[a-z,;] )[A-Z][a-z]{3,}", abstract):
        if match.group(0).lower() not in _GENERIC:
            terms.setdefault(match.group(0).lower(), 1)
    for figure in re.findall(r"(?<![\w.])\d+(?:[.,]\d+)+%?|(?<![\w.])\d{2,}%", abstract):
        terms.setdefault(figure, 1)
    return terms


@dataclass(frozen=True)
class Evidence:
    score: int  # the weights of the paper's terms the answer uses
    found: tuple[str, ...]
    available: int  # the weight the paper's terms could give at most
    foreign: tuple[str, ...]  # names the answer uses that the paper's text never does


# Measured on real pairs (a real model's Chinese notes on real abstracts, ../shared/corpus/listings): see
# bench/answer_gate.py and bench/results/answer_gate.json for the distributions and the error rates. An answer
# is about another paper when it uses almost none of this paper's terms and names things this paper never
# does; an answer that names nothing at all (fully translated) is not judged by names.
MIN_PAPER_EVIDENCE = 2
MIN_FOREIGN_NAMES = 1
MIN_AVAILABLE_EVIDENCE = 4


def paper_evidence(text: str, title: str, abstract: str, context: str = "") -> Evidence:
    """How much of what names this paper the answer mentions (case-insensitive, whole words; a plural counts)."""
    terms = paper_terms(title, abstract, context)
    lowered = text.lower()
    found = [term for term in terms
             if re.search(rf"(?<![a-z0-9]){re.escape(term)}s?(?![a-z0-9])", lowered)]
    source = f"{title} {abstract} {context}".lower()
    foreign = [token for token in dict.fromkeys(_NAME_TOKEN.findall(text))
               if _name_like(token) and token.lower() not in source]
    return Evidence(sum(terms[t] for t in found), tuple(found), sum(terms.values()), tuple(foreign))


def about_another_paper(text: str, title: str, abstract: str, context: str = "") -> str | None:
    """Why the answer is not about this paper (almost none of its terms, names it never uses), or None."""
    evidence = paper_evidence(text, title, abstract, context)
    if (evidence.available < MIN_AVAILABLE_EVIDENCE or evidence.score >= MIN_PAPER_EVIDENCE
            or len(evidence.foreign) < MIN_FOREIGN_NAMES):
        return None
    return (f"it does not seem to be about {title[:80]!r}: it names {', '.join(evidence.foreign[:5])}, which the "
            f"paper never does, and uses {evidence.score} of its distinctive terms' weight (found: "
            f"{', '.join(evidence.found) or 'none'}; at least {MIN_PAPER_EVIDENCE} needed)")


# -- analysis ----------------------------------------------------------------------------------------------------

# Minimum content lengths and CJK shares per language are in the wording tables, with their reasons.


def check_language(paper_id: str, text: str, language: Language, check: str = ANALYSIS_WRONG_LANGUAGE) -> list[Finding]:
    wording = wording_for(language)
    ratio = cjk_ratio(text)
    if not wording.min_cjk_ratio <= ratio <= wording.max_cjk_ratio:
        return [Finding(paper_id, check, BLOCKING, wording.wrong_language_finding.format(
            ratio=ratio, minimum=wording.min_cjk_ratio, maximum=wording.max_cjk_ratio))]
    return []


def check_analysis(
    paper_id: str,
    analysis_text: str,
    *,
    abstract: str,
    paper_urls: set[str] | None = None,
    language: Language,
    kind: AnalysisKind | None = None,
    title: str = "",
    context: str = "",
) -> list[Finding]:
    """All checks of one analysis text (the markdown content, or the digest's notice line).

    With the paper's `title`, a model-written answer must also be about that paper (its names and title words;
    `context` is the text of the sections the model read).

    A withheld notice is valid by design. An empty text or a refusal is reported alone: its missing headings
    and short length are consequences, not further problems. URL grounding always runs, because an invented
    link is wrong whatever else is.
    """
    text = analysis_text.strip()
    if not text:
        return [Finding(paper_id, ANALYSIS_EMPTY, BLOCKING, "the analysis is empty")]
    if text.startswith(WITHHELD_PREFIX) or kind == "withheld":
        return []
    if text.startswith(UNAVAILABLE_PREFIX):
        return [Finding(paper_id, ANALYSIS_UNAVAILABLE, WARNING,
                        text.removeprefix(UNAVAILABLE_PREFIX).strip()[:200] or "the analysis step failed")]
    urls = check_urls(paper_id, text, abstract=abstract, paper_urls=paper_urls)
    refusal = is_refusal(text)
    if refusal:
        return [Finding(paper_id, ANALYSIS_REFUSAL, BLOCKING, refusal), *urls]

    findings: list[Finding] = []
    # An extractive analysis quotes the paper: its length is the abstract's and its language the paper's, so
    # only its structure and links are judged.
    model_written = not quotes_the_paper(text)
    length = content_length(text)
    minimum = wording_for(language).min_analysis_chars
    if model_written and length < minimum:
        findings.append(Finding(paper_id, ANALYSIS_TOO_SHORT, BLOCKING,
                                f"{length} content characters; at least {minimum} expected for {language}"))
    cut = truncation(text)
    if cut:
        findings.append(Finding(paper_id, ANALYSIS_TRUNCATED, cut[0], cut[1]))
    loop = repeated_block(text)
    if loop:
        findings.append(Finding(paper_id, ANALYSIS_REPETITIVE, BLOCKING,
                                f"a block is repeated {LOOP_REPEATS} times or more: {loop!r}"))
    if model_written:
        findings += check_language(paper_id, text, language)
        other = about_another_paper(text, title, abstract, context) if title else None
        if other:
            findings.append(Finding(paper_id, ANALYSIS_OTHER_PAPER, BLOCKING, other))
    structure = kind or infer_kind(text, language)
    if structure is None:
        findings.append(Finding(paper_id, ANALYSIS_MISSING_HEADINGS, BLOCKING,
                                "neither the 7-part method analysis nor the 5-point abstract analysis"))
    elif structure in ("method", "abstract"):
        missing = missing_headings(text, structure, language)
        if missing:
            findings.append(Finding(paper_id, ANALYSIS_MISSING_HEADINGS, BLOCKING,
                                    f"{structure} analysis lacks: {', '.join(missing)}"))
    return findings + urls


# -- key findings ------------------------------------------------------------------------------------------------

MIN_FINDING_CHARS = 20
_NOTE = re.compile(r"^[(（].*[)）]$", re.DOTALL)


def check_key_findings(paper_id: str, findings: Sequence[str], abstract: str) -> list[Finding]:
    """Each key finding must be a sentence of the abstract (quoted verbatim, whitespace and escaping aside).

    A parenthesised line is our publisher's note for an abstract without a result sentence, not a finding.
    """
    haystack = normalize_text(abstract)
    problems = []
    for finding in findings:
        stripped = finding.strip()
        if not stripped or _NOTE.match(stripped):
            continue
        needle = normalize_text(stripped)
        if len(needle) < MIN_FINDING_CHARS:
            problems.append(Finding(paper_id, KEY_FINDING_NOT_IN_ABSTRACT, BLOCKING,
                                    f"too short to be a sentence of the abstract: {stripped!r}"))
        elif needle not in haystack and needle.rstrip(".") not in haystack:
            problems.append(Finding(paper_id, KEY_FINDING_NOT_IN_ABSTRACT, BLOCKING,
                                    f"not a sentence of the abstract: {stripped[:120]!r}"))
    return problems


# -- summary -----------------------------------------------------------------------------------------------------

_QUOTED = re.compile(r"“([^”\n]{2,300})”|\"([^\"\n]{2,300})\"|《([^》\n]{2,300})》|「([^」\n]{2,300})」")
_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], start=1)}
_MONTH_NAMES = "|".join([*_MONTHS, *(m[:3] for m in _MONTHS), "sept"])
_DATE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)"), "ymd"),
    (re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]"), "ymd"),
    (re.compile(rf"\b({_MONTH_NAMES})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.IGNORECASE), "mdy"),
    (re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_NAMES})\.?,?\s+(\d{{4}})\b", re.IGNORECASE), "dmy"),
)


def _month(name: str) -> int:
    name = name.lower().rstrip(".")
    return _MONTHS.get(name) or next(i for m, i in _MONTHS.items() if m.startswith(name[:3]))


def dates_in_text(text: str) -> list[tuple[str, date | None]]:
    """(as written, date) for every full date in the text; the date is None when it does not exist."""
    found = []
    for pattern, order in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            a, b, c = match.groups()
            try:
                if order == "ymd":
                    value = date(int(a), int(b), int(c))
                elif order == "mdy":
                    value = date(int(c), _month(a), int(b))
                else:
                    value = date(int(c), _month(b), int(a))
            except ValueError:
                found.append((match.group(0), None))
                continue
            found.append((match.group(0), value))
    return found


def title_key(text: str) -> str:
    """What two spellings of one title share: lower case, letters, digits and CJK only, single spaces."""
    return re.sub(r"[^0-9a-z\u4e00-\u9fff]+", " ", normalize_text(text)).strip()


# A quoted phrase is taken as a paper reference when it looks like a name: Latin letters and a capital or digit
# ("VideoMaMa", "Copy-Trasform-Paste"). Chinese quoted concepts (“零样本”) and lower-case terms are not names.
_NAME_LIKE = re.compile(r"[A-Z0-9]")
FUZZY_TITLE_RATIO = 0.85
# Our extractive summary quotes titles and abstract sentences verbatim, so its language is partly the papers'.
_EXTRACTIVE_SUMMARY_LABEL = re.compile("|".join(re.escape(w.extractive_summary_marker) for w in LANGUAGES.values()))


def _matches_a_title(quote: str, titles: Sequence[str], known_texts: Sequence[str]) -> bool:
    key = title_key(quote)
    if not key:
        return True
    for title in titles:
        known = title_key(title)
        if key in known:
            return True
        # A typo in the quote: compare with the title's window of the same length.
        window = known[: len(key)]
        if difflib.SequenceMatcher(None, key, window).ratio() >= FUZZY_TITLE_RATIO:
            return True
        if difflib.SequenceMatcher(None, key, known).ratio() >= FUZZY_TITLE_RATIO:
            return True
    # A method name or phrase from one of the day's abstracts is about that day's paper.
    return any(key in title_key(text) for text in known_texts)


def quoted_names(text: str) -> list[str]:
    names = []
    for match in _QUOTED.finditer(text):
        quote = next(group for group in match.groups() if group is not None).strip().strip("*").strip()
        if _LATIN.search(quote) and _NAME_LIKE.search(quote) and not _CJK.search(quote):
            names.append(quote)
    return list(dict.fromkeys(names))


def check_summary(
    summary_text: str,
    *,
    digest_date: date,
    paper_titles: Sequence[str],
    language: Language,
    paper_texts: Sequence[str] = (),
) -> list[Finding]:
    """The executive summary: present, not a refusal, names only the day's papers, dates of its announcement.

    The digest of day D is arXiv's announcement of the evening of D-1, so "digest of D" and "announced on D-1"
    are right; any other full date is wrong. `paper_texts` (the day's
    abstracts) lets quoted method names count as references to the day's papers.
    """
    text = summary_text.strip()
    if not text or content_length(text) < 10:
        return [Finding("", SUMMARY_EMPTY, BLOCKING, "the executive summary is empty")]
    findings: list[Finding] = []
    refusal = is_refusal(text)
    if refusal:
        findings.append(Finding("", SUMMARY_REFUSAL, BLOCKING, refusal))
    allowed = {digest_date, digest_date - timedelta(days=1)}
    quoted_material = "\n".join([*paper_titles, *paper_texts])
    for written, value in dates_in_text(text):
        # A date quoted from a paper's own title or abstract is the paper's business, not the summary's claim.
        if value not in allowed and written not in quoted_material:
            findings.append(Finding(
                "", SUMMARY_WRONG_DATE, BLOCKING,
                f"{written!r} is neither the digest date {digest_date} nor its announcement evening "
                f"{digest_date - timedelta(days=1)}"))
    for name in quoted_names(text):
        if not _matches_a_title(name, paper_titles, paper_texts):
            findings.append(Finding("", SUMMARY_UNKNOWN_PAPER, BLOCKING,
                                    f"names {name!r}, which is not a paper of this day"))
    cut = truncation(text)
    if cut and cut[0] == BLOCKING:
        findings.append(Finding("", SUMMARY_TRUNCATED, BLOCKING, cut[1]))
    loop = repeated_block(text)
    if loop:
        findings.append(Finding("", SUMMARY_REPETITIVE, BLOCKING,
                                f"a block is repeated {LOOP_REPEATS} times or more: {loop!r}"))
    if paper_titles and content_length(text) < 80:
        findings.append(Finding("", SUMMARY_EMPTY, WARNING, f"{len(paper_titles)} papers but the summary is "
                                f"only {content_length(text)} characters"))
    if not refusal and not _EXTRACTIVE_SUMMARY_LABEL.search(text):
        findings += check_language("", text, language, check=SUMMARY_WRONG_LANGUAGE)
    return findings


# -- whole digest ------------------------------------------------------------------------------------------------

DIGEST_NOT_DATED = "digest_not_dated"
DIGEST_DATE_MISMATCH = "digest_date_mismatch"
TOC_ANCHOR_UNRESOLVED = "toc_anchor_unresolved"
TOC_MISSING_PAPER = "toc_missing_paper"
TOC_TITLE_MISMATCH = "toc_title_mismatch"
DUPLICATE_PAPER = "duplicate_paper"
PAPER_ID_MISMATCH = "paper_id_mismatch"
PUBLISHED_OUTSIDE_WINDOW = "published_outside_window"
PAPER_SECTION_MISSING = "paper_section_missing"
PAPER_LINK_WRONG = "paper_link_wrong"

# Without these an entry cannot be audited at all; the others make it incomplete.
_BLOCKING_SECTIONS = ("title", "abstract", "analysis")
_WARNING_SECTIONS = ("authors", "published", "categories", "key_findings", "links")


def infer_language(texts: Iterable[str]) -> Language:
    """The language whose minimum CJK share the analyses and summary reach, the highest such minimum winning:
    zh when they are mostly written in Chinese, else en.

    Extractive texts quote the (English) paper, so only their headings and labels show the digest's language.
    """
    joined = "\n".join(
        "\n".join(heading_lines(text)) if quotes_the_paper(text) or _EXTRACTIVE_SUMMARY_LABEL.search(text) else text
        for text in texts
    )
    ratio = cjk_ratio(joined)
    # max() keeps the first of equal minimums: the table listed first in LANGUAGES.
    return max((w for w in LANGUAGES.values() if w.min_cjk_ratio <= ratio), key=lambda w: w.min_cjk_ratio).code


def published_outside_window(published: date, digest_date: date, *, late: bool = False) -> str:
    """Why a v1 date cannot belong to this digest's announcement (empty when it can).

    The window runs from one 14:00 US Eastern cutoff to the next, so it spans two or more UTC dates; a late
    paper (marked so in the entry) was submitted earlier still.
    """
    found = announcement(digest_date)
    if found is None:
        return f"the digest of {digest_date} is not an arXiv announcement ({no_announcement_reason(digest_date)})"
    first, last = found.window_start.date(), found.window_end.date()
    if published > last or (published < first and not late):
        return (f"published {published}, outside the window of the digest of {digest_date} "
                f"({first} – {last} UTC{'' if late else ', or earlier when marked late'})")
    return ""


def check_paper_entry(
    paper: ParsedPaper,
    *,
    digest_date: date | None,
    language: Language,
    paper_urls: set[str] | None = None,
) -> list[Finding]:
    """One entry: its sections, ids, dates, links, analysis and key findings."""
    pid = paper.paper_id
    findings: list[Finding] = []
    for name in (*_BLOCKING_SECTIONS, *_WARNING_SECTIONS):
        if getattr(paper, name) is None:
            severity = BLOCKING if name in _BLOCKING_SECTIONS else WARNING
            findings.append(Finding(pid, PAPER_SECTION_MISSING, severity, f"the entry has no {name} section"))
    if paper.arxiv_id is None:
        findings.append(Finding(pid, PAPER_SECTION_MISSING, BLOCKING, "no arXiv id in the anchor or the title link"))
    if paper.anchor and paper.link:
        from_link = re.search(r"/abs/(.+)$", paper.link)
        if from_link and from_link.group(1).rstrip("/") != paper.anchor:
            findings.append(Finding(pid, PAPER_ID_MISMATCH, BLOCKING,
                                    f"anchor {paper.anchor} but the title links to {paper.link}"))
    if paper.published_raw is not None and paper.published is None:
        findings.append(Finding(pid, PUBLISHED_OUTSIDE_WINDOW, WARNING,
                                f"published date {paper.published_raw!r} is not YYYY-MM-DD"))
    elif paper.published and digest_date and (problem := published_outside_window(
            paper.published, digest_date, late="late" in (paper.published_raw or "").lower())):
        findings.append(Finding(pid, PUBLISHED_OUTSIDE_WINDOW, WARNING, problem))
    if paper.links and paper.arxiv_id:
        for link in paper.links:
            if paper.arxiv_id not in link.url:
                findings.append(Finding(pid, PAPER_LINK_WRONG, BLOCKING,
                                        f"the {link.label} link {link.url} does not point to {pid}"))
    abstract = paper.abstract or ""
    if paper.analysis is not None:
        findings += check_analysis(pid, paper.analysis, abstract=abstract, paper_urls=paper_urls, language=language)
    if paper.key_findings is not None and paper.abstract is not None:
        findings += check_key_findings(pid, paper.key_findings, abstract)
    return findings


def check_digest(
    parsed: ParsedDigest,
    *,
    language: Language | None = None,
    paper_urls: dict[str, set[str]] | None = None,
) -> list[Finding]:
    """Every check for a parsed digest. `paper_urls` maps a versioned id to the links found in its PDF."""
    findings: list[Finding] = []
    day = parsed.digest_date or parsed.header_date
    if day is None:
        findings.append(Finding("", DIGEST_NOT_DATED, BLOCKING, "no date in the title or the Time: line"))
    elif parsed.digest_date and parsed.header_date and parsed.digest_date != parsed.header_date:
        findings.append(Finding("", DIGEST_DATE_MISMATCH, BLOCKING,
                                f"Time: line says {parsed.header_date}, the title says {parsed.digest_date}"))
    if language is None:
        language = infer_language([parsed.summary or "", *(p.analysis or "" for p in parsed.papers)])

    seen: dict[str, int] = {}
    for paper in parsed.papers:
        key = paper.paper_id
        seen[key] = seen.get(key, 0) + 1
        if seen[key] == 2:
            findings.append(Finding(key, DUPLICATE_PAPER, BLOCKING, "the paper has more than one entry"))
        urls = (paper_urls or {}).get(key)
        findings += check_paper_entry(paper, digest_date=day, language=language, paper_urls=urls)

    anchors = {p.anchor: p for p in parsed.papers if p.anchor}
    for entry in parsed.toc:
        target = anchors.get(entry.anchor)
        if target is None:
            findings.append(Finding(entry.anchor, TOC_ANCHOR_UNRESOLVED, BLOCKING,
                                    f"table of contents item {entry.number} links to #{entry.anchor}, "
                                    "which no paper entry has"))
        elif target.title and title_key(target.title) != title_key(entry.title):
            findings.append(Finding(entry.anchor, TOC_TITLE_MISMATCH, WARNING,
                                    f"contents say {entry.title!r}, the entry says {target.title!r}"))
    listed = {entry.anchor for entry in parsed.toc}
    for paper in parsed.papers:
        if paper.anchor and paper.anchor not in listed:
            findings.append(Finding(paper.paper_id, TOC_MISSING_PAPER, WARNING,
                                    "the paper is not in the table of contents"))

    if parsed.summary is None:
        findings.append(Finding("", SUMMARY_EMPTY, BLOCKING, "no Executive Summary section"))
    elif day is not None:
        findings += check_summary(
            parsed.summary,
            digest_date=day,
            paper_titles=[p.title for p in parsed.papers if p.title],
            language=language,
            paper_texts=[p.abstract for p in parsed.papers if p.abstract],
        )
    return findings
