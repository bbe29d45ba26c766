"""Request bodies are bounded while they are read, never after.

A body's limit depends on what it is: multipart uploads (import files) may be larger than JSON. A declared
`Content-Length` over the limit is answered at once, before anything is read; a body without one (chunked)
is counted as it arrives and the request fails with 413 at the first byte past the limit. Nothing here
reads or buffers a body: it only counts what the handler reads, and handlers read after authentication.
"""

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.kit.errors import PayloadTooLarge, error_response

_MULTIPART = b"multipart/form-data"


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


class BodyTooLarge(HTTPException):
    """Raised from `receive` when a body grows past its limit; rendered as a 413 problem."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            status_code=413,
            detail=f"El cuerpo de la solicitud supera el límite de {_megabytes(limit)} ({limit} bytes).",
        )


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, json_bytes: int, upload_bytes: int) -> None:
        self.app = app
        self.json_bytes = json_bytes
        self.upload_bytes = upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        is_upload = headers.get(b"content-type", b"").lower().startswith(_MULTIPART)
        limit = self.upload_bytes if is_upload else self.json_bytes
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            too_large = PayloadTooLarge(str(BodyTooLarge(limit).detail))
            await error_response(Request(scope), too_large)(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counting_receive, send)
