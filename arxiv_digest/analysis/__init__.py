"""Writing about papers: the extractive analysis, the model client and prompts, the model analyzer with its attempts
ledger, and the day's executive summary.
"""
