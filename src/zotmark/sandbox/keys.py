"""Object keys and API keys: generation and validity, as the real server defines them."""

from __future__ import annotations

import re
import secrets
import string

KEY_ALPHABET = "23456789ABCDEFGHIJKLMNPQRSTUVWXYZ"
_KEY_RE = re.compile(f"^[{KEY_ALPHABET}]{{8}}$")
_API_KEY_ALPHABET = string.ascii_letters + string.digits


def is_valid_key(value: object) -> bool:
    """True for an 8-character object key from ``23456789ABCDEFGHIJKLMNPQRSTUVWXYZ``."""
    return isinstance(value, str) and bool(_KEY_RE.match(value))


def new_object_key(taken: object = ()) -> str:
    """A fresh random object key not contained in ``taken`` (anything supporting ``in``)."""
    while True:
        key = "".join(secrets.choice(KEY_ALPHABET) for _ in range(8))
        if key not in taken:  # type: ignore[operator]
            return key


def new_api_key() -> str:
    """A random 24-character alphanumeric API key, the shape zotero.org issues."""
    return "".join(secrets.choice(_API_KEY_ALPHABET) for _ in range(24))
