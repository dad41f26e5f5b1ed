"""The published map layers served as what they are: immutable, pre-compressed files.

Streamlit's own static route (/app/static) sends files without a Cache-Control header and gzips each response
anew on the server's event loop (the demo's parcels, 1 MB of JSON, at every new visitor, while that loop should be
sending the page). A published layer's name holds the SHA-256 of its content (`maps.publish`), so it never changes:
`PublishedLayers`, an ASGI middleware in front of the app, answers GET/HEAD for /app/static/layers/<name> with
`Cache-Control: public, max-age=31536000, immutable` and the `.gz` copy written at publish time when the browser
accepts gzip. Every other request goes on to Streamlit untouched.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from maps.assets import STATIC_URL, static_dir
from maps.publish import LAYER_DIR

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

IMMUTABLE = "public, max-age=31536000, immutable"  # a year, the longest RFC 9111 suggests; the URL changes with the data
_NAME = re.compile(r"[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*-[0-9a-f]{20}\.(?:json|js)")  # maps.publish.payload_name
_TYPES = {".json": b"application/json", ".js": b"text/javascript; charset=utf-8"}


def layer_file(name: str, folder: Path | None = None) -> Path | None:
    """The published file `name` in `folder` (default: the served static folder's layers/), or None when the name
    is not one `maps.publish.payload_name` makes (no path may leave the folder) or no such file exists."""
    if not _NAME.fullmatch(name):
        return None
    path = (folder if folder is not None else static_dir() / LAYER_DIR) / name
    return path if path.is_file() else None


def accepts_gzip(headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether the request's Accept-Encoding allows gzip (a q=0 refuses it)."""
    for key, value in headers:
        if key.lower() == b"accept-encoding":
            for part in value.decode("latin-1").lower().split(","):
                coding, _, params = part.strip().partition(";")
                if coding.strip() in ("gzip", "*") and params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000"):
                    return True
    return False


def layer_response(name: str, headers: list[tuple[bytes, bytes]], folder: Path | None = None
                   ) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
    """(status, headers, body) for published layer `name`, or None to leave the request to Streamlit (an unknown
    name: its own 404). The body is the `.gz` copy when there is one and the browser takes gzip; a request naming
    the copy it holds (If-None-Match) gets 304 without a body."""
    path = layer_file(name, folder)
    if path is None:
        return None
    packed = path.with_name(path.name + ".gz")
    compressed = accepts_gzip(headers) and packed.is_file()
    tag = f'"{name.rpartition("-")[2].partition(".")[0]}{"-gz" if compressed else ""}"'.encode()  # the content hash
    common = [(b"cache-control", IMMUTABLE.encode()), (b"etag", tag), (b"vary", b"Accept-Encoding")]
    if any(key.lower() == b"if-none-match" and tag in value for key, value in headers):
        return 304, common, b""
    try:
        body = (packed if compressed else path).read_bytes()
    except OSError:  # removed between the check and the read: Streamlit answers
        return None
    out = [(b"content-type", _TYPES[path.suffix]), (b"content-length", str(len(body)).encode()), *common,
           (b"access-control-allow-origin", b"*"), (b"x-content-type-options", b"nosniff")]
    if compressed:
        out.append((b"content-encoding", b"gzip"))
    return 200, out, body


class PublishedLayers:
    """ASGI middleware: GET/HEAD of a published layer answered here (`layer_response`), everything else passed on."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app
        self.prefix = f"{STATIC_URL}/{LAYER_DIR}/"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        at = path.find(self.prefix)  # after a base URL path, if the server has one
        if at >= 0 and scope.get("method") in ("GET", "HEAD"):
            answer = layer_response(path[at + len(self.prefix):], list(scope.get("headers", [])))
            if answer is not None:
                status, headers, body = answer
                await send({"type": "http.response.start", "status": status, "headers": headers})
                await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
                return
        await self.app(scope, receive, send)


__all__ = ["IMMUTABLE", "PublishedLayers", "accepts_gzip", "layer_file", "layer_response"]
