"""The one error middleware of every organiser listener (the webhook and the LAN API).

Every refusal is a JSON ``Problem`` (``{"error", "message", "field"?, "reasons"?}``); input never
causes a 500 and a 500 never carries internals:

- a ``ValidationError`` → 422 naming the field;
- another ``DomainError`` → 404 for ``not_found``, 403 for ``forbidden``/``pairing_refused``,
  else 409 (a business rule refused the action);
- ``StoreError`` (the database file is busy, full or gone) → 503;
- an ``IntegrityError`` that got past the edge's checks (they should catch every one: each is
  a missing check, so it is logged as a warning) → 409 for a duplicate (UNIQUE), 422 for a
  value the schema refuses (CHECK, NOT NULL, FOREIGN KEY);
- aiohttp's own ``HTTPException`` (404 no route, 405, 413, a handler's 4xx) → the same JSON
  shape, keeping ``Allow``/``Retry-After``/``WWW-Authenticate``;
- anything else is a bug: logged with its traceback, answered 500.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from sqlalchemy.exc import IntegrityError

from expresso_desktop.core.errors import DomainError, ValidationError
from expresso_desktop.store.errors import StoreError

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# A DomainError's code → its HTTP status; every other refusal is a 409 conflict.
STATUS_OF_CODE = {"not_found": 404, "forbidden": 403, "pairing_refused": 403}
_KEEP_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


def problem(status: int, error: str, message: str, **extra: object) -> web.Response:
    body = {"error": error, "message": message, **{k: v for k, v in extra.items() if v}}
    return web.json_response(body, status=status)


def status_of(exc: DomainError) -> int:
    if isinstance(exc, ValidationError):
        return 422
    return STATUS_OF_CODE.get(exc.code, 409)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.content_type == "application/json" or exc.status < 400:
            raise  # already a Problem (or a redirect)
        response = problem(exc.status, _code(exc), _message(exc))
        for header in _KEEP_HEADERS:
            if header in exc.headers:
                response.headers[header] = exc.headers[header]
        return response
    except ValidationError as exc:
        return problem(
            422, exc.code, exc.reason, field=exc.field, reasons=getattr(exc, "reasons", None)
        )
    except DomainError as exc:
        return problem(status_of(exc), exc.code, exc.reason)
    except IntegrityError as exc:
        return _integrity_problem(request, exc)
    except StoreError as exc:
        log.error("database problem serving %s: %s", request.path, exc)
        return problem(503, "unavailable", "the event database is busy; try again")
    except Exception as exc:
        if isinstance(exc, ConnectionError) and _client_gone(request):
            # The client hung up (before its body, say): not an error, and nobody to answer.
            # Anyone can do it a thousand times a second, so no traceback (issue 15, #5).
            log.debug("client hung up during %s %s", request.method, request.path)
            return problem(400, "incomplete_request", "the client hung up")
        log.exception("unhandled error serving %s %s", request.method, request.path)
        return problem(500, "internal", "unexpected server error; see the organiser log")


def _client_gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


def _integrity_problem(request: web.Request, exc: IntegrityError) -> web.Response:
    # The driver's message names the constraint, never the row's values (the SQL parameters
    # in ``str(exc)`` would: they stay out of the log and the answer).
    reason = str(exc.orig).split("\n")[0]
    log.warning("%s %s hit a database constraint: %s", request.method, request.path, reason)
    if reason.startswith("UNIQUE"):
        return problem(409, "conflict", "that would duplicate a stored row")
    return problem(422, "invalid", "a value breaks a rule of the stored data")


def _code(exc: web.HTTPException) -> str:
    return exc.reason.lower().replace(" ", "_") if exc.reason else "http_error"


def _message(exc: web.HTTPException) -> str:
    """The handler's own text when it gave one (``missing signature``), else the reason."""
    text = exc.text or ""
    if text and not text.startswith(f"{exc.status}: "):  # aiohttp's default body
        return text
    return exc.reason or "error"
