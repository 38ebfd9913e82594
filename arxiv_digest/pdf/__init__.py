"""Reading a paper's PDF: page layout and clean text, printed sections with levels, code links, and the per-paper
extract and segment steps.
"""
