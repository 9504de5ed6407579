"""Stored translations of the packages' and modules' own texts, one row per field and language."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from curriculum.db import Base, utcnow


class PackageTranslation(Base):
    """A package text (``title``, ``sections.0.title`` ...) in one language, with the hash of
    the original text it translates."""

    __tablename__ = "package_translations"
    __table_args__ = (UniqueConstraint("package_id", "lang", "field"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("packages.id", ondelete="CASCADE"))
    lang: Mapped[str] = mapped_column(String(10))
    field: Mapped[str] = mapped_column(String(60))
    #: The translated text: a string, or a list of strings for the list fields.
    value: Mapped[Any] = mapped_column(JSON)
    #: :func:`packages.translations.texts.text_hash` of the original it translates.
    source_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ModuleTranslation(Base):
    """A module text (``title``, ``summary``, ``learning_objectives``) in one language, with
    the hash of the original text it translates."""

    __tablename__ = "module_translations"
    __table_args__ = (UniqueConstraint("module_id", "lang", "field"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    lang: Mapped[str] = mapped_column(String(10))
    field: Mapped[str] = mapped_column(String(60))
    value: Mapped[Any] = mapped_column(JSON)
    source_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
