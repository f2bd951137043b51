"""Fault injection: latency, ``Backoff``, 429, 503, dropped responses, a concurrent writer, garbage.

A fault *spec* is a ``;``-separated list of rules; a rule is a kind followed by ``,``-separated
options::

    SPEC    := RULE (";" RULE)*
    RULE    := KIND ("," OPTION)*
    KIND    := "latency=MS"        delay every matching request by MS milliseconds
             | "backoff=S"         add "Backoff: S" to matching responses
             | "429[=S]"           answer 429 with "Retry-After: S" (default 1) instead of serving
             | "503[=S]"           answer 503 (with "Retry-After: S" when S is given)
             | "drop"              serve the request (writes are applied), then close the
                                   connection without sending the response
             | "concurrent"        before serving, another client writes to the same library
                                   (the targeted item, else the newest item, gets a new version)
             | "garbage=WHAT"      answer as no Zotero server does: instead of serving, 200
                                   with an HTML page ("html"), an empty body ("empty"),
                                   ``null`` ("null"), ``[]`` ("list") or ``{}`` ("object");
                                   or serve (writes are applied) and send the answer cut in
                                   half ("truncated") or with "Last-Modified-Version: abc"
                                   ("version") or without that header ("noversion")
    OPTION  := "times=N"   at most N matches (default: 1 for 429/503/drop/concurrent/garbage, no
                           limit for latency/backoff)
             | "after=N"   skip the first N matching requests
             | "every=N"   only every Nth matching request
             | "method=M"  only this HTTP method (GET, POST, PUT, PATCH, DELETE; "write" = any
                           but GET)
             | "path=TEXT" only requests whose path contains TEXT

Examples: ``latency=50``; ``429=2,times=1,method=POST``; ``drop,method=POST,path=/items``;
``backoff=5,times=3;503,after=10,times=2``; ``garbage=html,path=/items``. Requests under
``/_sandbox`` are never faulted.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

KINDS = ("latency", "backoff", "429", "503", "drop", "concurrent", "garbage")
GARBAGE = ("html", "empty", "null", "list", "object", "truncated", "version", "noversion")
_ONE_SHOT = frozenset({"429", "503", "drop", "concurrent", "garbage"})


class FaultSpecError(ValueError):
    """A fault spec that does not follow the grammar; the message says what is wrong."""


@dataclass
class Fault:
    """One rule; ``times`` counts down (None = unlimited); ``garbage`` is what a garbage rule
    sends (one of :data:`GARBAGE`)."""

    kind: str
    value: float | None = None
    garbage: str | None = None
    times: int | None = None
    after: int = 0
    every: int = 1
    method: str | None = None
    path: str | None = None
    seen: int = 0

    def applies(self, method: str, path: str) -> bool:
        """Whether this request matches the filters (without counting it)."""
        if self.method == "WRITE":
            if method in ("GET", "HEAD"):
                return False
        elif self.method is not None and self.method != method:
            return False
        return self.path is None or self.path in path

    def fire(self) -> bool:
        """Count one matching request; True when the fault triggers for it."""
        self.seen += 1
        if self.seen <= self.after or (self.seen - self.after) % self.every:
            return False
        if self.times is not None:
            if self.times <= 0:
                return False
            self.times -= 1
        return True

    def describe(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "value": self.value,
            "garbage": self.garbage,
            "times": self.times,
            "after": self.after,
            "every": self.every,
            "method": self.method,
            "path": self.path,
        }


def parse_spec(spec: str) -> list[Fault]:
    """Parse a fault spec (grammar in the module docstring); raise :class:`FaultSpecError`."""
    return [_parse_rule(rule) for rule in spec.split(";") if rule.strip()]


def _parse_rule(rule: str) -> Fault:
    head, *options = [part.strip() for part in rule.split(",")]
    kind, _, raw_value = head.partition("=")
    if kind not in KINDS:
        raise FaultSpecError(f"unknown fault kind {kind!r} (expected one of {', '.join(KINDS)})")
    if kind == "garbage":
        if raw_value not in GARBAGE:
            raise FaultSpecError(f"garbage needs one of {', '.join(GARBAGE)}, e.g. garbage=html")
        fault = Fault(kind=kind, garbage=raw_value)
    else:
        fault = Fault(kind=kind, value=_number(raw_value, head) if raw_value else None)
    if kind in ("latency", "backoff") and fault.value is None:
        raise FaultSpecError(f"{kind} needs a value, e.g. {kind}=5")
    if kind in _ONE_SHOT:
        fault.times = 1
    for option in options:
        _apply_option(fault, option)
    return fault


def _apply_option(fault: Fault, option: str) -> None:
    name, _, value = option.partition("=")
    if name in ("times", "after", "every"):
        number = int(_number(value, option))
        if number < (1 if name == "every" else 0):
            raise FaultSpecError(f"{option!r}: value out of range")
        setattr(fault, name, number)
    elif name == "method":
        fault.method = value.upper()
    elif name == "path":
        fault.path = value
    else:
        raise FaultSpecError(f"unknown fault option {option!r}")


def _number(text: str, context: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise FaultSpecError(f"{context!r}: {text!r} is not a number") from None


class FaultSet:
    """The active rules; thread-safe so tests can change them while the server runs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, spec: str | Fault) -> None:
        """Add rules from a spec string, or one :class:`Fault`."""
        faults = parse_spec(spec) if isinstance(spec, str) else [spec]
        with self._lock:
            self._faults.extend(faults)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def pick(self, method: str, path: str) -> list[Fault]:
        """The rules that trigger for this request (counting it against each matching rule)."""
        with self._lock:
            return [f for f in self._faults if f.applies(method, path) and f.fire()]

    def describe(self) -> list[dict[str, object]]:
        with self._lock:
            return [f.describe() for f in self._faults]
