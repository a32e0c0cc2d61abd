"""Text from the site, made safe to print on a terminal.

Titles, text, URLs and reasons a server sent can hold escape sequences (``ESC [ 2 J`` clears the
screen; others set the window title or worse) and bidirectional overrides that make a line read
otherwise than it is. :func:`safe` shows each such character as a visible ``\\xNN`` / ``\\uNNNN``
escape and leaves everything else — Cyrillic, quotes, the line breaks and tabs of a text — as
it is; :func:`safe_line` escapes line breaks and tabs too, where one value must stay one line.
"""

from __future__ import annotations

import json
import unicodedata

#: Kept as they are by :func:`safe`: the layout of a text.
_KEPT = frozenset("\n\t")
#: Unicode categories shown escaped: controls, format characters (bidi overrides, zero-width
#: marks), lone surrogates; and, in one line, line and paragraph separators.
_ESCAPED = ("Cc", "Cf", "Cs")
_ESCAPED_IN_LINE = (*_ESCAPED, "Zl", "Zp")


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe(text: object) -> str:
    """Return ``str(text)`` with control and format characters (C0, C1, DEL, bidi overrides,
    zero-width marks) shown as escapes."""
    value = str(text)
    if value.isprintable():
        return value
    return "".join(char if char in _KEPT or unicodedata.category(char) not in _ESCAPED
                   else _escape(char) for char in value)


def safe_line(text: object) -> str:
    """Return ``str(text)`` as :func:`safe` does, line breaks and tabs escaped too: a value a
    server sent cannot start a line of its own in a report."""
    value = str(text)
    if value.isprintable():
        return value
    return "".join(_escape(char) if unicodedata.category(char) in _ESCAPED_IN_LINE else char
                   for char in value)


def safe_json(value: object, indent: int | None = 2) -> str:
    """Return ``value`` as JSON text whose strings keep their letters (Cyrillic as it is) but
    hold every character :func:`safe_line` escapes as a JSON ``\\uNNNN`` escape: still JSON,
    and nothing in it a terminal acts on."""
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    if text.isprintable():
        return text
    # a raw line break is the indent's: json.dumps escapes those within strings
    return "".join(json.dumps(char)[1:-1] if char != "\n" and
                   unicodedata.category(char) in _ESCAPED_IN_LINE else char for char in text)
