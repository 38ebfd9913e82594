"""Email delivery of published digests: `mail_html` (styles inlined, figures as CID parts), `message` (the
multipart email), `smtp` (sending, at most once per digest and recipient, every attempt recorded)."""
