"""Rendered files kept so that a second request costs a lookup, not a render; certificates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from curriculum.db import Base, utcnow
from packages.models import PackageVersion


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


class Certificate(Base):
    """A certificate of completion: one holder, one published version, one public code.

    The facts printed on it (name, agencies, date) are kept as they were when it was issued.
    """

    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("holder_key", "package_version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The verification code without dashes (``K7QM4XPT9HDR``); unique, never reused.
    code: Mapped[str] = mapped_column(String(20), unique=True)
    #: Who completed it, as the caller identifies them (``<platform>:<LMS user id>``); never shown.
    holder_key: Mapped[str] = mapped_column(String(255))
    #: The learner's name exactly as the LMS sent it.
    learner_name: Mapped[str] = mapped_column(String(300))
    package_version_id: Mapped[int] = mapped_column(
        ForeignKey("package_versions.id", ondelete="RESTRICT"), index=True)
    completed_at: Mapped[datetime]
    lang: Mapped[str] = mapped_column(String(10))
    #: The co-issuing agencies, ``[{"code": ..., "name": ...}]``, as the version names them.
    agencies: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The rendered PDF, kept with what determined it (template revision, language, base URL).
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    pdf_key: Mapped[str | None] = mapped_column(String(64))

    package_version: Mapped[PackageVersion] = relationship()


class RenderedCatalogue(Base):
    """The curriculum catalogue PDF, kept under the hash of everything that determines it."""

    __tablename__ = "rendered_catalogues"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Hash of the tracks, their packages' published versions, the language, the template
    #: revision and the base URL: a change of any renders a new catalogue.
    cache_key: Mapped[str] = mapped_column(String(64), unique=True)
    lang: Mapped[str] = mapped_column(String(10))
    template_revision: Mapped[str] = mapped_column(String(64))
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def etag(self) -> str:
        """The ETag of the catalogue: its cache key, shortened."""
        return self.cache_key[:32]
