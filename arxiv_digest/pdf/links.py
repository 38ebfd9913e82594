"""A paper's links and which of them are its own: URLs from annotations and text, one normal spelling.

Links come from link annotations and from the text (URLs broken across lines are rejoined only on evidence: a
link annotation, a break after "/" and the like, a lone URL-shaped tail; a full stop, a closing bracket or a
number ends a URL). A link is the paper's own when its words or place say so: the abstract, the title block, a
release phrase ("our code is available at", "we release our dataset at"), a footnote on the method's name, a
repository (or its project folder, `.../tree/master/<project>`) named after the method; links in related work or
the references (unless the paper releases them there in the first person), next to a citation or "the official
implementation of", or next to "we use" are others' work. Own links have a kind (urls.artifact_kind): code,
dataset or model; a hub's model repository or collection is a model, not code.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from arxiv_digest.pdf.layout import (
    DocumentLayout,
    Line,
    PageLayout,
    join_lines,
)
from arxiv_digest.pdf.sections import assign_labels, extraction_layout, find_headings
from arxiv_digest.urls import (
    CODE_HOSTS,
    HUB_HOSTS,
    PAGES_SUFFIXES,
    artifact_kind,
    normalize_url,
    repository_segments,
)
from arxiv_digest.urls import is_code_url as is_code_url  # read from here with the links (tests, callers)
from schemas.records import Extraction, Link, Status

# -- links ---------------------------------------------------------------------------------------------------

_URL_IN_TEXT = re.compile(
    r"(?:https?://|www\.|(?<![\w.@/])(?:" + "|".join(re.escape(h) for h in sorted(CODE_HOSTS)) + r")/|"
    r"(?<![\w.@/-])[a-z0-9][\w-]*\.github\.io\b)[^\s<>\"{}|\\^`]*",
    re.I,
)
_TRAILING = ").,;:'\"]}>*"
_CONTINUES_AFTER = ("/", "-", "_", "=", "?", "&", "#", "~", ":", "%", "+")
_DOMAIN_TAIL = re.compile(r"^(?:com|org|net|io|edu|ai|co|de|uk|fr|cn|ac|gov|info|me|dev)\b[/\w.\-~%#?=&]*", re.I)
# Phrases with which authors hand over their own code; each needs a first-person word or a release verb, because
# "a publicly available implementation of DCGANs" is someone else's code.
_OWN_RELEASE = re.compile(
    r"\bour (?:[\w-]+ ){0,3}(?:code|codes|implementation|software|source code|toolkit|project page|project website)\b"
    r"|\b(?:the |all |our )?(?:code|codes|source code|software|implementation)\b[^.]{0,160}?"
    r"\b(?:is|are|will be|has been|have been|may be|can be)\s+(?:made\s+)?(?:publicly\s+|freely\s+|openly\s+)?"
    r"(?:available|released|accessible|open[- ]sourced|found)"
    r"|\bproject (?:page|webpage|web page|website|site|homepage)\b"
    r"|\bwe (?:will |have |are )?(?:release[sd]?|releasing|open[- ]source[sd]?|make|made|provide|publish|share)\b"
    r"|\b(?:is|are) (?:released )?open[- ]source\b|\breleased (?:as )?open[- ]source\b|\ball code\b"
    r"|\b(?:is|are|will be) (?:made )?(?:publicly |freely )?available (?:at|on|from|online)\b"
    r"|\bour (?:[\w-]+ ){0,3}(?:dataset|datasets|benchmark|benchmarks)\b"
    # "The full dataset can be downloaded from": the paper's data, named by a plain determiner and no proper name
    # ("The ImageNet dataset can be downloaded from" is someone else's).
    r"|\b(?:the|this)\s+(?:(?:full|entire|complete|proposed|new|whole|collected)\s+)?(?:dataset|data|benchmark|corpus)"
    r"\b[^.]{0,80}?\b(?:is|are|can be|will be)\s+(?:publicly\s+|freely\s+)?(?:downloaded|accessed|hosted)\b"
    # "The trained models can be found at": the paper's own trained models, named by a plain determiner
    # ("The VGG models can be found at" names someone else's).
    r"|\b(?:the|this|our)\s+(?:(?:trained|learned|learnt|final)\s+)?(?:models?|weights|checkpoints)"
    r"\b[^.]{0,80}?\b(?:is|are|can be|will be)\s+(?:publicly\s+|freely\s+)?(?:available|found|downloaded)\b",
    re.I,
)
# Words that put the link on someone else's work however the sentence goes on: a citation, "et al.", "the
# official implementation of X", "code of [12]". They outweigh even a repository named after our title.
_CITED_WORK = re.compile(
    r"\bet al\b|\[\d+(?:[,–-]\s*\d+)*\]|\bthird[- ]party\b|\bprovided by\b|\breleased by\b|\bfrom the authors\b|"
    r"\bofficial (?:code|implementation|repository)\b",
    re.I,
)
_THIRD_PARTY = re.compile(
    # "the code we used to train our models" is the authors' own code: "we used" right after "code" is not
    # borrowing.
    r"(?<!code )(?<!codes )\bwe (?:use|used|adopt|adopted|employ|follow|borrow)\b|"
    r"\busing\b|\bbased on\b|\bbuilt (?:up)?on\b|"
    r"\bbuilds on\b|\bprovided by\b|\bpre-?trained\b|\bthird[- ]party\b|\bet al\b|\[\d+(?:[,–-]\s*\d+)*\]|"
    r"\bofficial (?:code|implementation)\b|\bimplementation (?:of|from|by)\b|\bdataset available\b|\bused in\b",
    re.I,
)
_CODE_WORDS = re.compile(
    r"\b(?:code|codes|implementation|software|source|framework|toolkit|library|project|models?|github|demo)\b", re.I
)
_NOT_PROJECT_HOSTS = ("doi.org", "arxiv.org", "youtube.com", "youtu.be", "docs.google.com", "dropbox.com",
                      "readthedocs.io", "wikipedia.org", "twitter.com", "x.com", "paperswithcode.com")


def _repo_name(url: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.lower().removeprefix("www.")
    segments = [s for s in parts.path.split("/") if s]
    if host in HUB_HOSTS and segments[:1] == ["datasets"]:
        segments = segments[1:]
    if host in CODE_HOSTS:
        if len(segments) >= 5 and segments[2] in {"tree", "blob"}:
            return segments[-1]  # a project folder inside a large repository: named by the folder
        return segments[1] if len(segments) >= 2 else ""
    if host.endswith(PAGES_SUFFIXES):
        return segments[0] if segments else host.split(".")[0]
    return ""


def _method_names(title: str) -> list[str]:
    """What the paper calls its method: the part before the title's colon, and coined words like "DyNet"."""
    names = []
    if ":" in title:
        head = title.split(":", 1)[0]
        if len(head.split()) <= 4:
            names.append(re.sub(r"[^a-z0-9]", "", head.lower()))
    for word in re.findall(r"[A-Za-z][A-Za-z0-9-]+", title):
        coined = sum(c.isupper() for c in word) >= 2 and any(c.islower() for c in word) and not word.endswith("s")
        if coined:
            names.append(re.sub(r"[^a-z0-9]", "", word.lower()))
    return [n for n in names if len(n) >= 3]


