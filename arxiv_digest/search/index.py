"""The search index over every stored digest entry (tantivy, BM25), its incremental refresh and its queries.

One document per digest entry (category, day, paper), keyed `<category>/<day>/<arxiv id>`, with a content hash
of what it holds; `documents.json` beside the index records key -> hash, so a refresh adds, replaces and
deletes only what changed and an unchanged archive writes nothing. Matches are highlighted by our own code from
the engine's match ranges: every piece of text is HTML-escaped and `<mark>` is the only markup.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import tantivy

from arxiv_digest.profiles import PROFILE_NAME
from arxiv_digest.search.query import MAX_PER_PAGE, SearchQuery, SearchTerms, search_terms
from arxiv_digest.store.archive import ArchivedEntry

SCHEMA_VERSION = 1  # a change of fields or tokenizers: the index is rebuilt from the store
MANIFEST = "documents.json"
# Where a word counts most: a title match outranks an abstract-only one.
FIELD_BOOSTS = {"title": 4.0, "authors": 2.0, "sections": 1.5, "abstract": 1.0, "analysis": 0.7}
SNIPPET_FIELDS = ("abstract", "analysis", "sections", "authors")
SNIPPET_CHARS = 240
WRITER_HEAP_BYTES = 64_000_000


class ArchiveReader(Protocol):
    def archived_entries(self, category: str | None = None, since: date | None = None,
                         until: date | None = None) -> list[ArchivedEntry]: ...


@dataclass(frozen=True)
class SearchHit:
    arxiv_id: str
    version: int
    day: date
    category: str
    title_html: str  # escaped, matches in <mark>
    snippet_html: str  # escaped, matches in <mark>
    authors: str
    score: float
    has_code: bool
    has_figure: bool
    kind: str


@dataclass(frozen=True)
class SearchResults:
    hits: list[SearchHit]
    total: int
    took_ms: float
    searched: str = ""  # the words and phrases searched, as the page should say them
    note: str = ""  # e.g. "no paper has every word; showing papers with any of them"


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("key", stored=True, tokenizer_name="raw")
    builder.add_text_field("arxiv_id", stored=True, tokenizer_name="raw")
    builder.add_integer_field("version", stored=True)
    builder.add_integer_field("day", stored=True, indexed=True, fast=True)  # yyyymmdd
    builder.add_text_field("category", stored=True, tokenizer_name="raw")
    builder.add_text_field("kind", stored=True, tokenizer_name="raw")
    builder.add_integer_field("has_code", stored=True, indexed=True)
    builder.add_integer_field("has_figure", stored=True, indexed=True)
    builder.add_json_field("scores", stored=False, fast=True, tokenizer_name="raw")
    for name in FIELD_BOOSTS:
        builder.add_text_field(name, stored=True, tokenizer_name="en_stem")
    return builder.build()


def document_fields(entry: ArchivedEntry) -> dict[str, Any]:
    """What the index holds of an entry (the content hash covers exactly this)."""
    paper = entry.paper
    return {
        "key": entry.key, "arxiv_id": paper.arxiv_id, "version": paper.version,
        "day": int(entry.day.strftime("%Y%m%d")), "category": entry.category, "kind": entry.kind,
        "has_code": int(entry.has_code), "has_figure": int(entry.has_figure),
        "scores": {name: float(score) for name, score in entry.profile_scores},
        "title": paper.title, "authors": ", ".join(paper.authors), "abstract": paper.abstract,
        "analysis": entry.analysis, "sections": "\n".join(entry.section_titles),
    }


def content_hash(fields: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:32]


class SearchIndex:
    """The index in one directory (`<data_dir>/search-index/`); open it, refresh it from a store, search it."""

    def __init__(self, path: Path, index: tantivy.Index, hashes: dict[str, str]) -> None:
        self.path = path
        self._index = index
        self._schema = index.schema
        self._hashes = hashes

    @classmethod
    def open(cls, path: Path | str) -> SearchIndex:
        """Open the index, creating it (or rebuilding an empty one, if its schema is older) when needed."""
        path = Path(path)
        hashes = _read_manifest(path)
        if hashes is None:  # new, older schema, or a manifest lost in a crash: start empty, refresh fills it
            if path.exists() and any(path.iterdir()) and not (path / "meta.json").exists():
                raise ValueError(f"{path} is not a search index (and not empty): choose another directory")
            if path.exists():
                shutil.rmtree(path)
            path.mkdir(parents=True)
            hashes = {}
            _write_manifest(path, hashes)
        return cls(path, tantivy.Index(_schema(), path=str(path)), hashes)

    @property
    def documents(self) -> int:
        return len(self._hashes)

    def refresh(self, stores: ArchiveReader | Sequence[ArchiveReader]) -> int:
        """Bring the index up to date with the stores' digest entries (every store of the data dir: entries
        in none of them are deleted). Returns the documents added or replaced; writes nothing when unchanged."""
        readers = [stores] if not isinstance(stores, Sequence) else list(stores)
        wanted: dict[str, str] = {}
        changed: dict[str, dict[str, Any]] = {}  # only what must be written stays in memory
        for reader in readers:
            for entry in reader.archived_entries():
                fields = document_fields(entry)
                digest = wanted[entry.key] = content_hash(fields)
                if self._hashes.get(entry.key) != digest:
                    changed[entry.key] = fields
                else:
                    changed.pop(entry.key, None)
        gone = [key for key in self._hashes if key not in wanted]
        if not changed and not gone:
            return 0
        writer = self._index.writer(heap_size=WRITER_HEAP_BYTES, num_threads=1)
        try:
            for key in gone:
                writer.delete_documents_by_term("key", key)
            for key, fields in changed.items():
                if key in self._hashes:
                    writer.delete_documents_by_term("key", key)
                writer.add_document(tantivy.Document(**fields))
            # The manifest is written first as "unknown" so that a crash between the engine's commit and
            # the manifest's write rebuilds the index instead of trusting stale hashes.
            _remove_manifest(self.path)
            writer.commit()
            writer.wait_merging_threads()
        except BaseException:
            writer.rollback()
            raise
        _write_manifest(self.path, wanted)
        self._hashes = wanted
        self._index.reload()
        return len(changed)

    def search(self, query: SearchQuery) -> SearchResults:
        """The page of hits for a query, best first (newest first without text). Never raises on the text:
        it is read as words and phrases; bad filters raise ValueError with a one-line reason."""
        started = time.perf_counter()
        terms = search_terms(query.text)
        filters = self._filters(query)
        per_page = max(1, min(query.per_page, MAX_PER_PAGE))
        offset = (max(1, query.page) - 1) * per_page
        searcher = self._index.searcher()
        note = ""
        if terms.empty:
            text_query = None
            result = searcher.search(_all_of([tantivy.Query.all_query(), *filters]), per_page, count=True,
                                     order_by_field="day", offset=offset)
        else:
            text_query = self._text_query(terms, require_all=True)
            result = searcher.search(_all_of([text_query, *filters]), per_page, count=True, offset=offset)
            if result.count == 0 and len(terms.words) + len(terms.phrases) > 1:
                text_query = self._text_query(terms, require_all=False)
                result = searcher.search(_all_of([text_query, *filters]), per_page, count=True, offset=offset)
                if result.count:
                    note = "no paper has every word; showing papers with any of them"
        hits = self._hits(searcher, text_query, result.hits, scored=text_query is not None)
        took = (time.perf_counter() - started) * 1000
        return SearchResults(hits=hits, total=result.count or 0, took_ms=round(took, 2),
                             searched=terms.described(), note=note)

    def _text_query(self, terms: SearchTerms, require_all: bool) -> tantivy.Query:
        text = terms.engine_query(require_all)
        try:
            return self._index.parse_query(text, list(FIELD_BOOSTS), field_boosts=FIELD_BOOSTS)
        except ValueError:  # not expected from words and phrases; the lenient parser drops what it cannot read
            query, _ = self._index.parse_query_lenient(text, list(FIELD_BOOSTS), field_boosts=FIELD_BOOSTS)
            return query

    def _filters(self, query: SearchQuery) -> list[tantivy.Query]:
        schema = self._schema
        found: list[tantivy.Query] = []
        if query.category:
            found.append(tantivy.Query.term_query(schema, "category", query.category))
        if query.kind:
            found.append(tantivy.Query.term_query(schema, "kind", query.kind))
        for name, flag in (("has_code", query.has_code), ("has_figure", query.has_figure)):
            if flag is not None:
                found.append(tantivy.Query.term_query(schema, name, int(flag)))
        if query.date_from or query.date_to:
            low = int(query.date_from.strftime("%Y%m%d")) if query.date_from else None
            high = int(query.date_to.strftime("%Y%m%d")) if query.date_to else None
            found.append(tantivy.Query.range_query(schema, "day", tantivy.FieldType.Integer, low, high))
        if query.profile:
            if not PROFILE_NAME.match(query.profile):
                raise ValueError(f"{query.profile[:40]!r} is not a profile name")
            # A profile's papers: those it scored at least min_score (by default: anything it matched).
            bound = f">={float(query.min_score)!r}" if query.min_score is not None else ">0.0"
            found.append(self._index.parse_query(f"scores.{query.profile}:{bound}", ["title"]))
        return found

    def _hits(self, searcher: tantivy.Searcher, text_query: tantivy.Query | None,
              found: Iterable[tuple[Any, tantivy.DocAddress]], scored: bool) -> list[SearchHit]:
        generators: dict[str, tantivy.SnippetGenerator] = {}
        if text_query is not None:
            for name in ("title", *SNIPPET_FIELDS):
                generator = tantivy.SnippetGenerator.create(searcher, text_query, self._schema, name)
                generator.set_max_num_chars(2000 if name == "title" else SNIPPET_CHARS)
                generators[name] = generator
        hits = []
        for order_key, address in found:
            doc = searcher.doc(address)
            stored = {name: doc.get_first(name) for name in
                      ("arxiv_id", "version", "day", "category", "kind", "has_code", "has_figure", "title",
                       "authors", "abstract")}
            title_html = html.escape(stored["title"] or "")
            snippet_html = ""
            if generators:
                title_html = _highlighted_html(generators["title"].snippet_from_doc(doc), stored["title"] or "")
                for name in SNIPPET_FIELDS:
                    snippet = generators[name].snippet_from_doc(doc)
                    if snippet.highlighted():
                        snippet_html = _highlighted_html(snippet, doc.get_first(name) or "")
                        break
            if not snippet_html:
                snippet_html = html.escape(_opening(stored["abstract"] or ""))
            day = str(stored["day"])
            hits.append(SearchHit(
                arxiv_id=stored["arxiv_id"], version=int(stored["version"]),
                day=date(int(day[:4]), int(day[4:6]), int(day[6:])), category=stored["category"],
                title_html=title_html, snippet_html=snippet_html, authors=stored["authors"] or "",
                score=round(float(order_key), 4) if scored else 0.0, has_code=bool(stored["has_code"]),
                has_figure=bool(stored["has_figure"]), kind=stored["kind"]))
        return hits


def _all_of(queries: Sequence[tantivy.Query]) -> tantivy.Query:
    if len(queries) == 1:
        return queries[0]
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in queries])


def _highlighted_html(snippet: tantivy.Snippet, text: str) -> str:
    """The snippet's fragment, escaped, with its matches in <mark> (the engine's ranges are UTF-8 byte offsets);
    an ellipsis where the fragment starts or ends inside the text. Without a fragment: the text, escaped."""
    fragment = snippet.fragment()
    if not fragment:
        return html.escape(text)
    raw = fragment.encode("utf-8")
    parts: list[str] = []
    last = 0
    for span in sorted(snippet.highlighted(), key=lambda r: r.start):
        if span.start < last:
            continue
        parts.append(html.escape(raw[last:span.start].decode("utf-8", "replace")))
        parts.append("<mark>" + html.escape(raw[span.start:span.end].decode("utf-8", "replace")) + "</mark>")
        last = span.end
    parts.append(html.escape(raw[last:].decode("utf-8", "replace")))
    body = "".join(parts)
    stripped = text.strip()
    if not stripped.startswith(fragment.strip()):
        body = "… " + body
    if not stripped.endswith(fragment.strip()):
        body += " …"
    return body


def _opening(text: str) -> str:
    if len(text) <= SNIPPET_CHARS:
        return text
    cut = text[:SNIPPET_CHARS].rsplit(" ", 1)[0]
    return cut + " …"


def _read_manifest(path: Path) -> dict[str, str] | None:
    try:
        data = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA_VERSION or not isinstance(data.get("hashes"), dict):
        return None
    return {str(k): str(v) for k, v in data["hashes"].items()}


def _write_manifest(path: Path, hashes: dict[str, str]) -> None:
    """Atomically: a reader never sees half a manifest."""
    handle, temp = tempfile.mkstemp(prefix=".documents-", suffix=".json", dir=path)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump({"schema": SCHEMA_VERSION, "hashes": hashes}, out, sort_keys=True)
        os.replace(temp, path / MANIFEST)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _remove_manifest(path: Path) -> None:
    (path / MANIFEST).unlink(missing_ok=True)
