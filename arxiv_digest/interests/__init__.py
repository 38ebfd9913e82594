"""The reader's interests: profiles in the config, their BibTeX libraries, the day's ranking and reading budget."""
