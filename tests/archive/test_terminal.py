"""Text a server sent, printed on a terminal: escapes shown, Cyrillic and layout kept."""

from __future__ import annotations

from ifes_archive.archive.terminal import safe, safe_line

HOSTILE = "Заголовок\x1b[2J\u202eevil\u200b\tend\nnext\u2028line"


def test_safe_escapes_controls_and_keeps_the_layout() -> None:
    assert safe(HOSTILE) == "Заголовок\\x1b[2J\\u202eevil\\u200b\tend\nnext\u2028line"
    assert safe("«Япония» — 2012\u00a0г.") == "«Япония» — 2012\u00a0г."


def test_safe_line_keeps_one_line_one_line() -> None:
    line = safe_line(HOSTILE)
    assert line == "Заголовок\\x1b[2J\\u202eevil\\u200b\\x09end\\x0anext\\u2028line"
    assert line.isprintable()
    assert safe_line("«Япония» — 2012\u00a0г.") == "«Япония» — 2012\u00a0г."
