"""What launches name (users, courses, placed links, roles) and the launch flow's own state.

OIDC states (with their nonces) and launch sessions live here, in the database, so that any process
can serve any step of a launch and a replayed launch is refused everywhere.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from curriculum.db import Base, utcnow
from lti.models.registrations import Deployment, Registration
from packages.models import Package


class LmsUser(Base):
    """A person as a platform names them (``sub``); names and email only when sent."""

    __tablename__ = "lti_users"
    __table_args__ = (UniqueConstraint("registration_id", "sub"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("lti_registrations.id", ondelete="CASCADE"), index=True)
    sub: Mapped[str] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(300))
    given_name: Mapped[str | None] = mapped_column(String(200))
    family_name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    locale: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_launch_at: Mapped[datetime | None]

    @property
    def display_name(self) -> str:
        """The name to show: full name, else given + family, else email, else the id."""
        parts = " ".join(p for p in (self.given_name, self.family_name) if p)
        return self.name or parts or self.email or f"User {self.sub}"


class LmsContext(Base):
    """A course (or other context) of a platform."""

    __tablename__ = "lti_contexts"
    __table_args__ = (UniqueConstraint("registration_id", "context_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("lti_registrations.id", ondelete="CASCADE"), index=True)
    deployment_id: Mapped[int] = mapped_column(
        ForeignKey("lti_deployments.id", ondelete="CASCADE"), index=True)
    context_id: Mapped[str] = mapped_column(String(255))
    label: Mapped[str | None] = mapped_column(String(300))
    title: Mapped[str | None] = mapped_column(String(500))
    types: Mapped[list[str]] = mapped_column(JSON, default=list)
    memberships_url: Mapped[str | None] = mapped_column(String(2000))
    lineitems_url: Mapped[str | None] = mapped_column(String(2000))
    #: When the course roster was last read from the platform (NRPS); ``None``: never.
    roster_fetched_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ResourceLink(Base):
    """A link placed in a course: which package (or module, or pinned version) it opens."""

    __tablename__ = "lti_resource_links"
    __table_args__ = (UniqueConstraint("registration_id", "resource_link_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("lti_registrations.id", ondelete="CASCADE"), index=True)
    deployment_id: Mapped[int] = mapped_column(
        ForeignKey("lti_deployments.id", ondelete="CASCADE"), index=True)
    context_id: Mapped[int | None] = mapped_column(
        ForeignKey("lti_contexts.id", ondelete="CASCADE"), index=True)
    resource_link_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(String(500))
    package_id: Mapped[int | None] = mapped_column(
        ForeignKey("packages.id", ondelete="RESTRICT"), index=True)
    module_slug: Mapped[str | None] = mapped_column(String(120))
    version_number: Mapped[int | None]
    lineitem_url: Mapped[str | None] = mapped_column(String(2000))
    #: The AGS scopes the platform granted on the last launch of this link.
    ags_scopes: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    package: Mapped[Package | None] = relationship()
    context: Mapped[LmsContext | None] = relationship()


class LineItem(Base):
    """A gradebook column of a platform that a placed link reports to."""

    __tablename__ = "lti_line_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_link_id: Mapped[int] = mapped_column(
        ForeignKey("lti_resource_links.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    label: Mapped[str | None] = mapped_column(String(500))
    score_maximum: Mapped[float] = mapped_column(Float, default=100.0)
    resource_id: Mapped[str | None] = mapped_column(String(255))
    tag: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Membership(Base):
    """A person's roles in a context, as launches and rosters report them."""

    __tablename__ = "lti_memberships"
    __table_args__ = (UniqueConstraint("context_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(
        ForeignKey("lti_contexts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("lti_users.id", ondelete="CASCADE"), index=True)
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: The roster's ``status`` (``Active``, ``Inactive``, ``Deleted``); ``None`` when only a
    #: launch reported the membership.
    status: Mapped[str | None] = mapped_column(String(20))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ResourceLinkUser(Base):
    """Someone who launched a placed link: when first and last, and with which roles."""

    __tablename__ = "lti_resource_link_users"
    __table_args__ = (UniqueConstraint("resource_link_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_link_id: Mapped[int] = mapped_column(
        ForeignKey("lti_resource_links.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("lti_users.id", ondelete="CASCADE"), index=True)
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_instructor: Mapped[bool] = mapped_column(default=False)
    first_launch_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_launch_at: Mapped[datetime] = mapped_column(default=utcnow)
    launch_count: Mapped[int] = mapped_column(default=1)
    #: When the learner met the link's completion rule.
    completed_at: Mapped[datetime | None]
    #: The timestamp of the newest score queued for this learner and link.
    score_timestamp: Mapped[datetime | None]

    user: Mapped[LmsUser] = relationship(lazy="joined", innerjoin=True)


class OidcState(Base):
    """The state and nonce of one OIDC login, until its launch uses them (once)."""

    __tablename__ = "lti_oidc_states"

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(100), unique=True)
    nonce: Mapped[str] = mapped_column(String(100))
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("lti_registrations.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the secret the browser keeps in platform storage (postMessage flow).
    storage_secret_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]


class LaunchSession(Base):
    """A validated launch: the pages that follow it find who, where and what by its id."""

    __tablename__ = "lti_launch_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("lti_registrations.id", ondelete="CASCADE"), index=True)
    deployment_id: Mapped[int] = mapped_column(
        ForeignKey("lti_deployments.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("lti_users.id", ondelete="CASCADE"), index=True)
    context_id: Mapped[int | None] = mapped_column(
        ForeignKey("lti_contexts.id", ondelete="CASCADE"))
    resource_link_id: Mapped[int | None] = mapped_column(
        ForeignKey("lti_resource_links.id", ondelete="CASCADE"))
    message_type: Mapped[str] = mapped_column(String(60))
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_instructor: Mapped[bool] = mapped_column(default=False)
    locale: Mapped[str | None] = mapped_column(String(20))
    document_target: Mapped[str | None] = mapped_column(String(20))
    return_url: Mapped[str | None] = mapped_column(String(2000))
    custom: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    deep_linking_settings: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    ags_endpoint: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)

    registration: Mapped[Registration] = relationship(lazy="joined", innerjoin=True)
    deployment: Mapped[Deployment] = relationship()
    user: Mapped[LmsUser | None] = relationship()
    context: Mapped[LmsContext | None] = relationship()
    resource_link: Mapped[ResourceLink | None] = relationship()


class LaunchFailure(Base):
    """A rejected login or launch, kept for the administrators (no personal data)."""

    __tablename__ = "lti_launch_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("lti_registrations.id", ondelete="CASCADE"), index=True)
    issuer: Mapped[str | None] = mapped_column(String(500))
    client_id: Mapped[str | None] = mapped_column(String(255))
    step: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(60))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