def named_after_paper(url: str, title: str) -> bool:
    """The repository is named after the method ("Swin-Transformer") or spells out the title's words."""
    repo = _repo_name(url)
    if not repo or not title:
        return False
    repo_key = re.sub(r"[^a-z0-9]", "", repo.lower())
    if any(repo_key.startswith(name) or (len(repo_key) >= 4 and name.startswith(repo_key))
           for name in _method_names(title)):
        return True
    tokens = [t.lower() for t in re.split(r"[-_.]+|(?<=[a-z])(?=[A-Z])", repo) if t]
    words = [re.sub(r"[^a-z0-9]", "", w.lower()) for w in title.split()]
    if len(tokens) < 2 or sum(len(t) >= 4 for t in tokens) < len(tokens) / 2:
        return False
    return all(any(w.startswith(t) for w in words if w) for t in tokens)


@dataclass
class _Occurrence:
    url: str
    source: str
    page: int
    evidence: str
    region: str  # the label of the section the link sits in ("" before the first heading)
    footnote_context: str = ""
    mark_region: str | None = None  # for a footnote: the label of the section its mark sits in


_URL_TAIL = re.compile(r"^[\w\-./~%#?=&+:]{2,80}$")
# A cell of a number column, a tick label or a page number: never the rest of a URL on its own evidence.
_NUMBER = re.compile(r"^[-+−]?\d+(?:[.,]\d+)*%?[.,;]?$")


