"""Who may use the review web app: sign-in tokens, and the audit trail of what they did.

``CAMPAIGN/access.sqlite`` holds one row per token: its scope (a partnership, or the Support
Office), a label, when it was made and when revoked. A token is 256 random bits
(:func:`secrets.token_urlsafe`); only its SHA-256 is stored, so the file leaks no sign-in
(a token's entropy makes a slow hash unnecessary). ``cxmatch access CAMPAIGN --partnership P``
prints a sign-in link once; ``--revoke ID`` ends it. The audit trail (``audit``) records each
sign-in, answer, refusal and revoked or unknown token, with who, when and what; answers
themselves are also in the decision log with their author (``actor``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from engine.review.parties import Reviewer

ACCESS_FILE = "access.sqlite"
TOKEN_BYTES = 32  # 256 bits
SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    token_id TEXT PRIMARY KEY,
    token_sha256 TEXT NOT NULL UNIQUE,
    partnership TEXT,
    label TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    token_id TEXT,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class Grant:
    token_id: str
    reviewer: Reviewer
    label: str
    csrf: str  # the form token of this sign-in (an HMAC of the token: no server state)

    @property
    def title(self) -> str:
        if self.reviewer.partnership is None:
            return "Support Office"
        return f"partnership {self.reviewer.partnership}"


@dataclass(frozen=True)
class TokenRow:
    token_id: str
    partnership: str | None
    label: str
    created_at: str
    revoked_at: str | None


def access_path(folder: Path) -> Path:
    return Path(folder) / ACCESS_FILE


def create_token(folder: Path, partnership: str | None, label: str = "") -> tuple[str, str]:
    """A new token for ``partnership`` (None: the Support Office): (token id, secret token)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    token_id = secrets.token_hex(4)
    with _db(folder) as db:
        db.execute(
            "INSERT INTO tokens VALUES (?, ?, ?, ?, ?, NULL)",
            (token_id, _digest(token), partnership, label, _now()),
        )
        _audit(db, token_id, _actor(partnership), "token created", label)
    return token_id, token


def revoke_token(folder: Path, token_id: str) -> bool:
    """End a token's access (True when it existed and was active)."""
    with _db(folder) as db:
        cursor = db.execute(
            "UPDATE tokens SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL",
            (_now(), token_id),
        )
        if cursor.rowcount:
            _audit(db, token_id, "cxmatch access", "token revoked", "")
        return cursor.rowcount > 0


def list_tokens(folder: Path) -> list[TokenRow]:
    if not access_path(folder).is_file():
        return []
    with _db(folder) as db:
        rows = db.execute(
            "SELECT token_id, partnership, label, created_at, revoked_at FROM tokens "
            "ORDER BY created_at"
        ).fetchall()
    return [TokenRow(*row) for row in rows]


def grant_of(folder: Path, token: str | None) -> Grant | None:
    """The grant of a valid, unrevoked token (None otherwise)."""
    if not token or not access_path(folder).is_file():
        return None
    with _db(folder) as db:
        row = db.execute(
            "SELECT token_id, partnership, label FROM tokens "
            "WHERE token_sha256 = ? AND revoked_at IS NULL",
            (_digest(token),),
        ).fetchone()
    if row is None:
        return None
    token_id, partnership, label = row
    csrf = hmac.new(token.encode(), b"cxmatch-review-form", hashlib.sha256).hexdigest()
    return Grant(token_id, Reviewer(partnership), label, csrf)


def audit(folder: Path, grant: Grant | None, action: str, detail: str) -> None:
    audit_all(folder, grant, [(action, detail)])


def audit_all(folder: Path, grant: Grant | None, entries: list[tuple[str, str]]) -> None:
    """The audit trail's entries (action, detail) of one request, in one transaction: a list
    of 8,000 answers took 8 s as 8,000 transactions."""
    with _db(folder) as db:
        actor = grant.reviewer.actor if grant is not None else "anonymous"
        for action, detail in entries:
            _audit(db, grant.token_id if grant else None, actor, action, detail)


def read_audit(folder: Path) -> list[tuple[str, str | None, str, str, str]]:
    with _db(folder) as db:
        return db.execute(
            "SELECT at, token_id, actor, action, detail FROM audit ORDER BY seq"
        ).fetchall()


def same(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected, given)


@contextmanager
def _db(folder: Path) -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(access_path(folder), timeout=60)
    try:
        with db:
            if _new(db):
                db.executescript(SCHEMA)
            yield db
    finally:
        db.close()


def _new(db: sqlite3.Connection) -> bool:
    found = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'audit'").fetchone()
    return found is None


def _audit(
    db: sqlite3.Connection, token_id: str | None, actor: str, action: str, detail: str
) -> None:
    db.execute(
        "INSERT INTO audit (at, token_id, actor, action, detail) VALUES (?, ?, ?, ?, ?)",
        (_now(), token_id, actor, action, detail[:2000]),
    )


def _actor(partnership: str | None) -> str:
    return Reviewer(partnership).actor


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
