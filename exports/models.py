"""Rendered files kept so that a second request costs a lookup, not a render."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from curriculum.db import Base, utcnow


class RenderedSyllabus(Base):
    """The PDF syllabus of one published version in one language, by one template revision."""

    __tablename__ = "rendered_syllabi"
    __table_args__ = (UniqueConstraint("package_version_id", "lang", "template_revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    package_version_id: Mapped[int] = mapped_column(
        ForeignKey("package_versions.id", ondelete="CASCADE"))
    lang: Mapped[str] = mapped_column(String(10))
    template_revision: Mapped[str] = mapped_column(String(64))
    # Deferred: answering 304 or checking the cache never loads the bytes.
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    etag: Mapped[str] = mapped_column(String(80))
    size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
