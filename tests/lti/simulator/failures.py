"""Canned failures, queued per endpoint, that a platform serves instead of its answer."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any, Literal

from werkzeug.wrappers import Response

#: Endpoint names failures can be queued on.
ENDPOINTS = ("jwks", "auth", "token", "openid_configuration", "registration", "lineitems",
             "lineitem", "scores", "results", "memberships", "deep_link_return")


@dataclass(frozen=True)
class Failure:
    """One canned failure: an error answer, a slow answer or a dropped connection."""

    kind: Literal["status", "slow", "drop"]
    status: int = 500
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @classmethod
    def error(cls, status: int, body: str | dict[str, Any] = "",
              headers: dict[str, str] | None = None) -> Failure:
        """Answer ``status`` with ``body`` (a dict is sent as JSON)."""
        extra = dict(headers or {})
        if isinstance(body, dict):
            extra.setdefault("Content-Type", "application/json")
            body = json.dumps(body)
        return cls("status", status=status, body=body, headers=extra)

    @classmethod
    def server_error(cls) -> Failure:
        """A plain 500."""
        return cls.error(500, "Internal Server Error", {"Content-Type": "text/plain"})

    @classmethod
    def too_many_requests(cls, retry_after: int = 1) -> Failure:
        """429 with ``Retry-After`` in seconds, the way most LMSs rate-limit."""
        return cls.error(429, {"error": "Too Many Requests"}, {"Retry-After": str(retry_after)})

    @classmethod
    def canvas_rate_limit(cls) -> Failure:
        """Canvas's rate limit: 403 "Rate Limit Exceeded" with ``X-Rate-Limit-Remaining: 0``."""
        return cls.error(403, "403 Forbidden (Rate Limit Exceeded)\n",
                         {"X-Rate-Limit-Remaining": "0.0", "Content-Type": "text/plain"})

    @classmethod
    def expired_token(cls) -> Failure:
        """401 for an access token the platform considers expired."""
        return cls.error(401, {"errors": [{"message": "Access token expired"}]},
                         {"WWW-Authenticate": 'Bearer error="invalid_token"'})

    @classmethod
    def slow(cls, seconds: float) -> Failure:
        """Wait ``seconds`` before answering normally (to test the tool's timeouts)."""
        return cls("slow", seconds=seconds)

    @classmethod
    def drop(cls) -> Failure:
        """Close the connection without answering."""
        return cls("drop")

    def serve(self, environ: dict[str, Any]) -> Response | None:
        """The failure's answer, or ``None`` to go on with the normal one (after a delay)."""
        if self.kind == "slow":
            time.sleep(self.seconds)
            return None
        if self.kind == "drop":
            connection = environ.get("werkzeug.socket")
            if isinstance(connection, socket.socket):
                connection.shutdown(socket.SHUT_RDWR)
            # Werkzeug treats a ConnectionError from the app as a dropped client: no log noise.
            raise ConnectionAbortedError("simulated connection drop")
        return Response(self.body, status=self.status, headers=self.headers)


class FailureQueues:
    """A queue of failures per endpoint, safe to use from the server's threads."""

    def __init__(self) -> None:
        self._queues: defaultdict[str, deque[Failure]] = defaultdict(deque)
        self._lock = threading.Lock()

    def push(self, endpoint: str, *failures: Failure) -> None:
        """Queue ``failures`` for the next requests to ``endpoint``, in order."""
        if endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}; one of {ENDPOINTS}")
        with self._lock:
            self._queues[endpoint].extend(failures)

    def pop(self, endpoint: str) -> Failure | None:
        """The next failure for ``endpoint``, if one is queued."""
        with self._lock:
            queue = self._queues.get(endpoint)
            return queue.popleft() if queue else None

    def pending(self, endpoint: str) -> int:
        """How many failures are still queued for ``endpoint``."""
        with self._lock:
            return len(self._queues.get(endpoint, ()))

    def clear(self) -> None:
        """Forget every queued failure."""
        with self._lock:
            self._queues.clear()
