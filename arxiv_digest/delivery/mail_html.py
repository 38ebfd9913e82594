"""The published HTML page made fit for mail: styles inlined, local images turned into CID references.

Many mail clients (Gmail's web client, Outlook) drop a page's <style> block and keep only style attributes, so
the rules of the block are written onto the elements they select. Only what a page of ours uses is supported:
type, class and id selectors, compound (`nav.toc`), descendant (`nav.toc li`) and child (`ul > li`) combinators.
Rules with anything else (pseudo-classes, attribute selectors, @media) cannot be inlined and are left out; an
element's own style attribute wins over the block, as in a browser.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_COMPOUND = re.compile(r"^(?P<tag>[a-zA-Z][\w-]*|\*)?(?P<rest>(?:[.#][\w-]+)*)$")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


@dataclass(frozen=True)
class _Compound:
    tag: str | None
    classes: frozenset[str]
    element_id: str | None

    def matches(self, tag: str, classes: frozenset[str], element_id: str | None) -> bool:
        return ((self.tag is None or self.tag == tag) and self.classes <= classes
                and (self.element_id is None or self.element_id == element_id))


@dataclass(frozen=True)
class StyleRule:
    # Right to left: the element's own compound first, then (combinator, compound) pairs towards the root.
    compounds: tuple[_Compound, ...]
    combinators: tuple[str, ...]  # " " (descendant) or ">" (child), between compounds[i] and compounds[i + 1]
    specificity: tuple[int, int, int]
    order: int
    declarations: tuple[tuple[str, str], ...]


def _compound(text: str) -> _Compound | None:
    match = _COMPOUND.match(text)
    if not match or not text:
        return None
    rest = re.findall(r"[.#][\w-]+", match.group("rest"))
    tag = match.group("tag")
    return _Compound(
        tag=None if tag in (None, "*") else tag.lower(),
        classes=frozenset(part[1:] for part in rest if part[0] == "."),
        element_id=next((part[1:] for part in rest if part[0] == "#"), None),
    )


def _declarations(block: str) -> tuple[tuple[str, str], ...]:
    found = []
    for item in block.split(";"):
        name, colon, value = item.partition(":")
        if colon and name.strip() and value.strip():
            found.append((name.strip().lower(), " ".join(value.split())))
    return tuple(found)


def _top_level_blocks(css: str) -> list[tuple[str, str]]:
    """(prelude, body) of each top-level block; an at-rule's nested blocks are skipped whole."""
    blocks, depth, start, prelude = [], 0, 0, ""
    for index, char in enumerate(css):
        if char == "{":
            if depth == 0:
                prelude, start = css[start:index].strip(), index + 1
            depth += 1
        elif char == "}" and depth:
            depth -= 1
            if depth == 0:
                blocks.append((prelude, css[start:index]))
                start = index + 1
    return blocks


def parse_style_rules(css: str) -> list[StyleRule]:
    """The rules of a stylesheet that can be written onto elements, in source order."""
    rules: list[StyleRule] = []
    for prelude, body in _top_level_blocks(_COMMENT.sub("", css)):
        if prelude.startswith("@"):
            continue
        declarations = _declarations(body)
        for selector in prelude.split(","):
            tokens = re.sub(r"\s*>\s*", " > ", selector.strip()).split()
            compounds: list[_Compound] = []
            combinators: list[str] = []
            pending = " "
            valid = bool(tokens)
            for token in tokens:
                if token == ">":
                    pending = ">"
                    continue
                part = _compound(token)
                if part is None:
                    valid = False
                    break
                if compounds:
                    combinators.append(pending)
                compounds.append(part)
                pending = " "
            if not valid or not compounds or pending == ">":
                continue
            specificity = (sum(c.element_id is not None for c in compounds), sum(len(c.classes) for c in compounds),
                           sum(c.tag is not None for c in compounds))
            rules.append(StyleRule(tuple(reversed(compounds)), tuple(reversed(combinators)), specificity,
                                   len(rules), declarations))
    return rules


_Element = tuple[str, frozenset[str], str | None]


def _rule_matches(rule: StyleRule, element: _Element, ancestors: list[_Element]) -> bool:
    """`ancestors` runs from the root to the element's parent."""
    if not rule.compounds[0].matches(*element):
        return False
    position = len(ancestors)  # ancestors[:position] may still be matched
    for compound, combinator in zip(rule.compounds[1:], rule.combinators, strict=True):
        if combinator == ">":
            if position == 0 or not compound.matches(*ancestors[position - 1]):
                return False
            position -= 1
            continue
        while position > 0 and not compound.matches(*ancestors[position - 1]):
            position -= 1
        if position == 0:
            return False
        position -= 1
    return True