def _continues_url(url: str, following: str, targets: frozenset[str] = frozenset()) -> str:
    """The part of ``following`` (the next line) that continues ``url``, or "".

    A break is inside the URL only on evidence. The page's link annotations come first: when one of them is the
    URL as printed, the URL ends here; when one is the URL with the next line's first token, it goes on.
    Otherwise a URL broken after "/", "-", "_" and the like continues with the next line's first token, and so
    does one broken anywhere (a footnote set with breaks at any character) when the next line is nothing but a
    URL-shaped token: prose never fills a line with one such word, while a URL's tail does. A full stop (unless
    a domain's last label follows: "imatge-upc." + "github.io/..."), a closing bracket or a number (a column of
    figures, a plot's tick labels, a page number) ends it.
    """
    token = following.split(maxsplit=1)[0] if following else ""
    if not token:
        return ""
    if targets:
        joined = normalize_url(url + token)
        if any(target == joined or target.startswith(joined + "/") for target in targets):
            return token
        if normalize_url(url) in targets:
            return ""
    if url.endswith((")", "]", "}", ">", ",", ";")) or _NUMBER.match(token):
        return ""
    if url.endswith("."):
        return token if _DOMAIN_TAIL.match(token) else ""
    if url.endswith(_CONTINUES_AFTER):
        return token
    has_path = urlsplit(url if "://" in url else "https://" + url).path.strip("/") != ""
    alone = token == following.strip() and bool(_URL_TAIL.match(token)) and "://" not in token
    # Not the start of the next footnote ("3https://") nor a capitalised word.
    if alone and has_path and not re.match(r"^\d{1,2}(?:https?|www)", token) and not token[0].isupper():
        return token.rstrip(".,;")
    return ""


def _urls_in_lines(texts: Sequence[str], tail: str = "", targets: frozenset[str] = frozenset()
                   ) -> list[tuple[str, int, str]]:
    """URLs in a block's lines, rejoining those the typesetter broke at the end of a line.

    ``tail`` is the first line of the next block, for a URL that runs on into it (a footnote MuPDF split);
    ``targets`` are the page's link-annotation URLs (normalized), the best evidence of where a URL ends.
    Each URL comes with its row and the part printed on that row: the paragraph's joined text may hold the
    broken URL with a space in it ("sites.google. com/x"), so its sentence is found by that part.
    """
    found: list[tuple[str, int, str]] = []
    rows = [*texts, tail] if tail else list(texts)
    for row, text in enumerate(texts):
        for match in _URL_IN_TEXT.finditer(text):
            url = match.group(0)
            if match.end() == len(text):
                nxt = row + 1
                while nxt < len(rows):
                    following = rows[nxt].strip()
                    token = _continues_url(url, following, targets)
                    if not token:
                        break
                    url += token
                    if len(token) < len(following):
                        break
                    nxt += 1
            found.append((url, row, match.group(0)))
    return found


def _sentence_around(text: str, needle: str) -> str:
    """The sentence of ``text`` that holds ``needle`` (a URL's dots do not end a sentence)."""
    position = text.find(needle)
    if position < 0:
        return text[:300]
    start = max(text.rfind(". ", 0, position), text.rfind("\n", 0, position))
    start = 0 if start < 0 else start + 1
    stop = text.find(". ", position + len(needle))
    stop = len(text) if stop < 0 else stop + 1
    if stop - start > 400:
        # A run-on sentence (an enumerated list with no full stops): the words just before the URL say what
        # it is ("code is available at"), not the sentence's beginning.
        start = max(start, position - 300)
        stop = min(stop, position + len(needle) + 100)
    return text[start:stop].strip()[:400]


