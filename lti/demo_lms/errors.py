"""Why the demo LMS refused a request, shown as a page a person can act on."""

from __future__ import annotations

from curriculum.errors import AppError


class DemoLmsRefused(AppError):
    """A request the demo LMS will not serve (a malformed login, a bad Deep Linking answer)."""

    status = 400
    code = "demo_lms_refused"
    template = "demo_lms/error.html"
