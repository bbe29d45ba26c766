"""Problems of the analytics service: the API behind it failing, rendered like every other problem."""

from services.kit.errors import ApiError, ServiceUnavailable

__all__ = ["ApiBadGateway", "ApiGatewayTimeout", "ApiTooManyRequests", "ApiUnavailable"]

# Seconds a client should wait before retrying when the API cannot be reached.
RETRY_AFTER_SECONDS = 5


class ApiUnavailable(ServiceUnavailable):
    """The API refused the connection or answered 503: retry after `Retry-After`."""

    def __init__(self, detail: str, *, retry_after: int = RETRY_AFTER_SECONDS) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after)})


class ApiGatewayTimeout(ApiError):
    status_code = 504
    slug = "gateway-timeout"
    title = "La API no respondió a tiempo"


class ApiBadGateway(ApiError):
    status_code = 502
    slug = "bad-gateway"
    title = "Respuesta inválida de la API"


class ApiTooManyRequests(ApiError):
    status_code = 429
    slug = "too-many-requests"
    title = "Demasiadas solicitudes"
