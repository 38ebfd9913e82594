"""The day's themes offline: key phrases shared by its papers, from n-gram statistics over a real stop list.

A candidate is a run of up to four words between stop words, punctuation, numbers and boilerplate (the
English list of the `stop-words` package, minus the field words it over-includes such as "point", "large",
"zero" or "self", plus the verbs, adjectives and nouns every abstract uses: "propose", "novel", "existing",
"framework"). Variants are merged under one key: case, hyphen or space ("vision-language" = "vision language"),
the plural of the head word ("models" = "model"), and an acronym with its expansion ("VLMs", "LVLMs" =
"(large) vision-language models"), found from "expansion (ACR)" or from the initials of a candidate. A theme
is a multi-word phrase, or a known single-word technique or an acronym, ranked by the number of papers behind
it; a phrase that only narrows a longer one with nearly the same papers gives way to the longer one
("vision-language" to "vision-language models"). Everything is deterministic: ties fall to the paper ids.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from stop_words import get_stop_words

from schemas.records import Paper

# Field words that the general English list counts as stop words ("point clouds", "large language models",
# "zero-shot", "self-supervised", "test case", "face recognition", "open-vocabulary", "web testing").
_FIELD_WORDS = frozenset(
    "point points face faces large high open zero self test tests case cases web world text computer system "
    "systems information index value length line state states order group long small full page".split()
)
# What every abstract says whatever its topic: framing verbs, praise, generic nouns. Breaking candidates at
# them keeps "propose a novel", "existing methods", "extensive experiments" and "jointly" out of the themes.
_ABSTRACT_WORDS = frozenset(
    """
    propose proposes proposed introduce introduces introduced present presents presented achieve achieves
    achieved demonstrate demonstrates demonstrated outperform outperforms outperformed enable enables enabled
    leverage leverages leveraged leveraging utilize utilizes utilized address addresses addressed
    improve improves improved enhance enhances enhanced employ employs employed exploit exploits exploited
    incorporate incorporates incorporated integrate integrates integrated investigate investigates investigated
    explore explores explored study studies studied develop develops developed design designs designed
    evaluate evaluates evaluated validate validates validated provide provides provided offer offers offered
    allow allows allowed require requires required remain remains remained rely relies relied seek seeks
    convert converts converted produce produces produced yield yields yielded obtain obtains obtained
    generate generates generated predict predicts predicted learn learns learned learnt train trains trained
    apply applies applied build builds built capture captures captured combine combines combined compare
    compares compared construct constructs constructed extend extends extended facilitate facilitates
    facilitated identify identifies identified reduce reduces reduced release releases released serve serves
    solve solves solved support supports supported update updates updated help helps hinder hinders fail
    fails failing lead leads led frame frames framed elaborate elaborates outline outlines emphasize
    emphasizes showcase showcases establish establishes established emerge emerged emerging curate curates
    curated concern concerns concerned consist consists assess assesses assessed encourage encourages
    strengthen strengthens concentrate concentrates distinguish tackle tackles separate separating matching
    novel new existing prior previous recent current standard various diverse different multiple several
    numerous many strong stronger superior competitive significant extensive comprehensive effective
    efficient simple key unified powerful challenging impressive outstanding unprecedented accurate precise
    fast faster substantial substantially consistent favorable compact complete typical common crucial
    essential critical promising remarkable notable practical generic specific specialized respective
    additional further overall main major minor primary important relevant available publicly
    paper papers work works approach approaches method methods technique techniques framework frameworks
    result results performance experiment experiments effectiveness efficacy efficiency capability
    capabilities ability abilities limitation limitations challenge challenges advance advances advancement
    alternative alternatives direction directions insight insights contribution contributions choice choices
    ablation ablations baseline baselines way ways variety range set lot field fields progress tool tools
    cost costs issue issues gap gaps need needs importance solution solutions strategy strategies manner
    aspect aspects form forms kind type types scenario scenarios setting settings regard terms property
    properties evidence findings finding goal goals purpose role analysis analyses art thing things
    code project github model's version versions based guided driven
    """.split()
)
# Hyphenated modifiers that say how good or how big, never what about.
_BOILERPLATE_COMPOUNDS = frozenset(
    """
    state-of-the-art end-to-end high-quality large-scale real-world fine-grained first-of-its-kind in-the-wild
    all-in-one plug-and-play off-the-shelf high-fidelity low-cost well-known long-standing easy-to-use
    open-source open-ended real-time pixel-wise frame-wise per-frame per-token per-pixel one-shot two-stage
    multi-stage step-by-step training-free data-driven task-specific domain-specific instance-specific
    """.split()
)
# Single words that name a topic on their own; any other theme has two words or more, or is an acronym.
KNOWN_SINGLE_TERMS = frozenset(
    """
    segmentation tokenization tokenizer tokenizers matting distillation quantization pruning fuzzing retrieval
    tracking captioning transformer transformers diffusion reasoning inpainting denoising deblurring dehazing
    super-resolution summarization translation grounding alignment registration localization pretraining
    fine-tuning benchmarking compression watermarking unlearning hallucination hallucinations
    """.split()
)
_NOT_ADVERBS = frozenset("anomaly family assembly supply poly italy butterfly".split())
_NOT_PLURALS = ("ss", "us", "is", "ics", "ous", "ys")

_LATEX_COMMAND = re.compile(r"\\[A-Za-z]+\{([^{}]*)\}")
_LATEX_MATH = re.compile(r"\$[^$]*\$")
_URL = re.compile(r"https?://\S+|www\.\S+")
# Each pattern of `clean_text` needs one of these: "http" or "www." (a URL), "$" (math), "\\" (a command), "--".
_MAY_NEED_CLEANING = re.compile(r"https?://|www\.|\$|\\|--")
_CLAUSE_BREAK = re.compile(r"[.,;:!?()\[\]{}\"“”‘’/|<>=+*&%#@~^`]|--+\s|\s--+|\s-\s|—|–")
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*[A-Za-z0-9]|[A-Za-z0-9]")
_DIMENSION = re.compile(r"^\d+D$")
_NUMBERISH = re.compile(r"^\d[\d.,]*[A-Za-z×x]{0,2}$")
_ACRONYM = re.compile(r"^[A-Z][A-Za-z0-9]*[A-Z][A-Za-z0-9]*?(?:s)?$")
_DEFINITION = re.compile(r"(?<=[A-Za-z])\s*\(\s*([A-Z][A-Za-z0-9-]*[A-Z][A-Za-z0-9]*?s?)\s*\)")

MAX_WORDS = 4
# The per-token rules below are pure and a week of abstracts repeats its words thousands of times: they are
# memoised (bounded, so a long-lived process does not grow without end).
_TOKEN_CACHE = 1 << 16


def _general_stop_words() -> frozenset[str]:
    return frozenset(w.lower() for w in get_stop_words("en")) - _FIELD_WORDS


STOP_WORDS: frozenset[str] = _general_stop_words() | _ABSTRACT_WORDS


@dataclass(frozen=True)
class Theme:
    """A key phrase of the day and the papers (versioned ids, in the day's order) behind it."""

    phrase: str
    paper_ids: tuple[str, ...]


@dataclass
class _Candidate:
    key: tuple[str, ...]
    papers: dict[str, None] = field(default_factory=dict)  # insertion order = the day's order
    title_papers: set[str] = field(default_factory=set)
    occurrences: int = 0
    heads: int = 0  # occurrences that end their run of words: the phrase is a head, not only a modifier
    surfaces: dict[str, int] = field(default_factory=dict)

    def add(self, paper_id: str, surface: str, in_title: bool) -> None:
        self.papers.setdefault(paper_id)
        self.occurrences += 1
        if surface:
            self.surfaces[surface] = self.surfaces.get(surface, 0) + 1
        if in_title:
            self.title_papers.add(paper_id)


@lru_cache(maxsize=_TOKEN_CACHE)
def singular(word: str) -> str:
    """The singular of a head noun, by spelling: "models" -> "model", "boxes" -> "box", "studies" -> "study"."""
    if len(word) <= 3 or not word.endswith("s") or word.endswith(_NOT_PLURALS):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "ches", "shes", "xes", "zes")):
        return word[:-2]
    return word[:-1]


