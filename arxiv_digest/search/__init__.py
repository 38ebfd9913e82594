"""Search over every stored digest entry and the trends of a category or profile (issue 26).

`SearchIndex` (index.py) keeps a tantivy index in `<data_dir>/search-index/`, refreshed incrementally from any
store opened read-only; `parse_search_query` (query.py) reads a page's parameters; `trends` (trends.py) computes
the themes, counts and rising topics; charts.py draws them as self-contained SVG.
"""

from arxiv_digest.search.charts import svg_bar_chart, svg_line_chart
from arxiv_digest.search.index import SearchHit, SearchIndex, SearchResults
from arxiv_digest.search.query import SearchQuery, parse_search_query
from arxiv_digest.search.trends import (
    DayCount,
    PhraseCount,
    RisingTopic,
    ThemeCache,
    TrendCharts,
    Trends,
    TrendWindow,
    WeekThemes,
    trend_charts,
    trend_window,
    trends,
    window_trends,
)

INDEX_DIR = "search-index"  # under the data dir

__all__ = [
    "INDEX_DIR",
    "DayCount",
    "PhraseCount",
    "RisingTopic",
    "SearchHit",
    "SearchIndex",
    "SearchQuery",
    "SearchResults",
    "ThemeCache",
    "TrendCharts",
    "TrendWindow",
    "Trends",
    "WeekThemes",
    "parse_search_query",
    "svg_bar_chart",
    "svg_line_chart",
    "trend_charts",
    "trend_window",
    "trends",
    "window_trends",
]
