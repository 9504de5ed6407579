"""Inventory models: the agencies, the themes and the existing training modules they run."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from curriculum.db import Base, string_enum, utcnow


class ModuleKind(enum.StrEnum):
    """What sort of training unit a module is."""

    COURSE = "course"
    MODULE = "module"
    PROGRAMME = "programme"
    TOOLKIT = "toolkit"
    MANUAL = "manual"


class ModuleStatus(enum.StrEnum):
    """Retired modules stay in published versions but are not offered for new packages."""

    ACTIVE = "active"
    RETIRED = "retired"


AGENCY_SLUG_LENGTH = 80
AUDIENCE_KEY_LENGTH = 200


def audience_key(label: str) -> str:
    """The case-folded form of an audience label that filters compare (bounded: "ß" folds to
    "ss", so folding can lengthen a label)."""
    return " ".join(label.split()).casefold()[:AUDIENCE_KEY_LENGTH]


def agency_filter_key(agency_id: int) -> str:
    """The filter key of a module its agency owns or partners in."""
    return f"agency:{agency_id}"


def theme_filter_key(theme_id: int) -> str:
    """The filter key of a module on a theme."""
    return f"theme:{theme_id}"


def language_filter_key(code: str) -> str:
    """The filter key of a module offered in a language (a lower-case code)."""
    return f"language:{code}"


def audience_filter_key(key: str) -> str:
    """The filter key of a module for an audience (its :func:`audience_key`)."""
    return f"audience:{key}"


class Agency(Base):
    """A GMG member agency or a partner organisation that owns or co-runs training."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(AGENCY_SLUG_LENGTH), unique=True)
    code: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(String(2000))
    is_gmg_member: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Theme(Base):
    """A subject area of migration training (labour migration, protection, ...)."""

    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str | None] = mapped_column(Text)