def _style_text(declarations: dict[str, str]) -> str:
    return ";".join(f"{name}:{value}" for name, value in declarations.items())


@dataclass
class MailHtml:
    html: str
    images: dict[str, str]  # the src of each image kept -> its content id (without <>)


class _MailRewriter(HTMLParser):
    def __init__(self, rules: list[StyleRule], image_cid: Callable[[str], str | None]) -> None:
        super().__init__(convert_charrefs=False)
        self.rules = rules
        self.image_cid = image_cid
        self.out: list[str] = []
        self.stack: list[_Element] = []
        self.in_style = False
        self.images: dict[str, str] = {}
        self.body_style = ""

    def _styled(self, tag: str, attrs: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
        values = dict(attrs)
        element = (tag, frozenset((values.get("class") or "").split()), values.get("id"))
        matching = sorted((r for r in self.rules if _rule_matches(r, element, self.stack)),
                          key=lambda r: (r.specificity, r.order))
        merged: dict[str, str] = {}
        for rule in matching:
            merged.update(rule.declarations)
        merged.update(_declarations(values.get("style") or ""))
        if not merged:
            return attrs
        style = _style_text(merged)
        kept = [(name, value) for name, value in attrs if name != "style"]
        return [*kept, ("style", style)]

    def _start(self, tag: str, attrs: list[tuple[str, str | None]], closed: bool) -> None:
        if tag == "style":
            self.in_style = not closed
            return
        rewritten = self._mail_attrs(tag, attrs)
        if rewritten is None:
            return  # an image not on disk, or remote: an email never loads pictures from elsewhere
        attrs = self._styled(tag, rewritten)
        if tag == "body":
            # Mail clients drop <body>'s attributes (webmail puts the message inside its own page): the page's
            # font, width and margins move to a wrapper that they keep.
            self.body_style = dict(attrs).get("style") or ""
            attrs = [(n, v) for n, v in attrs if n != "style"]
        rendered = "".join(f" {n}" if v is None else f" {n}=\"{html.escape(v, quote=True)}\"" for n, v in attrs)
        self.out.append(f"<{tag}{rendered}{' /' if closed else ''}>")
        if tag == "body" and self.body_style:
            self.out.append(f"<div style=\"{html.escape(self.body_style, quote=True)}\">")
        if not closed and tag not in _VOID:
            self.stack.append((tag, frozenset((dict(attrs).get("class") or "").split()), dict(attrs).get("id")))

    def _mail_attrs(self, tag: str, attrs: list[tuple[str, str | None]]) -> list[tuple[str, str | None]] | None:
        """The attributes as a mailbox needs them: local images as cid: parts (None: leave the image out), links
        relative to the page without their href."""
        if tag == "img":
            src = dict(attrs).get("src") or ""
            cid = self.image_cid(src)
            if cid is None:
                return None
            self.images[src] = cid
            return [(n, f"cid:{cid}" if n == "src" else v) for n, v in attrs]
        if tag == "a":
            href = dict(attrs).get("href") or ""
            if href and not href.startswith("#") and not _SCHEME.match(href) and not href.startswith("//"):
                # A link relative to the page (the list of all days) leads nowhere from a mailbox.
                return [(n, v) for n, v in attrs if n != "href"]
        return attrs

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, closed=False)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, closed=True)

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self.in_style = False
            return
        if tag == "body" and self.body_style:
            self.out.append("</div>")
        if any(open_tag == tag for open_tag, _, _ in self.stack):
            while self.stack:
                if self.stack.pop()[0] == tag:
                    break
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if not self.in_style:
            self.out.append(data)

    def handle_entityref(self, name: str) -> None:
        self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.out.append(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        pass  # nothing of ours hides in comments, and clients may show conditional ones

    def handle_decl(self, decl: str) -> None:
        self.out.append(f"<!{decl}>")

    def handle_pi(self, data: str) -> None:
        pass


_STYLE_BLOCK = re.compile(r"<style[^>]*>(.*?)</style>", re.S | re.I)


def mail_html(page: str, image_cid: Callable[[str], str | None]) -> MailHtml:
    """The page with its <style> rules inlined and removed, and each <img> either pointed at `cid:` + the id
    `image_cid(src)` gives, or dropped when that is None."""
    rules = [rule for css in _STYLE_BLOCK.findall(page) for rule in parse_style_rules(css)]
    rewriter = _MailRewriter(rules, image_cid)
    rewriter.feed(page)
    rewriter.close()
    return MailHtml("".join(rewriter.out), rewriter.images)
