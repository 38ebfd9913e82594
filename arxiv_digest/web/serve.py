"""Run the web app with uvicorn (one process; the reading copy and the reader's file make it safe beside runs)."""

from __future__ import annotations

import uvicorn

from arxiv_digest.settings import Settings
from arxiv_digest.web.app import create_app


def serve_app(settings: Settings, host: str, port: int) -> None:
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning", proxy_headers=False)
