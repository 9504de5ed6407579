"""Why a login or launch was refused, in words an LMS administrator can act on."""

from __future__ import annotations

from curriculum.errors import AppError


class LaunchRejected(AppError):
    """A login or launch that fails validation: a 4xx page, never a stack trace.

    ``reason`` is a stable code (kept in the failure log), ``message`` says what was wrong
    and ``hint`` what the LMS administrator should check.
    """

    template = "lti/launch_error.html"

    def __init__(self, reason: str, message: str, hint: str, status: int = 400) -> None:
        super().__init__(message, {"reason": reason, "hint": hint})
        self.reason = reason
        self.hint = hint
        self.status = status
        self.code = f"lti_{reason}"


def bad_request(reason: str, message: str, hint: str) -> LaunchRejected:
    """The LMS sent something malformed or incomplete (400)."""
    return LaunchRejected(reason, message, hint, 400)


def unauthorized(reason: str, message: str, hint: str) -> LaunchRejected:
    """The message could not be authenticated: signature, key, token lifetime (401)."""
    return LaunchRejected(reason, message, hint, 401)


def forbidden(reason: str, message: str, hint: str) -> LaunchRejected:
    """The message is authentic but not allowed: inactive deployment, replay (403)."""
    return LaunchRejected(reason, message, hint, 403)
