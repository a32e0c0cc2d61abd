"""Pieces of a stand-in for the mirror, shared by the server and client tests."""

from __future__ import annotations

PAGE_HEADERS = [
    ("X-Powered-By", "PHP/5.2.17"),
    ("Set-Cookie", "sessionid=abc; path=/"),
    # Between the two Set-Cookie lines: repeated headers need not be adjacent.
    ("Expires", "Mon, 26 Jul 1997 05:00:00 GMT"),
    ("Set-Cookie", "lang=russian; path=/"),
    ("Content-Type", "text/html; charset=windows-1251"),
]


def page_body(target: str) -> bytes:
    """Return a deterministic windows-1251 page of ~20 KB for ``target``."""
    line = f"<p>{target} Институт Дальнего Востока РАН</p>\n"
    return ("<html><body>\n" + line * 300 + "</body></html>\n").encode("windows-1251")
