"""Pure text checks: what a model's analysis, the day's summary and a published digest must be, and the digest
parser they audit with.

Text in, findings out, so the analyzer gates an answer before it is stored, the summary step gates its summary,
the Markdown renderer marks what was withheld, `quality/` derives its suites' columns, and `arxiv-digest check`
audits any digest file in the seed's format, all with the same rules. Modules, bottom up: `text` (shared
primitives), `findings` (the Finding and every check's name), `structure`, `language`, `refusals`,
`truncation`, `loops`, `links`, `evidence`, then `analysis`, `summary`, `digest_format` (the parser), `digest`
(every check of a parsed digest) and `digest_file` (a file on disk, with the store's links when there is one).
Nothing here imports `quality/`.
"""
