"""Whether an answer is about this paper: the terms that tell the paper apart, and names it never uses."""

from __future__ import annotations

import re
from dataclasses import dataclass

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