def _last_sentence(text: str) -> str:
    cut = text.rfind(". ")
    return text[cut + 2 :] if cut >= 0 else text


def _footnote_marker(line: Line) -> str:
    """The footnote number a footnote line starts with ("3https://..." or a superscript 3), else ""."""
    match = re.match(r"^([0-9]{1,2}|[*†‡§])\s*(?=https?://|www\.|[A-Z])", line.text)
    if not match:
        return ""
    first = line.spans[0] if line.spans else None
    if first is not None and first.text.strip() == match.group(1) and first.size < line.size - 1:
        return match.group(1)
    return match.group(1) if re.match(r"^[0-9]{1,2}(?:https?://|www\.)", line.text) else ""


def _marker_context(layout: DocumentLayout, page_number: int, mark: str, regions: dict[int, str]
                    ) -> tuple[str, str | None]:
    """The words just before the superscript footnote mark ``mark`` in the page's body text, and the label of
    the section that line belongs to (None when no mark is found)."""
    page = layout.pages[page_number - 1]
    for block in page.blocks:
        for row, line in enumerate(block.lines):
            if mark not in line.text or line.text.startswith(mark):
                continue
            spans = line.spans
            for position, span in enumerate(spans):
                if position and span.text.strip() == mark and span.size < line.size - 1:
                    before = "".join(s.text for s in spans[:position])
                    previous = block.lines[row - 1].text if row else ""
                    return _last_sentence((previous + " " + before).strip())[-200:], regions.get(id(line), "")
    return "", None


def _region_map(layout: DocumentLayout) -> dict[int, str]:
    """id(line) -> label of the section the line belongs to."""
    stream, _, _, headings = find_headings(layout)
    labels = assign_labels([h.title for h in headings], [h.level for h in headings])
    regions: dict[int, str] = {}
    current = ""
    boundaries = {h.index: label for h, label in zip(headings, labels, strict=True)}
    for index, line in enumerate(stream):
        current = boundaries.get(index, current)
        regions[id(line)] = current
    return regions


def _occurrences(layout: DocumentLayout) -> list[_Occurrence]:
    regions = _region_map(layout)
    found: list[_Occurrence] = []
    for page in layout.pages:
        links = _PageLinks(layout, page, regions)
        found += links.in_text()
        found += links.annotated()
    return found


class _PageLinks:
    """One page's URL mentions: printed in its text and behind its link annotations, each with its evidence."""

    def __init__(self, layout: DocumentLayout, page: PageLayout, regions: dict[int, str]) -> None:
        self.layout, self.page, self.regions = layout, page, regions
        self.texts = [block.joined for block in page.blocks]

    def _marked(self, mark: str) -> tuple[str, str | None]:
        return _marker_context(self.layout, self.page.number, mark, self.regions) if mark else ("", None)

    def in_text(self) -> list[_Occurrence]:
        page = self.page
        targets = frozenset(normalize_url(uri) for uri, _ in page.links)
        found = []
        for number, block in enumerate(page.blocks):
            joined = self.texts[number]
            if "/" not in joined and "www." not in joined and ".github.io" not in joined:
                continue  # every URL the pattern finds has one of these: skip the paragraph without a regex
            following = page.blocks[number + 1].lines[0].text if number + 1 < len(page.blocks) else ""
            texts = [line.text for line in block.lines]
            for raw, row, printed in _urls_in_lines(texts, following, targets):
                found.append(self._text_occurrence(number, raw, row, printed))
        return found

    def _text_occurrence(self, number: int, raw: str, row: int, printed: str) -> _Occurrence:
        block = self.page.blocks[number]
        line = block.lines[row]
        context, mark_region = self._marked(_footnote_marker(block.lines[0]) or _footnote_marker(line))
        # A URL that opens a block often ends a sentence begun in the block before.
        joined = self.texts[number]
        surrounding = f"{self.texts[number - 1]} {joined}" if row == 0 and number else joined
        needle = raw.rstrip(_TRAILING) if raw.rstrip(_TRAILING) in surrounding else printed
        return _Occurrence(raw, "text", self.page.number, _sentence_around(surrounding, needle),
                           self.regions.get(id(line), ""), context, mark_region)

    def annotated(self) -> list[_Occurrence]:
        page = self.page
        if not page.links:
            return []
        block_of = {id(line): number for number, block in enumerate(page.blocks) for line in block.lines}
        page_lines = [line for block in page.blocks for line in block.lines]
        found = []
        for uri, (x0, y0, x1, y1) in page.links:
            near = next((ln for ln in page_lines
                         if ln.y1 >= y0 - 2 and ln.y0 <= y1 + 2 and ln.x1 >= x0 - 2 and ln.x0 <= x1 + 2), None)
            if near is not None:
                evidence = _sentence_around(self.texts[block_of[id(near)]], near.text[:40])
                region = self.regions.get(id(near), "")
                mark = _footnote_marker(near)
            else:
                evidence, region, mark = "", "", ""
            context, mark_region = self._marked(mark)
            found.append(_Occurrence(uri, "annotation", page.number, evidence, region, context, mark_region))
        return found