class ModulePartner(Base):
    """An agency that runs a module together with its owner."""

    __tablename__ = "module_partners"

    module_id: Mapped[int] = mapped_column(
        ForeignKey("modules.id", ondelete="CASCADE"), primary_key=True
    )
    agency_id: Mapped[int] = mapped_column(
        ForeignKey("agencies.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    agency: Mapped[Agency] = relationship(lazy="joined")


class ModuleTheme(Base):
    """A theme a module covers."""

    __tablename__ = "module_themes"

    module_id: Mapped[int] = mapped_column(
        ForeignKey("modules.id", ondelete="CASCADE"), primary_key=True
    )
    theme_id: Mapped[int] = mapped_column(
        ForeignKey("themes.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    theme: Mapped[Theme] = relationship(lazy="joined")


class ModuleLanguage(Base):
    """A language (ISO 639-1 code) a module is offered in."""

    __tablename__ = "module_languages"
    __table_args__ = (Index("ix_module_languages_code_module_id", "code", "module_id"),)

    module_id: Mapped[int] = mapped_column(
        ForeignKey("modules.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)


class ModuleAudience(Base):
    """A group of people a module is meant for; ``key`` is the case-folded label for filters."""

    __tablename__ = "module_audiences"
    __table_args__ = (Index("ix_module_audiences_key_module_id", "key", "module_id"),)

    module_id: Mapped[int] = mapped_column(
        ForeignKey("modules.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(AUDIENCE_KEY_LENGTH), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)


class Module(Base):
    """One existing unit of training. Unknown facts stay ``None``; nothing is guessed."""

    __tablename__ = "modules"
    __table_args__ = (
        Index("ix_modules_status_title", "status", "title"),
        Index(
            "ix_modules_search_text_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
        Index("ix_modules_filter_keys", "filter_keys",
              postgresql_using="gin").ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[ModuleKind | None] = mapped_column(string_enum(ModuleKind, "module_kind"))
    summary: Mapped[str | None] = mapped_column(Text)
    learning_objectives: Mapped[list[str]] = mapped_column(JSON, default=list)
    owner_agency_id: Mapped[int] = mapped_column(
        ForeignKey("agencies.id", ondelete="RESTRICT"), index=True
    )
    level: Mapped[str | None] = mapped_column(String(40), index=True)
    duration_minutes: Mapped[int | None] = mapped_column(Integer, index=True)
    delivery_mode: Mapped[str | None] = mapped_column(String(60), index=True)
    year_first_offered: Mapped[int | None] = mapped_column(Integer)
    url: Mapped[str | None] = mapped_column(String(2000))
    content_html: Mapped[str | None] = mapped_column(Text)
    licence: Mapped[str | None] = mapped_column(String(300))
    #: ``marked`` (the learner marks it complete) or ``opened`` (opening it is enough).
    completed_when: Mapped[str] = mapped_column(String(10), default="marked",
                                                server_default="marked")
    sources: Mapped[list[str]] = mapped_column(JSON, default=list)
    source_confidence: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[ModuleStatus] = mapped_column(
        string_enum(ModuleStatus, "module_status"), default=ModuleStatus.ACTIVE
    )
    retired_at: Mapped[datetime | None]
    # Case-folded title, summary and objectives, indexed for substring search
    # (pg_trgm on PostgreSQL, an FTS5 trigram table on SQLite: see the migrations).
    search_text: Mapped[str] = mapped_column(Text, default="")
    #: What the owner and the link tables say, as keys the filters look up (see
    #: :meth:`filter_keys_from_links`): on PostgreSQL a GIN index answers them together with
    #: the text index, before any row is read (see the migration that added it). SQLite keeps
    #: an unindexed JSON copy and filters through the link tables.
    filter_keys: Mapped[list[str]] = mapped_column(
        ARRAY(Text).with_variant(JSON(), "sqlite"), default=list)
    revision: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner_agency: Mapped[Agency] = relationship(lazy="joined", innerjoin=True)
    partner_links: Mapped[list[ModulePartner]] = relationship(
        cascade="all, delete-orphan", order_by=ModulePartner.position, lazy="selectin"
    )
    theme_links: Mapped[list[ModuleTheme]] = relationship(
        cascade="all, delete-orphan", order_by=ModuleTheme.position, lazy="selectin"
    )
    language_links: Mapped[list[ModuleLanguage]] = relationship(
        cascade="all, delete-orphan", order_by=ModuleLanguage.position, lazy="selectin"
    )
    audience_links: Mapped[list[ModuleAudience]] = relationship(
        cascade="all, delete-orphan", order_by=ModuleAudience.position, lazy="selectin"
    )

    __mapper_args__: dict[str, Any] = {"version_id_col": revision}

    @property
    def partner_agencies(self) -> list[Agency]:
        """The partner agencies in their given order."""
        return [link.agency for link in self.partner_links]

    @property
    def themes(self) -> list[Theme]:
        """The themes in their given order."""
        return [link.theme for link in self.theme_links]

    @property
    def languages(self) -> list[str]:
        """The language codes in their given order."""
        return [link.code for link in self.language_links]

    @property
    def audience(self) -> list[str]:
        """The audience labels in their given order."""
        return [link.label for link in self.audience_links]

    def filter_keys_from_links(self) -> list[str]:
        """The :attr:`filter_keys` that the owner and the link rows in memory give."""
        agency_ids = [self.owner_agency.id, *(link.agency.id for link in self.partner_links)]
        return list(dict.fromkeys([
            *(agency_filter_key(agency_id) for agency_id in agency_ids),
            *(theme_filter_key(link.theme.id) for link in self.theme_links),
            *(language_filter_key(link.code) for link in self.language_links),
            *(audience_filter_key(link.key) for link in self.audience_links),
        ]))

    @property
    def is_hosted(self) -> bool:
        """Whether the content is hosted here; otherwise the module lives at ``url``."""
        return bool(self.content_html)

    @property
    def is_retired(self) -> bool:
        """Whether the module was retired."""
        return self.status is ModuleStatus.RETIRED
