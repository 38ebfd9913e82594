"""Data-quality gates: Great Expectations suites and the checks GX cannot express (grounding, refusals)."""