def clean_text(text: str) -> str:
    """Abstract text without URLs, TeX math and TeX commands (whose argument stays)."""
    if not _MAY_NEED_CLEANING.search(text):
        return text  # most sentences: none of the patterns below can match, so skip them
    text = _URL.sub(" . ", text)
    text = _LATEX_MATH.sub(" . ", text)
    text = _LATEX_COMMAND.sub(r"\1", text)
    # "vision--language" in TeX is a hyphenated word.
    return re.sub(r"(?<=[A-Za-z])--(?=[A-Za-z])", "-", text)


@lru_cache(maxsize=_TOKEN_CACHE)
def _is_break(token: str) -> bool:
    lowered = token.lower()
    if lowered in _BOILERPLATE_COMPOUNDS or lowered in STOP_WORDS:
        return True
    if _NUMBERISH.match(token) and not _DIMENSION.match(token):
        return True
    if lowered.endswith("ly") and len(lowered) > 4 and lowered not in _NOT_ADVERBS and "-" not in lowered:
        return True
    return not any(c.isalpha() for c in token)


def _chunks(text: str) -> list[list[str]]:
    """Runs of content tokens, cut at punctuation, stop words, numbers, adverbs and boilerplate."""
    chunks: list[list[str]] = []
    for clause in _CLAUSE_BREAK.split(clean_text(text)):
        run: list[str] = []
        for token in _TOKEN.findall(clause):
            token = token.replace("’", "'")
            if token.endswith("'s"):
                token = token[:-2]
            if _is_break(token):
                if run:
                    chunks.append(run)
                run = []
            else:
                run.append(token)
        if run:
            chunks.append(run)
    return chunks