_FIRST_PERSON = re.compile(r"\b(?:we|our|us)\b", re.I)
# Words that make a title-block link a release; none a title would use ("Models", "Data" are title words).
_TITLE_BLOCK_RELEASE = re.compile(r"\b(?:code|codes|project page|project website|website|webpage|github|demo)\b", re.I)


def _names_the_method(context: str, title: str) -> bool:
    """The footnote mark sits on the method's name ("... we call GridFlow.¹"): the footnote is the method's."""
    words = re.findall(r"[A-Za-z][A-Za-z0-9-]+", context)
    if not words or not title:
        return False
    last = re.sub(r"[^a-z0-9]", "", words[-1].lower())
    return len(last) >= 3 and any(last.startswith(name) for name in _method_names(title))


def _judge_own(occurrence: _Occurrence, url: str, title: str) -> bool:
    """Is this mention of a URL the paper handing over something of its own (code, project page, data, model)?

    Only the paper's words or place say so: the abstract, the title block (page 1 before the first heading), a
    release phrase ("our code is available at", "we release"), a footnote on the method's name, a repository
    named after the method. A URL in related work or in a reference entry is someone else's unless the paper
    says otherwise in the first person; a citation or "we use" makes it someone else's anywhere.
    """
    if occurrence.region == "abstract":
        return True
    said = occurrence.footnote_context or occurrence.evidence
    if occurrence.mark_region == "abstract" and not (_CITED_WORK.search(said) or _THIRD_PARTY.search(said)):
        return True  # a footnote marked in the abstract
    cited_place = occurrence.region in {"references", "related_work"} or occurrence.mark_region == "related_work"
    if cited_place and not _FIRST_PERSON.search(said):
        return False  # most of a paper's URLs: its reference list, checked without the release patterns
    if _CITED_WORK.search(said):
        return False
    # A footnote's release phrase may sit in the footnote itself ("1All code ... available at") or at its mark.
    release_words = _OWN_RELEASE.search(occurrence.evidence) or _OWN_RELEASE.search(occurrence.footnote_context)
    released = bool(release_words) and not _THIRD_PARTY.search(said)
    if cited_place:
        return released
    if released or named_after_paper(url, title) or _names_the_method(occurrence.footnote_context, title):
        return True
    if _THIRD_PARTY.search(said):
        return False
    # The title block (page 1 before the first heading, or a footnote marked there): a repository, or a page the
    # line calls code, a project or a website; an author's own home page there is no release.
    in_title_block = occurrence.page == 1 and "" in (occurrence.region, occurrence.mark_region)
    words = _URL_IN_TEXT.sub(" ", said)  # the words, not the addresses ("github.com/..." is no release)
    return in_title_block and (len(repository_segments(url)) >= 2 or bool(_TITLE_BLOCK_RELEASE.search(words)))


