"""The API key as a value that masks itself wherever it could be shown."""

from __future__ import annotations

import hmac
from typing import Any, final

__all__ = ["ApiKey"]


@final
class ApiKey:
    """A Zotero API key that never shows itself.

    ``str``, ``repr`` and format give the masked form ``…abcd`` (the last four characters, or
    just ``…`` for a key shorter than 12); :meth:`reveal` returns the key for the one place
    that sends it. It cannot be pickled.
    """

    __slots__ = ("_secret",)

    def __init__(self, secret: str) -> None:
        if not isinstance(secret, str) or not secret:
            raise ValueError("an API key must be a non-empty string")
        self._secret = secret

    def reveal(self) -> str:
        """The key itself, to be sent to Zotero and nowhere else."""
        return self._secret

    @property
    def masked(self) -> str:
        """``…`` and the key's last four characters (only ``…`` for a short key)."""
        return "…" + self._secret[-4:] if len(self._secret) >= 12 else "…"

    def __str__(self) -> str:
        return self.masked

    def __repr__(self) -> str:
        return f"ApiKey({self.masked!r})"

    def __format__(self, spec: str) -> str:
        return format(self.masked, spec)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ApiKey):
            return NotImplemented
        return hmac.compare_digest(self._secret.encode(), other._secret.encode())

    def __hash__(self) -> int:
        return hash((ApiKey, self._secret))

    def __reduce__(self) -> tuple[Any, ...]:
        raise TypeError("an ApiKey cannot be pickled")

    def __copy__(self) -> ApiKey:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> ApiKey:
        return self