def _words(tokens: Sequence[str]) -> tuple[str, ...]:
    return tuple(part for token in tokens for part in _token_words(token))


@lru_cache(maxsize=_TOKEN_CACHE)
def _token_words(token: str) -> tuple[str, ...]:
    """One token's words: lower case, split at its hyphens."""
    return tuple(part for part in token.lower().split("-") if part)


def _spelled(token: str, defined: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """A token's words inside a phrase, a defined acronym spelled out ("GUI testing" = "graphical user
    interface testing")."""
    acronym = acronym_key(token)
    return defined[acronym] if acronym and acronym in defined else _token_words(token)


def phrase_key(tokens: Sequence[str]) -> tuple[str, ...]:
    """The variant-free key: lower case, hyphens as spaces, the head word singular."""
    words = _words(tokens)
    return (*words[:-1], singular(words[-1])) if words else ()


def _ends_badly(last: str) -> bool:
    # "mask-guided", "pre-trained": a participle modifies the noun that should have followed.
    return last.endswith("ed") and len(last) > 4 and last not in {"embed", "speed", "seed", "feed"}


@lru_cache(maxsize=_TOKEN_CACHE)
def _odd_token(token: str) -> bool:
    # Inside a compound too: "3-to-4", "one-of-a-kind" name no topic.
    return any(part in STOP_WORDS or part.isdigit() for part in _token_words(token))


@lru_cache(maxsize=_TOKEN_CACHE)
def acronym_key(token: str) -> str | None:
    """"LVLMs" -> "lvlm"; None when the token is not an acronym (mostly capitals, two or more)."""
    if not _ACRONYM.match(token) or token.isdigit():
        return None
    stem = token[:-1] if token.endswith("s") and token[:-1].isupper() else token
    letters = [c for c in stem if c.isalpha()]
    if len(letters) < 2 or sum(c.isupper() for c in letters) * 2 < len(letters) + 1:
        return None
    if len(letters) > 6 and stem.isupper():
        return None  # a word set in capitals ("ABSTRACT"), not an acronym
    return stem.lower()


def initials(key: tuple[str, ...]) -> str:
    return "".join(word[0] for word in key if word)


def _surface(tokens: Sequence[str], sentence_start: bool) -> str:
    words = list(tokens)
    if sentence_start and words and not acronym_key(words[0]) and words[0][1:].islower():
        words[0] = words[0][0].lower() + words[0][1:]
    return " ".join(words)


def _definitions(text: str) -> dict[str, tuple[str, ...]]:
    """Acronyms the text defines, "Instance-level recognition (ILR)" -> {"ilr": key of the expansion}."""
    found: dict[str, tuple[str, ...]] = {}
    cleaned = clean_text(text)
    for match in _DEFINITION.finditer(cleaned):
        acronym = acronym_key(match.group(1))
        if acronym is None:
            continue
        tokens = cleaned[max(0, match.start() - 120):match.start()].split()[-(MAX_WORDS + 3):]
        # The shortest tail of the words before the parenthesis whose initials spell the acronym.
        for start in range(len(tokens) - 1, -1, -1):
            tail = tokens[start:]
            if initials(_words(tail)) == acronym or initials(phrase_key(
                    [t for t in tail if t.lower() not in STOP_WORDS])) == acronym:
                content = [t for t in tail if not _is_break(t)]
                if len(_words(content)) >= 2:
                    found[acronym] = phrase_key(tail)
                break
    return found


def _collect(papers: Sequence[Paper]) -> tuple[dict[tuple[str, ...], _Candidate], dict[str, tuple[str, ...]],
                                                 list[tuple[str, str, bool]]]:
    candidates: dict[tuple[str, ...], _Candidate] = {}
    defined: dict[str, tuple[str, ...]] = {}
    acronym_uses: list[tuple[str, str, bool]] = []  # (paper id, acronym key, in title)
    for paper in papers:
        for text in (paper.title, paper.abstract):
            for acronym, key in _definitions(text).items():
                defined.setdefault(acronym, key)
    for paper in papers:
        paper_id = paper.versioned_id
        for text, in_title in ((paper.title, True), (paper.abstract, False)):
            for sentence in re.split(r"(?<=[.!?])\s+", clean_text(text)):
                for number, chunk in enumerate(_chunks(sentence)):
                    starts_sentence = number == 0 and sentence.lstrip().startswith(chunk[0])
                    acronym_uses += [(paper_id, acronym, in_title) for acronym in map(acronym_key, chunk) if acronym]
                    _add_phrases(candidates, paper_id, chunk, defined, in_title, starts_sentence)
    return candidates, defined, acronym_uses


def _add_phrases(candidates: dict[tuple[str, ...], _Candidate], paper_id: str, chunk: Sequence[str],
                 defined: dict[str, tuple[str, ...]], in_title: bool, starts_sentence: bool) -> None:
    """Every phrase of up to MAX_WORDS tokens of the chunk, counted for the paper."""
    usable = [not _odd_token(token) for token in chunk]
    # Each token's words once (a defined acronym inside a phrase spelled out); phrases join them.
    own = [_token_words(token) for token in chunk]
    spelled = [_spelled(token, defined) for token in chunk]
    length = len(chunk)
    for size in range(1, min(MAX_WORDS, length) + 1):
        for start in range(length - size + 1):
            end = start + size
            if not all(usable[start:end]):
                continue
            words = sum(spelled[start:end], ()) if size > 1 else own[start]
            if len(words) > MAX_WORDS + 1 or _ends_badly(words[-1]):
                continue
            key = (*words[:-1], singular(words[-1]))
            candidate = candidates.get(key)
            if candidate is None:
                candidate = candidates[key] = _Candidate(key)
            # `_Candidate.add` written out: this loop runs for every phrase of every abstract.
            candidate.papers.setdefault(paper_id)
            candidate.occurrences += 1
            candidate.heads += end == length
            if in_title:
                candidate.title_papers.add(paper_id)
            else:
                surface = _surface(chunk[start:end], starts_sentence and start == 0)
                candidate.surfaces[surface] = candidate.surfaces.get(surface, 0) + 1


def _expand_acronyms(candidates: dict[tuple[str, ...], _Candidate], defined: dict[str, tuple[str, ...]],
                     acronym_uses: list[tuple[str, str, bool]]) -> None:
    """Count each use of an acronym as a use of its expansion: the defined one, else the most used candidate
    of two or more words whose initials spell it."""
    by_initials: dict[str, list[_Candidate]] = {}
    for candidate in candidates.values():
        if len(candidate.key) >= 2:
            by_initials.setdefault(initials(candidate.key), []).append(candidate)
    for paper_id, acronym, in_title in acronym_uses:
        key = defined.get(acronym)
        if key is None:
            matches = by_initials.get(acronym, [])
            if not matches:
                continue
            key = min(matches, key=lambda c: (-len(c.papers), -c.occurrences, c.key)).key
        expansion = candidates.setdefault(key, _Candidate(key))
        expansion.add(paper_id, "", in_title)
        expansion.heads += 1
        # The acronym itself stops being a theme of its own: it is its expansion.
        candidates.pop((acronym,), None)


def _display(candidate: _Candidate, lower_case_words: set[str], proper_words: set[str]) -> str:
    """The phrase as the abstracts write it most often, in lower case where the day writes the word so
    (titles and definitions capitalise "Vision-Language Models"; "Gaussian" and "GUI" stay)."""
    if candidate.surfaces:
        # Ties go to the hyphenated compound and the plural: "vision-language models" over "vision language model".
        text, _ = min(candidate.surfaces.items(),
                      key=lambda item: (-item[1], -item[0].count("-"), not item[0].endswith("s"), item[0]))
    else:
        text = " ".join(candidate.key)

    capitalised = [w for w in re.findall(r"[A-Za-z]+", text) if w[:1].isupper() and w[1:].islower()]
    # A name keeps its capitals ("Sparse Token Routing", "Gaussian"); a term written in title case somewhere
    # reads in lower case when the day writes each of its words so.
    if all(w.lower() in lower_case_words or w not in proper_words for w in capitalised):
        return re.sub(r"\b[A-Z][a-z]+\b", lambda m: m.group(0).lower(), text)
    return text


def _lower_case_words(papers: Sequence[Paper]) -> set[str]:
    return {word for p in papers for word in re.findall(r"\b[a-z]+\b", clean_text(f"{p.title} {p.abstract}"))}


def _proper_words(papers: Sequence[Paper]) -> set[str]:
    """Capitalised words that abstracts write so inside a sentence: names ("Gaussian"), not title case."""
    return {word for p in papers for word in re.findall(r"(?<=[a-z,;] )[A-Z][a-z]+\b", clean_text(p.abstract))}


def _eligible(candidate: _Candidate, lower_case_words: set[str]) -> bool:
    key = candidate.key
    if not candidate.heads:
        # Always followed by another word ("systematic literature ...", "spatio-temporal ..."): a modifier.
        return False
    if len(key) >= 2:
        return True
    word = key[0]
    if word in KNOWN_SINGLE_TERMS or singular(word) in KNOWN_SINGLE_TERMS:
        # A lone word must be a topic of a paper, not an item of a list: one title at least names it.
        return bool(candidate.title_papers)
    # A bare acronym none of the day's phrases expands: a name the field uses as it is ("OCR", "GUI").
    # "IMAGE" in a heading is the word "image", not an acronym.
    return (len(candidate.papers) >= 2 and word not in lower_case_words
            and any(acronym_key(s) for s in candidate.surfaces))


def _parts(key: tuple[str, ...]) -> set[tuple[str, ...]]:
    """The shorter phrases inside a key: ("large", "language", "model") -> ("language", "model"), ("large",)..."""
    return {key[i:j] for i in range(len(key)) for j in range(i + 1, len(key) + 1) if j - i < len(key)}


def _contains(longer: tuple[str, ...], shorter: tuple[str, ...]) -> bool:
    size = len(shorter)
    return len(longer) > size and any(longer[i:i + size] == shorter for i in range(len(longer) - size + 1))


def _rank(candidate: _Candidate) -> tuple[int, bool, int, int, int, tuple[str, ...]]:
    return (-len(candidate.papers), len(candidate.key) < 2, -len(candidate.title_papers), -candidate.occurrences,
            -len(candidate.key), candidate.key)


def day_themes(papers: Sequence[Paper], limit: int = 6, minimum: int = 3) -> list[Theme]:
    """3 to 6 themes of the day (fewer only when the day has too few phrases), most papers first.

    Phrases behind two papers or more come first; a day without enough of them is filled with the phrases
    that a single paper puts in its title or repeats.
    """
    if not papers:
        return []
    candidates, defined, acronym_uses = _collect(papers)
    _expand_acronyms(candidates, defined, acronym_uses)
    order = {p.versioned_id: i for i, p in enumerate(papers)}
    lower_case_words = _lower_case_words(papers)
    eligible = [c for c in candidates.values() if _eligible(c, lower_case_words)]
    chosen = _choose(_merge_into_wider(eligible), limit, minimum, lower_case_words, _proper_words(papers))
    return [Theme(phrase, tuple(sorted(c.papers, key=order.__getitem__))) for phrase, c in chosen]


def _merge_into_wider(eligible: list[_Candidate]) -> dict[tuple[str, ...], _Candidate]:
    """A phrase gives way to a longer one that contains it and keeps most of its papers: the theme is named
    by the longer phrase and keeps the papers of both."""
    containing: dict[tuple[str, ...], list[_Candidate]] = {}
    for candidate in eligible:
        for part in _parts(candidate.key):
            containing.setdefault(part, []).append(candidate)
    merged: dict[tuple[str, ...], _Candidate] = {}
    for candidate in sorted(eligible, key=_rank):
        wider = [c for c in containing.get(candidate.key, ())
                 if (len(c.papers) >= 2 or c.occurrences >= 2) and 3 * len(c.papers) >= 2 * len(candidate.papers)]
        if wider:
            target = min(wider, key=_rank)
            merged.setdefault(target.key, target).papers.update(candidate.papers)
            continue
        merged.setdefault(candidate.key, candidate)
    return merged


def _one_papers_topic(candidate: _Candidate, below_minimum: bool) -> bool:
    """A paper's own topic is a theme too when its title names it and its abstract repeats it ("video
    matting"), or, below the minimum, when either holds."""
    return bool((candidate.title_papers and candidate.occurrences >= 3)
                or (below_minimum and (candidate.title_papers or candidate.occurrences >= 2)))


def _choose(merged: dict[tuple[str, ...], _Candidate], limit: int, minimum: int, lower_case_words: set[str],
            proper_words: set[str]) -> list[tuple[str, _Candidate]]:
    """The themes, best first, each with its phrase as the day writes it."""
    chosen: list[tuple[str, _Candidate]] = []
    for candidate in sorted(merged.values(), key=_rank):
        if len(chosen) >= limit:
            break
        if len(candidate.papers) < 2 and not _one_papers_topic(candidate, len(chosen) < minimum):
            continue
        if any(_overlaps(candidate, taken) for _, taken in chosen):
            continue
        phrase = _display(candidate, lower_case_words, proper_words)
        if len(candidate.papers) < 2 and _is_name(phrase):
            continue  # one paper's own method ("Sparse Token Routing"): the summary lists those apart
        chosen.append((phrase, candidate))
    return chosen


def _is_name(phrase: str) -> bool:
    words = [w for w in re.split(r"[\s-]+", phrase) if w[:1].isalpha()]
    return bool(words) and all(w[:1].isupper() for w in words) and not all(acronym_key(w) for w in words)


def _overlaps(candidate: _Candidate, taken: _Candidate) -> bool:
    """A narrower or broader wording of a theme already named, about no other paper."""
    related = _contains(candidate.key, taken.key) or _contains(taken.key, candidate.key) or (
        set(candidate.key) & set(taken.key))
    return bool(related) and set(candidate.papers) <= set(taken.papers)
