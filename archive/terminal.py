"""Text from the site, made safe to print on a terminal.

Titles, text, URLs and reasons a server sent can hold escape sequences (``ESC [ 2 J`` clears the
screen; others set the window title or worse) and bidirectional overrides that make a line read
otherwise than it is. :func:`safe` shows each such character as a visible ``\\xNN`` / ``\\uNNNN``
escape and leaves everything else — Cyrillic, quotes, the line breaks and tabs of a text — as
it is.
"""

from __future__ import annotations

import unicodedata

#: Kept as they are: the layout of a text.
_KEPT = frozenset("\n\t")


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe(text: object) -> str:
    """Return ``str(text)`` with control and format characters (C0, C1, DEL, bidi overrides,
    zero-width marks) shown as escapes."""
    value = str(text)
    if value.isprintable():
        return value
    return "".join(char if char in _KEPT or unicodedata.category(char) not in ("Cc", "Cf", "Cs")
                   else _escape(char) for char in value)
