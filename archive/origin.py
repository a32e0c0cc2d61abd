"""Origins: the one place a URL's scheme, host and port are read, compared and spelled.

The same origin has many spellings: ``http://x@HOST/``, ``http://HOST:80/``, ``http://host./``,
``http://Bücher.example/`` and ``http://xn--bcher-kva.example/``. :func:`origin_of` reads every
one of them as the same :class:`Origin`; scope, robots.txt, the duplicate filter, the crawl
state and the HTTP client all go through it, so none of them can be told one host while the
connection goes to another.

What it does to a URL's authority (RFC 3986 §3.2, §6.2.2-6.2.3; RFC 9110 §4.2.3):

- the user information (``x@``, ``x:y@``) is dropped: it names no host, and the crawl never sends
  credentials, so ``http://x@HOST/p`` is the page ``http://HOST/p`` (a browser shows the same page);
  the host is what follows the *last* ``@``, as Python's ``urlsplit`` and the WHATWG URL standard
  both read it, and it is the host the client connects to;
- the scheme's default port (80 for http, 443 for https) is dropped;
- the host is lower-cased, a trailing dot dropped, a non-ASCII name turned into its IDNA A-label
  (UTS #46, as browsers do), an IPv6 address written in its compressed form;
- an authority a parser could read as another host is refused (None), never repaired: a
  backslash anywhere in it (WHATWG reads ``\\`` as ``/``, Python does not), a percent sign (a
  browser decodes ``%31%32%37.0.0.1``, Python does not), whitespace or control characters, an
  empty host, a port that is no number, a name IDNA refuses. A refused URL is out of every scope.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import idna

#: The port each scheme implies (RFC 9110 §4.2.1-4.2.2): written out, it is the same origin.
DEFAULT_PORTS = {"http": 80, "https": 443}
#: What a host name may hold once lower-cased and in ASCII (letters, digits, hyphens, dots; an
#: underscore, which some real names carry). Anything else is refused, not guessed at.
_HOST_NAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*")
#: Characters that make an authority ambiguous between URL parsers (see the module docstring).
_AMBIGUOUS = re.compile(r"[\\%\s\x00-\x1f\x7f]")


@dataclass(frozen=True, order=True)
class Origin:
    """An http(s) origin in its one spelling: scheme, host and port (default filled in)."""

    scheme: str
    """``http`` or ``https``."""
    host: str
    """Lower-case ASCII (an IDNA A-label), no trailing dot; an IPv6 address without brackets."""
    port: int
    """The port, the scheme's default when the URL names none."""

    @property
    def netloc(self) -> str:
        """Return ``host[:port]``, the port left out when it is the scheme's default."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if DEFAULT_PORTS[self.scheme] == self.port else f"{host}:{self.port}"

    def __str__(self) -> str:
        return f"{self.scheme}://{self.netloc}"


def origin_of(url: str) -> Origin | None:
    """Return the :class:`Origin` of the http(s) ``url``; None when it has none (another
    scheme, no host) or its authority is ambiguous (see the module docstring)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:  # a bracket not closed, a port that is no number or out of range
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or _AMBIGUOUS.search(parts.netloc):
        return None
    host = normal_host(_host_part(parts.netloc))
    if host is None or port == 0:
        return None
    return Origin(scheme, host, port or DEFAULT_PORTS[scheme])


def _host_part(netloc: str) -> str:
    """Return the host of the authority ``netloc`` as written: after the last ``@``, before the
    port (an IPv6 address keeps its brackets)."""
    hostport = netloc.rpartition("@")[2]
    if hostport.startswith("["):
        address, _, rest = hostport.partition("]")
        return address + "]" if not rest or rest.startswith(":") else ""
    return hostport.partition(":")[0]


def normal_host(host: str) -> str | None:
    """Return ``host`` (as a URL writes it: IPv6 in brackets) in its one spelling, None when
    it is no valid host."""
    if host.startswith("[") and host.endswith("]"):
        try:
            return ipaddress.IPv6Address(host[1:-1]).compressed
        except ValueError:
            return None  # a zone id (``%eth0``) included: a URL may not carry one
    host = host[:-1] if host.endswith(".") else host
    if not host or _AMBIGUOUS.search(host):
        return None
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError:
            return None
    host = host.lower()
    return host if _HOST_NAME.fullmatch(host) else None


def canonical_url(url: str) -> str | None:
    """Return the http(s) ``url`` with its authority in its one spelling (:class:`Origin`'s
    netloc: no user information, no default port, the host normalised); None when it has no
    origin (:func:`origin_of`)."""
    origin = origin_of(url)
    if origin is None:
        return None
    parts = urlsplit(url.strip())
    return urlunsplit(parts._replace(scheme=origin.scheme, netloc=origin.netloc))


def in_scope(url: str, scope: frozenset[Origin] | set[Origin]) -> bool:
    """Return whether ``url``'s origin is one of ``scope`` (a URL with no origin never is)."""
    return origin_of(url) in scope
