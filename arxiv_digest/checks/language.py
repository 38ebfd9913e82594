"""Which language a text is written in: the CJK share of its prose, checked against the wording's bounds."""

from __future__ import annotations

import re
from collections.abc import Iterable

from arxiv_digest.checks.findings import ANALYSIS_WRONG_LANGUAGE, BLOCKING, Finding, Language
from arxiv_digest.checks.structure import quotes_the_paper, summary_quotes_the_papers
from arxiv_digest.checks.text import CJK, LATIN, MARKDOWN_LINK, URL, heading_lines
from arxiv_digest.wording import LANGUAGES, wording_for

_FENCED_CODE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_MATH = re.compile(r"\$\$.*?\$\$|\$[^$\n]+\$", re.DOTALL)


def _prose_only(text: str) -> str:
    """Text without code, math, URLs and quoted blocks: what the language of an analysis is judged on."""
    text = _FENCED_CODE.sub(" ", text)
    text = _INLINE_CODE.sub(" ", text)
    text = _MATH.sub(" ", text)
    text = MARKDOWN_LINK.sub(" ", text)
    text = URL.sub(" ", text)
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
    cjk = len(CJK.findall(prose))
    latin = len(LATIN.findall(prose))
    return cjk / (cjk + latin) if cjk + latin else 0.0


# Minimum content lengths and CJK shares per language are in the wording tables, with their reasons.


def check_language(paper_id: str, text: str, language: Language, check: str = ANALYSIS_WRONG_LANGUAGE) -> list[Finding]:
    wording = wording_for(language)
    ratio = cjk_ratio(text)
    if not wording.min_cjk_ratio <= ratio <= wording.max_cjk_ratio:
        return [Finding(paper_id, check, BLOCKING, wording.wrong_language_finding.format(
            ratio=ratio, minimum=wording.min_cjk_ratio, maximum=wording.max_cjk_ratio))]
    return []


def infer_language(texts: Iterable[str]) -> Language:
    """The language whose minimum CJK share the analyses and summary reach, the highest such minimum winning:
    zh when they are mostly written in Chinese, else en.

    Extractive texts quote the (English) paper, so only their headings and labels show the digest's language.
    """
    joined = "\n".join(
        "\n".join(heading_lines(text)) if quotes_the_paper(text) or summary_quotes_the_papers(text) else text
        for text in texts
    )
    ratio = cjk_ratio(joined)
    # max() keeps the first of equal minimums: the table listed first in LANGUAGES.
    return max((w for w in LANGUAGES.values() if w.min_cjk_ratio <= ratio), key=lambda w: w.min_cjk_ratio).code
