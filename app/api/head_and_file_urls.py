"""Two things GIS clients expect of every URL, done once for the whole app:

- HEAD answers as GET would, without the body (GDAL's /vsicurl/ and QGIS ask HEAD first for a
  file's size): the request is passed on as a GET with a copy of the scope, and only the
  response's start (status and headers, Content-Length included) goes out.
- A download URL may end in the file's name: `/collections/{id}/items.gpkg` is
  `/collections/{id}/items?f=gpkg` (also .fgb, .csv, .geojson), so a client that reads the
  format from the name, or opens the URL as a file, gets it.
"""

import re
from urllib.parse import parse_qsl, urlencode

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
            query = [(k, v) for k, v in parse_qsl(scope["query_string"].decode()) if k != "f"]
            scope = {
                **scope,
                "path": match["path"],
                "raw_path": match["path"].encode(),
                "query_string": urlencode([*query, ("f", match["ext"])]).encode(),
            }
        if scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.start":
                await send(message)
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                await send({"type": "http.response.body", "body": b"", "more_body": False})

        await self.app({**scope, "method": "GET"}, receive, headers_only)
