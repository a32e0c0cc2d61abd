"""Joomla's e-mail cloaking read as a browser runs it: the address is what the reader sees.

Joomla 1.0's ``mosemailcloak`` mambot replaces an address with scripts that assemble it from
string pieces and ``document.write`` a ``mailto:`` link showing it, then write a hidden ``<span>``
around the fallback text «Этот e-mail защищен от спам-ботов...». A reader's browser shows the
address, not the fallback. :func:`run_writes` does what the browser does for scripts made only
of string variables and ``document.write`` calls: each is replaced by the markup it writes
(variables carry over from one script to the next, as on the page). Any other script is left
alone.
"""

from __future__ import annotations

import re

_SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_COMMENT = re.compile(r"<!--|//-->|-->|//[^\n]*")
#: ``var name = expr``, ``name = expr`` and ``document.write( expr )`` (one statement).
_STATEMENT = re.compile(
    r"\s*(?:(?:var\s+)?(?P<name>[A-Za-z_$][\w$]*)\s*=\s*(?P<value>.*?)"
    r"|document\.write\s*\(\s*(?P<written>.*?)\s*\))\s*", re.DOTALL)
#: One statement: anything up to a semicolon outside quotes.
_STATEMENTS = re.compile(r"""(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^;'"])+""", re.DOTALL)
_TERM = re.compile(r"""\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|([A-Za-z_$][\w$]*))\s*""",
                   re.DOTALL)
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)", re.DOTALL)
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


def run_writes(html: str) -> str:
    """Return *html* with each script of string variables and ``document.write`` calls replaced
    by what it writes."""
    if "document.write" not in html:
        return html
    variables: dict[str, str] = {}

    def replace(match: re.Match[str]) -> str:
        written = _run(match.group(1), variables)
        return match.group(0) if written is None else written

    return _SCRIPT.sub(replace, html)


def _run(script: str, variables: dict[str, str]) -> str | None:
    """Return what *script* writes, None when it does anything but assign strings and write."""
    code = _COMMENT.sub("", script.replace("\\n </script>", "")).strip()
    if "document.write" not in code:
        return None
    scope = dict(variables)
    out: list[str] = []
    for text in _STATEMENTS.findall(code):
        if not text.strip(" \t\r\n\\n"):
            continue
        statement = _STATEMENT.fullmatch(text)
        if statement is None:
            return None
        if statement.group("written") is not None:
            value = _value(statement.group("written"), scope)
            if value is None:
                return None
            out.append(value)
        else:
            value = _value(statement.group("value"), scope)
            if value is None:
                return None
            scope[statement.group("name")] = value
    variables.update(scope)
    return "".join(out)


def _value(expression: str, scope: dict[str, str]) -> str | None:
    """Return the string a ``'a' + b + "c"`` expression makes, None for anything else."""
    parts = []
    position = 0
    while True:
        match = _TERM.match(expression, position)
        if match is None:
            return None
        single, double, name = match.groups()
        if name is not None:
            if name not in scope:
                return None
            parts.append(scope[name])
        else:
            parts.append(_unescape(single if single is not None else double or ""))
        position = match.end()
        if position == len(expression):
            return "".join(parts)
        if expression[position] != "+":
            return None
        position += 1


def _unescape(literal: str) -> str:
    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        if code[0] in "ux" and len(code) > 1:
            return chr(int(code[1:], 16))
        return _SIMPLE_ESCAPES.get(code, code)

    return _ESCAPE.sub(one, literal)
