"""Reprs that never show secrets: API keys, private keys, passwords, credential headers.

Rule: a configuration object that may hold a secret builds its ``repr`` here, so printing or
logging a config (or an error message that embeds one) cannot leak it. Secret values are replaced
by ``'<redacted>'``; whether a secret is set at all stays visible, which helps debugging.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from typing import Any

REDACTED = "<redacted>"
"""What a secret value shows as."""

# Header names whose values are credentials (compared lower-case).
SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "x-api-key", "api-key", "x-auth-token"}
)


class _Shown:
    """Prints its text without quotes (so a redacted value reads as a placeholder)."""

    __slots__ = ("_text",)

    def __init__(self, text: str) -> None:
        self._text = text

    def __repr__(self) -> str:
        return self._text


def redact_headers(headers: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``headers`` with the values of credential headers replaced."""
    return {
        key: _Shown(REDACTED) if str(key).lower() in SECRET_HEADERS else value
        for key, value in headers.items()
    }


def dataclass_repr(
    obj: Any, *, secrets: Collection[str] = (), header_fields: Collection[str] = ()
) -> str:
    """The usual dataclass repr of ``obj``, with ``secrets`` fields and credential headers hidden.

    A secret field that is ``None`` (or empty) still shows as such.
    """
    parts: list[str] = []
    for f in dataclasses.fields(obj):
        if not f.repr:
            continue
        value = getattr(obj, f.name)
        if f.name in secrets and value:
            value = _Shown(REDACTED)
        elif f.name in header_fields and isinstance(value, Mapping):
            value = redact_headers(value)
        parts.append(f"{f.name}={value!r}")
    return f"{type(obj).__qualname__}({', '.join(parts)})"
