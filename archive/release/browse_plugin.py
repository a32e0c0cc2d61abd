"""The Datasette plugin of ``ifes-archive browse``: captures and replays read from the WACZ,
and the link cells that lead to them.

``/-/capture/FILE/OFFSET/LENGTH`` shows one WARC record of the release's WACZ: its WARC headers,
the HTTP status line and headers, and the page as text. ``/-/replay/FILE/OFFSET/LENGTH`` answers
with the archived page itself (its entity, with the Content-Type it was captured with), under a
Content-Security-Policy that lets it fetch nothing: an archived page must not reach the live web.
The WARC files sit uncompressed (stored) in the WACZ, so a record is read by seeking to it.
"""

from __future__ import annotations

import html
import logging
import struct
import zipfile
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from datasette import Response, hookimpl
from datasette.plugins import pm
from datasette.utils.asgi import Base400
from datasette.views.base import DatasetteError
from markupsafe import Markup

from ifes_archive.archive.release.browse import PLUGIN
from ifes_archive.archive.warcs.http_messages import HttpHead
from ifes_archive.archive.warcs.reader import iter_records, response_entity

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

logger = logging.getLogger(__name__)
#: Datasette's own error handler (a plugin of its own, by this name).
_DEFAULT_HANDLER = "datasette.handle_exception"
BAD_REQUEST = 400
#: An archived page is shown as it was, and may load nothing (no live-web leaks).
REPLAY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")
#: Columns holding a path of this plugin: shown as a link named like the column.
_LINK_COLUMNS = frozenset({"capture", "replay"})
_ROUTE = r"/(?P<file>[^/]+\.warc(?:\.gz)?)/(?P<offset>\d+)/(?P<length>\d+)$"
STYLE_PATH = "/-/ifes-archive.css"
#: Long cells get room to spread sideways (the table scrolls) instead of towering rows.
STYLE = """
.rows-and-columns td.col-text { min-width: 36em; }
.rows-and-columns td.col-title { min-width: 18em; }
.rows-and-columns td.col-authors, .rows-and-columns td.col-sections { min-width: 12em; }
.rows-and-columns td.col-date, .rows-and-columns td.col-first_seen,
.rows-and-columns td.col-last_seen, .rows-and-columns td.col-url { white-space: nowrap; }
"""


class CaptureNotFound(LookupError):
    """No such record in the WACZ."""


def member_start(wacz: Path, name: str) -> tuple[int, int]:
    """Return (offset of the data, size) of a stored member of a ZIP file."""
    with zipfile.ZipFile(wacz) as archive:
        try:
            info = archive.getinfo(name)
        except KeyError:
            raise CaptureNotFound(f"no {name} in {wacz.name}") from None
    if info.compress_type != zipfile.ZIP_STORED:
        raise CaptureNotFound(f"{name} is compressed in {wacz.name}: it cannot be seeked into")
    with open(wacz, "rb") as stream:
        stream.seek(info.header_offset)
        fields = _LOCAL_HEADER.unpack(stream.read(_LOCAL_HEADER.size))
    return info.header_offset + _LOCAL_HEADER.size + fields[-2] + fields[-1], info.file_size


def read_capture(wacz: Path, file: str, offset: int, length: int,
                 ) -> tuple[tuple[tuple[str, str], ...], HttpHead, bytes]:
    """Return (WARC header fields, HTTP head, entity with content coding removed) of the
    response record at ``offset`` of member ``archive/FILE`` of a WACZ."""
    start, size = member_start(wacz, f"archive/{file}")
    if offset + length > size:
        raise CaptureNotFound(f"{file} has no record at {offset}")
    with open(wacz, "rb") as stream:
        stream.seek(start + offset)
        raw = stream.read(length)
    try:
        record = next(iter_records(BytesIO(raw)))
        entity = response_entity(record)
    except (StopIteration, ValueError, OSError, EOFError) as exc:
        raise CaptureNotFound(f"{file} has no response record at {offset}: {exc}") from exc
    return record.head.fields, entity.head, entity.body


def _charset(content_type: str) -> str:
    for part in content_type.split(";")[1:]:
        name, _, value = part.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"')
    return "utf-8"


def _wacz(datasette: Any) -> Path:
    return Path((datasette.plugin_config(PLUGIN) or {}).get("wacz", ""))


def _serving(render: Callable[..., Response]) -> Callable[..., Awaitable[Response]]:
    """Return a route that finds the capture its path names and hands it to ``render``
    (404 when the WACZ has no such record)."""
    async def view(request: Any, datasette: Any) -> Response:
        args = request.url_vars
        try:
            capture = read_capture(_wacz(datasette), args["file"], int(args["offset"]),
                                   int(args["length"]))
        except CaptureNotFound as exc:
            return Response.text(str(exc), status=404)
        return render(request, *capture)
    return view


