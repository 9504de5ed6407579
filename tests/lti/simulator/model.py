"""What a platform holds: people, a course and its roster, line items, grades, tokens."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Role = Literal["learner", "instructor", "ta", "admin", "test_user", "mentor"]

#: The membership role name (NRPS short form) behind each builder role.
MEMBERSHIP_ROLES: dict[str, str] = {
    "learner": "Learner", "instructor": "Instructor", "ta": "Instructor", "admin": "Instructor",
    "test_user": "Learner", "mentor": "Mentor",
}


@dataclass
class User:
    """A person on the platform, with what it shares about them."""

    sub: str
    given_name: str
    family_name: str
    email: str
    username: str
    login_hint: str
    role: Role = "learner"
    legacy_id: str = ""
    sourced_id: str = ""
    locale: str = "en"

    @property
    def name(self) -> str:
        """The full name."""
        return f"{self.given_name} {self.family_name}"


@dataclass
class Course:
    """The course (Moodle: CourseSection, Canvas: CourseOffering) tests launch from."""

    id: str
    label: str
    title: str
    members: list[User] = field(default_factory=list)
    #: The ``context.id`` of launches when it is not the course id (Canvas: 40 hex digits).
    lti_context_id: str = ""

    @property
    def context_id(self) -> str:
        """The ``context.id`` launches carry."""
        return self.lti_context_id or self.id

    def member(self, sub: str) -> User | None:
        """The member whose ``sub`` (or NRPS ``user_id``) this is."""
        return next((user for user in self.members if user.sub == sub), None)

    def first(self, role: Role) -> User:
        """The first member with ``role``."""
        return next(user for user in self.members if user.role == role)


@dataclass
class LineItem:
    """A gradebook column."""

    id: int
    label: str
    score_maximum: float
    resource_id: str = ""
    tag: str = ""
    resource_link_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Grade:
    """The score a platform holds for one user in one line item."""

    user_id: str
    score_given: float | None
    score_maximum: float | None
    comment: str | None
    timestamp: datetime
    activity_progress: str
    grading_progress: str


@dataclass
class ScoreRecord:
    """One score POST as received, and the status it was answered with."""

    lineitem_id: int
    body: dict[str, Any]
    status: int


@dataclass
class AccessToken:
    """An OAuth2 access token the token endpoint issued."""

    token: str
    scopes: frozenset[str]
    expires_at: float
