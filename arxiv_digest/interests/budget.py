"""The reading budget: which papers get the full-text (7-part) analysis and which the abstract analysis."""

from __future__ import annotations

from collections.abc import Mapping

from arxiv_digest.analysis.extractive import AnalysisInput
from arxiv_digest.wording import wording_for
from schemas.records import ProfileRank


def reads_in_full(ranks: Mapping[str, ProfileRank]) -> bool:
    """`ranks`: per profile, the paper's rank and the profile's top N (0 = all).

    No ranking (no profile configured): every paper is read in full, as without profiles. Else a paper is read
    in full when any profile ranks it within its budget: the analysis is shared by all profiles' digests.
    """
    if not ranks:
        return True
    return any(r.top_n == 0 or r.rank <= r.top_n for r in ranks.values())


def outside_budget_reason(ranks: Mapping[str, ProfileRank], language: str) -> str:
    """Why a paper got the abstract analysis: its best rank among the profiles, and that profile's budget."""
    profile, best = min(ranks.items(), key=lambda item: (item[1].rank - item[1].top_n, item[0]))
    rank, top_n = best.rank, best.top_n
    return wording_for(language).outside_budget_reason.format(rank=rank, profile=profile, top_n=top_n)


def budgeted_input(data: AnalysisInput, ranks: Mapping[str, ProfileRank], language: str) -> AnalysisInput:
    """What the analyzer gets: the full text within the budget, only the abstract (and why) beyond it."""
    if reads_in_full(ranks):
        return data
    return AnalysisInput(paper=data.paper, unavailable_reason=outside_budget_reason(ranks, language))



def pdf_skip_reason(ranks: Mapping[str, ProfileRank], figures_for: str, teaser_figures: bool = True) -> str:
    """Why a paper's PDF is not worth its download (arXiv's 3 s of politeness); empty when it is.

    A PDF buys two things: the full text, for papers within the reading budget, and the teaser figure, for the
    papers `figures_for` names ("all": every paper; "budget": those read in full; "none": no paper). Without a
    profile every paper is read in full, so every PDF is downloaded.
    """
    if reads_in_full(ranks):
        return ""
    if teaser_figures and figures_for == "all":
        return ""
    profile, best = min(ranks.items(), key=lambda item: (item[1].rank - item[1].top_n, item[0]))
    rank, top_n = best.rank, best.top_n
    return (f"outside the reading budget (ranked {rank} for profile {profile}, which reads its top {top_n}) "
            f"and figures_for = {figures_for!r}")
