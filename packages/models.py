"""Package models: joint packages, their sections and items, immutable versions, and tracks."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from curriculum.accounts.models import User
from curriculum.db import Base, string_enum, utcnow
from curriculum.inventory.models import Agency, Module


class CompletionRule(enum.StrEnum):
    """When a learner has completed a package."""

    ALL_REQUIRED = "all_required"
    AT_LEAST = "at_least"


class PackageAgency(Base):
    """A co-convening agency of a package."""

    __tablename__ = "package_agencies"

    package_id: Mapped[int] = mapped_column(
        ForeignKey("packages.id", ondelete="CASCADE"), primary_key=True
    )
    agency_id: Mapped[int] = mapped_column(
        ForeignKey("agencies.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    agency: Mapped[Agency] = relationship(lazy="joined", innerjoin=True)


class PackageItem(Base):
    """A module placed in a section, required or optional."""

    __tablename__ = "package_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(
        ForeignKey("package_sections.id", ondelete="CASCADE"), index=True
    )
    module_id: Mapped[int] = mapped_column(
        ForeignKey("modules.id", ondelete="RESTRICT"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    required: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str | None] = mapped_column(Text)

    module: Mapped[Module] = relationship()


class PackageSection(Base):
    """An ordered group of items in a package."""

    __tablename__ = "package_sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[int] = mapped_column(
        ForeignKey("packages.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)

    items: Mapped[list[PackageItem]] = relationship(
        cascade="all, delete-orphan", order_by=PackageItem.position
    )


class Package(Base):
    """A joint training package being assembled; its published states are its versions."""

    __tablename__ = "packages"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    audience: Mapped[str | None] = mapped_column(Text)
    prerequisites: Mapped[list[str]] = mapped_column(JSON, default=list)
    learning_objectives: Mapped[list[str]] = mapped_column(JSON, default=list)
    completion_rule: Mapped[CompletionRule] = mapped_column(
        string_enum(CompletionRule, "completion_rule"),
        default=CompletionRule.ALL_REQUIRED,
    )
    completion_min_count: Mapped[int | None]
    latest_version_number: Mapped[int | None]
    revision: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    agency_links: Mapped[list[PackageAgency]] = relationship(
        cascade="all, delete-orphan", order_by=PackageAgency.position
    )
    sections: Mapped[list[PackageSection]] = relationship(
        cascade="all, delete-orphan", order_by=PackageSection.position
    )

    __mapper_args__: dict[str, Any] = {"version_id_col": revision}

    @property
    def agencies(self) -> list[Agency]:
        """The co-convening agencies in their given order."""
        return [link.agency for link in self.agency_links]

    @property
    def items(self) -> list[PackageItem]:
        """Every item, section by section."""
        return [item for section in self.sections for item in section.items]

    @property
    def is_published(self) -> bool:
        """Whether at least one version was published."""
        return self.latest_version_number is not None


class PackageVersion(Base):
    """An immutable, numbered snapshot of a package and of its modules' content."""

    __tablename__ = "package_versions"
    __table_args__ = (UniqueConstraint("package_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[int] = mapped_column(
        ForeignKey("packages.id", ondelete="RESTRICT"), index=True
    )
    number: Mapped[int]
    change_note: Mapped[str] = mapped_column(Text)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )

    package: Mapped[Package] = relationship()
    published_by: Mapped[User | None] = relationship()


class ImmutableVersionError(RuntimeError):
    """Raised when code tries to change or delete a published version."""


@event.listens_for(PackageVersion, "before_update")
def _refuse_version_update(_mapper: Any, _connection: Any, version: PackageVersion) -> None:
    raise ImmutableVersionError(f"Version {version.number} is published and cannot change.")


@event.listens_for(PackageVersion, "before_delete")
def _refuse_version_delete(_mapper: Any, _connection: Any, version: PackageVersion) -> None:
    raise ImmutableVersionError(f"Version {version.number} is published and cannot be deleted.")


class TrackPackage(Base):
    """A package's place in a track."""

    __tablename__ = "track_packages"

    track_id: Mapped[int] = mapped_column(
        ForeignKey("tracks.id", ondelete="CASCADE"), primary_key=True
    )
    package_id: Mapped[int] = mapped_column(
        ForeignKey("packages.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    package: Mapped[Package] = relationship(lazy="joined", innerjoin=True)


class Track(Base):
    """A themed track of the standing curriculum: an ordered list of published packages."""

    __tablename__ = "tracks"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(default=0)
    revision: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    package_links: Mapped[list[TrackPackage]] = relationship(
        cascade="all, delete-orphan", order_by=TrackPackage.position, lazy="selectin"
    )

    __mapper_args__: dict[str, Any] = {"version_id_col": revision}

    @property
    def packages(self) -> list[Package]:
        """The track's packages in order."""
        return [link.package for link in self.package_links]
