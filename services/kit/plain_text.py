"""The contract's plain-text rule (shared/contract/base.py) applied to the query string, the path and forms.

JSON bodies get the rule from their models; query parameters are declared one by one, as plain `str`,
models or enums, across both services, so one layer in front of the routes checks every parameter instead:
a NUL in `?q=` would otherwise reach PostgreSQL, which refuses it in text and answers a 500. Multipart
forms (the file imports) get one dependency that checks every field and file name the same way.
"""

import re
from urllib.parse import parse_qsl

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from services.kit.errors import error_response, field_error
from shared.contract.base import FORBIDDEN_TEXT_MESSAGE, has_forbidden_characters

# A forbidden character can only come from a percent escape or a raw byte outside printable ASCII: a
# query string without either (nearly all of them) is let through without being parsed.
_MAYBE_FORBIDDEN = re.compile(rb"[^\x20-\x7e]|%")


class PlainTextQueryMiddleware:
    """Answer 422 naming the parameter when a query parameter (or the path) holds a control character."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            field = _offending_field(scope)
            if field is not None:
                await error_response(Request(scope), field_error(field, FORBIDDEN_TEXT_MESSAGE))(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _offending_field(scope: Scope) -> str | None:
    """The first parameter whose name or value breaks the rule (`query` for a bad name), or `path`."""
    if has_forbidden_characters(scope.get("path", "")):
        return "path"
    query: bytes = scope.get("query_string", b"")
    if not query or _MAYBE_FORBIDDEN.search(query) is None:
        return None
    # Decoded as Starlette decodes it for the routes, so the check sees exactly the values they will see.
    for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        if has_forbidden_characters(name):
            return "query"
        if has_forbidden_characters(value):
            return name
    return None


async def plain_text_form(request: Request) -> None:
    """A route dependency: 422 naming the field when a form field, or a file's name, breaks the rule.

    The form is the one the route parsed (Starlette keeps it on the request), so nothing is read twice.
    """
    form = await request.form()
    for name, value in form.multi_items():
        text = value.filename or "" if isinstance(value, UploadFile) else value
        if has_forbidden_characters(name):
            raise field_error("body", FORBIDDEN_TEXT_MESSAGE)
        if has_forbidden_characters(text):
            raise field_error(name, FORBIDDEN_TEXT_MESSAGE)
