"""What the demo LMS keeps: its signing keys, the links placed in its course, the scores."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from curriculum.db import Base, utcnow


class DemoPlatformKey(Base):
    """An RSA key pair the demo LMS signs its launches with (kept so restarts keep it)."""

    __tablename__ = "demo_lms_platform_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(100), unique=True)
    private_key_pem: Mapped[str] = mapped_column(Text)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DemoPlacedLink(Base):
    """An activity of the demo course that launches the tool, with its gradebook column."""

    __tablename__ = "demo_lms_placed_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    text: Mapped[str | None] = mapped_column(Text)
    # The item's ``url`` (the launch's target_link_uri); None means the tool's launch URL.
    url: Mapped[str | None] = mapped_column(String(2000))
    custom: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    line_item_label: Mapped[str | None] = mapped_column(String(500))
    score_maximum: Mapped[float | None] = mapped_column(Float)
    resource_id: Mapped[str | None] = mapped_column(String(255))
    tag: Mapped[str | None] = mapped_column(String(255))
    # The nonce of the Deep Linking response that placed it: a response is accepted once.
    response_nonce: Mapped[str | None] = mapped_column(String(255), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def graded(self) -> bool:
        """Whether the link has a gradebook column."""
        return self.score_maximum is not None


class DemoScore(Base):
    """The newest score the tool sent for a demo user on a placed link's column."""

    __tablename__ = "demo_lms_scores"
    __table_args__ = (UniqueConstraint("placed_link_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    placed_link_id: Mapped[int] = mapped_column(
        ForeignKey("demo_lms_placed_links.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(String(40))
    score_given: Mapped[float | None] = mapped_column(Float)
    score_maximum: Mapped[float | None] = mapped_column(Float)
    comment: Mapped[str | None] = mapped_column(Text)
    activity_progress: Mapped[str | None] = mapped_column(String(40))
    grading_progress: Mapped[str | None] = mapped_column(String(40))
    timestamp: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)

    placed_link: Mapped[DemoPlacedLink] = relationship()