def _is_project_page(url: str, occurrence: _Occurrence) -> bool:
    """A non-code host is the paper's project page when the release phrase names code or models."""
    host = urlsplit(url).netloc.lower()
    if any(host == h or host.endswith("." + h) for h in _NOT_PROJECT_HOSTS):
        return False
    said = occurrence.footnote_context or occurrence.evidence
    return bool(_CODE_WORDS.search(said)) and bool(_OWN_RELEASE.search(said))


def guess_title(layout: DocumentLayout) -> str:
    """The printed title: the largest type in the top half of page 1 (the arXiv metadata is not at hand)."""
    if not layout.pages:
        return ""
    page = layout.pages[0]
    lines = [line for block in page.blocks for line in block.lines if line.y0 < page.height / 2]
    if not lines:
        return ""
    largest = max(line.size for line in lines)
    if largest < layout.body_size + 1.5:
        return ""
    return join_lines(line.text for line in lines if line.size >= largest - 0.5)[:300]


def find_links(pdf_bytes: bytes, extraction: Extraction, abstract: str = "", title: str = "") -> list[Link]:
    """Every URL in the paper once, marked code or not and the paper's own or not, with its evidence."""
    return links_in(extraction_layout(pdf_bytes, extraction) if extraction.status == Status.OK else None,
                    abstract, title)


def links_in(layout: DocumentLayout | None, abstract: str = "", title: str = "") -> list[Link]:
    """The links of a paper's layout (None: no text layer, the abstract's links alone)."""
    occurrences: list[_Occurrence] = []
    if layout is not None:
        occurrences = _occurrences(layout)
        title = title or guess_title(layout)
    for match in _URL_IN_TEXT.finditer(abstract or ""):
        occurrences.insert(0, _Occurrence(match.group(0), "abstract", 0, _sentence_around(abstract, match.group(0)),
                                          "abstract"))
    links = [_link_of(url, mentions, title) for url, mentions in _by_url(occurrences).items()]
    return _drop_own_subpaths(links)


def _by_url(occurrences: Sequence[_Occurrence]) -> dict[str, list[_Occurrence]]:
    """The mentions of each URL (normalized), in order; a text mention of a URL whose annotation on the same page
    runs on is left out: the text broke the URL, its link annotation has it whole."""
    annotation_urls = {(normalize_url(o.url), o.page) for o in occurrences if o.source == "annotation"}
    grouped: dict[str, list[_Occurrence]] = {}
    for occurrence in occurrences:
        url = normalize_url(occurrence.url)
        if "." not in urlsplit(url).netloc:
            continue
        if occurrence.source == "text" and any(
            other.startswith(url) and other != url and page == occurrence.page for other, page in annotation_urls
        ):
            continue
        grouped.setdefault(url, []).append(occurrence)
    return grouped


def _link_of(url: str, mentions: Sequence[_Occurrence], title: str) -> Link:
    own_mentions = [m for m in mentions if _judge_own(m, url, title)]
    # Evidence: the mention that decided, preferring one that says something beyond the bare URL.
    chosen = max(own_mentions or mentions, key=lambda m: len(m.footnote_context) + len(m.evidence.replace(url, "")))
    first = mentions[0]
    evidence = (chosen.footnote_context + " … " if chosen.footnote_context else "") + chosen.evidence
    kind = artifact_kind(url, evidence)
    # A project page that names code is the code link, whatever else it offers; a hub's path says its kind.
    on_hub = urlsplit(url).netloc.lower().removeprefix("www.") in HUB_HOSTS
    code = kind == "code" or (not on_hub and any(_is_project_page(url, m) for m in own_mentions))
    return Link(url, code, bool(own_mentions), first.source, first.page, evidence.strip()[:500])


def _drop_own_subpaths(links: list[Link]) -> list[Link]:
    """A deep link into the paper's own repository is not a second code link for it."""
    own_roots = [link.url for link in links if link.is_own and link.is_code]
    kept = []
    for link in links:
        inside = any(link.url != root and link.url.startswith(root + "/") for root in own_roots)
        kept.append(Link(link.url, link.is_code, False, link.source, link.page, link.evidence) if inside and
                    link.is_own else link)
    return kept
