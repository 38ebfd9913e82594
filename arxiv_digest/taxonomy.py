"""arXiv's category taxonomy (arxiv.org/category_taxonomy), to reject a mistyped category before any work.

Pure data below the domain folders: settings checks the configured category with it.
"""

from __future__ import annotations

import difflib

_GROUPS: dict[str, str] = {
    "cs": "AI AR CC CE CG CL CR CV CY DB DC DL DM DS ET FL GL GR GT HC IR IT LG LO MA MM MS NA NE NI OH OS PF PL "
          "RO SC SD SE SI SY",
    "econ": "EM GN TH",
    "eess": "AS IV SP SY",
    "math": "AC AG AP AT CA CO CT CV DG DS FA GM GN GR GT HO IT KT LO MG MP NA NT OA OC PR QA RA RT SG SP ST",
    "astro-ph": "CO EP GA HE IM SR",
    "cond-mat": "dis-nn mes-hall mtrl-sci other quant-gas soft stat-mech str-el supr-con",
    "nlin": "AO CD CG PS SI",
    "physics": "acc-ph ao-ph app-ph atm-clus atom-ph bio-ph chem-ph class-ph comp-ph data-an ed-ph flu-dyn gen-ph "
               "geo-ph hist-ph ins-det med-ph optics plasm-ph pop-ph soc-ph space-ph",
    "q-bio": "BM CB GN MN NC OT PE QM SC TO",
    "q-fin": "CP EC GN MM PM PR RM ST TR",
    "stat": "AP CO ME ML OT TH",
}
# Archives that are categories of their own, without a subject suffix.
_STANDALONE = ("gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th", "math-ph", "nucl-ex", "nucl-th", "quant-ph",
               "astro-ph", "cond-mat")

CATEGORIES: frozenset[str] = frozenset(
    [f"{group}.{subject}" for group, subjects in _GROUPS.items() for subject in subjects.split()]
    + list(_STANDALONE)
)
_BY_LOWER = {name.lower(): name for name in CATEGORIES}


def is_category(name: str) -> bool:
    return name in CATEGORIES


def close_matches(name: str, limit: int = 3) -> list[str]:
    """Categories a mistyped name probably meant, best first ("cs.cv" -> cs.CV, "cs.VC" -> cs.CV)."""
    exact_case = _BY_LOWER.get(name.strip().lower())
    if exact_case:
        return [exact_case]
    wanted = name.strip().lower()
    # Swapped letters ("cs.VC") are the commonest slip, and difflib ranks them below other near names.
    swapped = [real for low, real in _BY_LOWER.items() if len(low) == len(wanted) and sorted(low) == sorted(wanted)]
    lowered = difflib.get_close_matches(wanted, list(_BY_LOWER), n=limit, cutoff=0.6)
    found = sorted(swapped) + [_BY_LOWER[match] for match in lowered if _BY_LOWER[match] not in swapped]
    return found[:limit]


def unknown_category_message(name: str) -> str:
    suggestions = close_matches(name)
    hint = f"; did you mean {' or '.join(suggestions)}?" if suggestions else "; see arxiv.org/category_taxonomy"
    return f"category {name!r} is not in arXiv's taxonomy{hint}"
