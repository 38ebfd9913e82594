"""Every user-visible string that depends on the digest's language, one table per language.

A table is one ``Wording`` instance (its fields are declared in ``base.py``) in its own module (``zh.py``,
``en.py``), registered in ``LANGUAGES``; code looks strings up with ``wording_for(settings.language)`` and never
branches on the language itself. Adding a language is one new table module, listed in ``LANGUAGES`` below, plus
its prompt files ``arxiv_digest/prompts/<name>.<language>.md``; settings accept it from then on.

Templates are ``str.format`` templates; the placeholder names are given beside each field. Text that is the
same in every language (the digest's section headings, which follow the seed's structure) is not here.

This package imports nothing else from the project, so settings and quality checks can use it cheaply.
"""

from __future__ import annotations

from arxiv_digest.wording.base import Wording
from arxiv_digest.wording.en import EN
from arxiv_digest.wording.zh import ZH

__all__ = ["LANGUAGES", "Wording", "wording_for"]

# The default language first: settings list the languages in this order.
LANGUAGES: dict[str, Wording] = {table.code: table for table in (ZH, EN)}


def wording_for(language: str) -> Wording:
    """The table of `language`; a ValueError naming the known languages for any other."""
    try:
        return LANGUAGES[language]
    except KeyError:
        raise ValueError(f"no wording for language {language!r}; available: {', '.join(LANGUAGES)}") from None
