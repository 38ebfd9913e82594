"""The reader's web app (`arxiv-digest web`): the days, the archive, papers, search, library, trends, status."""
