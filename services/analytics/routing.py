"""What every analytics route documents: the problems an answer built on the API can end in."""

from services.kit.openapi import problem_responses

__all__ = ["ANALYTICS_PROBLEMS"]

# 401 without a key; 403/404/422 as the API answered them; 429 when the API limits the key; 502 for a broken
# API answer; 503 (Retry-After) when the API is down; 504 when it is too slow.
ANALYTICS_PROBLEMS = problem_responses(401, 403, 404, 422, 429, 502, 503, 504)
