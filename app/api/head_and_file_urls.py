"""Two things GIS clients expect of every URL, done once for the whole app:

- HEAD answers as GET would, without the body (GDAL's /vsicurl/ and QGIS ask HEAD first for a
  file's size): the request is passed on as a GET with a copy of the scope, and only the
  response's start (status and headers, Content-Length included) goes out.
- A download URL may end in the file's name: `/collections/{id}/items.gpkg` is
  `/collections/{id}/items?f=gpkg` (also .fgb, .csv, .geojson), so a client that reads the
  format from the name, or opens the URL as a file, gets it.
"""

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

FILE_URL = re.compile(r"^(?P<path>/collections/[^/]+/items)\.(?P<ext>gpkg|fgb|csv|geojson)$")


class HeadAndFileUrlsMiddleware:
    """HEAD as GET without the body; items.{ext} as items?f={ext}."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        match = FILE_URL.match(scope["path"])
        if match is not None:
            # The query as sent (blank values and all), less any f=, plus the name's format.
            pairs = [p for p in scope["query_string"].split(b"&") if p and not p.startswith(b"f=")]
            scope = {
                **scope,
                "path": match["path"],
                "raw_path": match["path"].encode(),
                "query_string": b"&".join([*pairs, b"f=" + match["ext"].encode()]),
            }
        if scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        started = False

        async def headers_only(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start" and not started:
                started = True
                await send(message)
                await send({"type": "http.response.body", "body": b"", "more_body": False})

        async def gone_once_started() -> Message:
            # Once the headers are out, the GET is told its client left: a stream (server-sent
            # events) stops instead of running on for nobody.
            if started:
                return {"type": "http.disconnect"}
            return await receive()

        await self.app({**scope, "method": "GET"}, gone_once_started, headers_only)