def _record_page(request: Any, warc_headers: tuple[tuple[str, str], ...], message: HttpHead,
                 body: bytes) -> Response:
    """Show one WARC record: headers, HTTP head, the page as text."""
    text = body.decode(_charset(message.content_type or "text/html"), "replace")
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                   for k, v in warc_headers)
    head = html.escape("\n".join([message.start_line.decode("latin-1"),
                                   *(f"{k}: {v}" for k, v in message.headers)]))
    replay = request.path.replace("/-/capture/", "/-/replay/", 1)
    page = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Capture "
            f"{html.escape(request.url_vars['file'])}</title></head><body>"
            f"<h1>WARC record</h1><p><a href='{replay}'>Replay the archived page</a></p>"
            f"<table>{rows}</table><h2>HTTP</h2><pre>{head}</pre><h2>Page as text</h2>"
            f"<pre style='white-space: pre-wrap'>{html.escape(text)}</pre></body></html>")
    return Response.html(page)


def _replay(request: Any, warc_headers: tuple[tuple[str, str], ...],  # noqa: ARG001
            message: HttpHead, body: bytes) -> Response:
    """Answer with the archived page itself, fetching nothing else."""
    return Response(body, content_type=message.content_type or "application/octet-stream",
                    headers={"Content-Security-Policy": REPLAY_POLICY,
                             "X-Archived-From": "{file}@{offset}".format(**request.url_vars)})


capture_view = _serving(_record_page)
replay_view = _serving(_replay)


async def style_view(request: Any) -> Response:  # noqa: ARG001
    """Give the stylesheet of the tables."""
    return Response(STYLE, content_type="text/css; charset=utf-8")


@hookimpl
def register_routes(datasette: Any) -> list[tuple[str, Any]]:  # noqa: ARG001
    """Give the capture and replay pages, and the stylesheet."""
    return [(r"^/-/capture" + _ROUTE, capture_view), (r"^/-/replay" + _ROUTE, replay_view),
            ("^" + STYLE_PATH + "$", style_view)]


@hookimpl
def extra_css_urls(datasette: Any) -> list[str]:  # noqa: ARG001
    """Link the stylesheet from every page."""
    return [STYLE_PATH]


@hookimpl
def render_cell(value: Any, column: str, table: str, database: str,  # noqa: ARG001
                datasette: Any) -> Markup | None:
    """Show capture and replay paths (and http(s) replay URLs) as links; any other value of
    those columns — a ``javascript:`` or ``data:`` URL a crafted query puts there — as text."""
    if column in _LINK_COLUMNS and isinstance(value, str) and is_link(value):
        return Markup(f'<a href="{html.escape(value)}">{column}</a>')
    return None


def is_link(value: str) -> bool:
    """Whether ``value`` may be a link: a path of this plugin's pages, or an http(s) URL."""
    if not value.isprintable() or value != value.strip() or "\\" in value:
        return False  # browsers drop or mend such characters: the scheme seen may differ
    if value.startswith(("/-/capture/", "/-/replay/")):
        return True
    parts = urlsplit(value)
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


@hookimpl
def handle_exception(datasette: Any, request: Any, exception: Exception,
                     ) -> Callable[[], Awaitable[Response]]:
    """Answer an error with its page and status, and nothing in the terminal but one line for
    a fault of the server's own. (Datasette's handler prints every exception, a 404 included,
    with ``rich`` when it is installed — frictionless brings it — as a 400-line traceback, and
    answers a bad ``_sort`` with a 500: :func:`quiet_errors` puts this one in its place.)"""
    status, message, title = _error_of(exception)
    if status >= 500:
        logger.error("%s %s: %s: %s", request.method, request.path, type(exception).__name__,
                     exception)

    async def answer() -> Response:
        info = {"ok": False, "error": message, "status": status, "title": title}
        if request.path.split("?")[0].endswith(".json"):
            return Response.json(info, status=status)
        template = datasette.jinja_env.select_template([f"{status}.html", "error.html"])
        page = await template.render_async({**info, "urls": datasette.urls,
                                            "app_css_hash": datasette.app_css_hash(),
                                            "menu_links": list})
        return Response.html(page, status=status)
    return answer


def _error_of(exception: Exception) -> tuple[int, Any, str | None]:
    """Return (status, message, title) of an exception: a request Datasette cannot answer is
    the asker's error (4xx), whatever status Datasette gives it; anything else is 500."""
    if isinstance(exception, Base400):
        return exception.status, exception.args[0] if exception.args else "", None
    if isinstance(exception, DatasetteError):
        message = Markup(exception.message) if exception.message_is_html else exception.message
        status = exception.status if exception.status < 500 else BAD_REQUEST
        return status, message, exception.title
    return 500, f"{type(exception).__name__}: {exception}", None


def quiet_errors() -> None:
    """Let :func:`handle_exception` alone answer errors (Datasette's own handler unplugged)."""
    if pm.has_plugin(_DEFAULT_HANDLER):
        pm.unregister(name=_DEFAULT_HANDLER)
