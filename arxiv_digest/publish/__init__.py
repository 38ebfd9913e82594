"""Turning a day's records into files: markdown, HTML, the JSON export, the index and Atom feed, and the day's
publication.
"""
