"""arXiv as a source: its API client and Atom feed, the announcement calendar, the category taxonomy, which papers a
digest holds, PDF downloads and the offline sample day.
"""
