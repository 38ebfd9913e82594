"""Secrets and signatures of the web app: the HMAC key, signed feedback links for mail, CSRF tokens.

Pure functions over a key and values; only `load_secret` touches the disk.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote, urlencode

SECRET_FILE = Path("web") / "secret"  # inside the data dir, mode 0600
FEEDBACK_ACTIONS = ("like", "dislike", "save", "seen")  # the buttons on every paper
ACTION_LABELS = {"like": "Like", "dislike": "Dislike", "save": "Save", "unsave": "Remove from library",
                 "seen": "Seen", "clear": "Clear"}


def load_secret(configured: str, data_dir: Path) -> bytes:
    """The configured secret (ARXIV_DIGEST_WEB_SECRET), else the one generated once into data_dir/web/secret."""
    if configured:
        return configured.encode()
    path = data_dir / SECRET_FILE
    if path.is_file():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32).encode()
    # O_EXCL: two processes starting at once keep one secret; 0600 whatever the umask.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as handle:
        handle.write(value)
    return value


def _mac(key: bytes, *parts: str) -> str:
    return hmac.new(key, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class SignedFeedback:
    """What a signed mail link asks for: one action on one paper for one profile, valid until `expires`."""

    action: str
    paper: str  # versioned id, "2601.99001v1"
    profile: str
    expires: int  # unix seconds


def sign_feedback(key: bytes, link: SignedFeedback) -> str:
    return _mac(key, "feedback", link.action, link.paper, link.profile, str(link.expires))


def feedback_query(key: bytes, link: SignedFeedback) -> str:
    """The query string of a signed link (profile, expiry, signature)."""
    return urlencode({"profile": link.profile, "exp": link.expires, "sig": sign_feedback(key, link)})


def signature_problem(key: bytes, link: SignedFeedback, signature: str, now: datetime) -> str:
    """Why a signed link is refused ('' when it is good): a wrong signature or an expired link."""
    if not hmac.compare_digest(sign_feedback(key, link), signature):
        return "this link's signature is not valid (it was changed, or signed with another secret)"
    if now.timestamp() > link.expires:
        return "this link has expired; use the buttons in the web app instead"
    return ""


def csrf_token(key: bytes, session: str) -> str:
    """The form token for a browser session (a random cookie): a page of another site cannot know it."""
    return _mac(key, "csrf", session)


def csrf_valid(key: bytes, session: str, token: str) -> bool:
    return bool(session) and hmac.compare_digest(csrf_token(key, session), token)


def token_valid(expected: str, given: str) -> bool:
    return bool(expected) and hmac.compare_digest(expected.encode(), given.encode())


def signed_feedback_links(base_url: str, key: bytes, paper_id: str, profile: str, expires: datetime,
                          actions: tuple[str, ...] = FEEDBACK_ACTIONS) -> dict[str, str]:
    """The signed links of one paper for a published digest or an email: action -> URL."""
    base = base_url.rstrip("/")
    stamp = int(expires.timestamp())
    return {action: f"{base}/f/{action}/{quote(paper_id, safe='/')}?"
            + feedback_query(key, SignedFeedback(action, paper_id, profile, stamp)) for action in actions}


def signed_links_html(links: Mapping[str, str]) -> str:
    """The feedback links of a published digest or an email (action -> signed URL); escaped."""
    parts = [f"<a href=\"{html.escape(url)}\">{html.escape(ACTION_LABELS[action])}</a>"
             for action, url in links.items()]
    return f"<p class=\"feedback\">{' · '.join(parts)}</p>"


def digest_links_html(base_url: str, key: bytes, paper_ids: list[str], profile: str, now: datetime,
                      valid_days: int) -> dict[str, str]:
    """Every paper's signed links for one published digest, by versioned id; escaped HTML."""
    expires = now + timedelta(days=valid_days)
    return {vid: signed_links_html(signed_feedback_links(base_url, key, vid, profile, expires)) for vid in paper_ids}


DEFAULT_PROFILE = "default"  # whose feedback it is when no interest profile is configured


def profile_names(configured: list[str]) -> list[str]:
    """The profiles feedback can be given for: the configured ones, else the one default."""
    return list(configured) or [DEFAULT_PROFILE]
