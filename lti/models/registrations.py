"""Partner institutions, their LMS registrations and deployments, and the tool's own keys."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from curriculum.db import Base, string_enum, utcnow


class PartnerKind(enum.StrEnum):
    """What sort of institution a partner is."""

    NATIONAL_TRAINING_CENTRE = "national_training_centre"
    REGIONAL_TRAINING_CENTRE = "regional_training_centre"
    AGENCY = "agency"
    UNIVERSITY = "university"
    OTHER = "other"


class KeyStatus(enum.StrEnum):
    """Active keys are published (the newest signs); retired ones are not."""

    ACTIVE = "active"
    RETIRED = "retired"


class Partner(Base):
    """An institution of the network that runs one or more LMSs."""

    __tablename__ = "lti_partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    country: Mapped[str | None] = mapped_column(String(2))
    kind: Mapped[PartnerKind] = mapped_column(string_enum(PartnerKind, "partner_kind", 40),
                                              default=PartnerKind.OTHER)
    migration_dedicated: Mapped[bool | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    registrations: Mapped[list[Registration]] = relationship(back_populates="partner")


class Registration(Base):
    """An LTI 1.3 registration of this tool in one platform (issuer + client id)."""

    __tablename__ = "lti_registrations"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("lti_partners.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    auth_login_url: Mapped[str] = mapped_column(String(2000))
    auth_token_url: Mapped[str | None] = mapped_column(String(2000))
    key_set_url: Mapped[str | None] = mapped_column(String(2000))
    # A key set given once (``--key-set-file``); platforms that publish a URL use the cache.
    static_key_set: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    cached_key_set: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    key_set_fetched_at: Mapped[datetime | None]
    product_family: Mapped[str | None] = mapped_column(String(40))
    granted_scopes: Mapped[list[str] | None] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    partner: Mapped[Partner] = relationship(back_populates="registrations", lazy="joined",
                                            innerjoin=True)
    deployments: Mapped[list[Deployment]] = relationship(
        back_populates="registration", cascade="all, delete-orphan",
        order_by="Deployment.id")


class Deployment(Base):
    """A deployment of the tool in a platform (a site, account or course)."""

    __tablename__ = "lti_deployments"
    __table_args__ = (UniqueConstraint("registration_id", "deployment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("lti_registrations.id", ondelete="CASCADE"), index=True)
    deployment_id: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    registration: Mapped[Registration] = relationship(back_populates="deployments")


class ToolKey(Base):
    """An RSA key pair of this tool; its public half is published at ``/lti/jwks.json``."""

    __tablename__ = "lti_tool_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(100), unique=True)
    private_key_pem: Mapped[str] = mapped_column(Text)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[KeyStatus] = mapped_column(string_enum(KeyStatus, "key_status", 40),
                                              default=KeyStatus.ACTIVE)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]


class RegistrationInvitation(Base):
    """A one-time Dynamic Registration URL handed to a partner's LMS administrator."""

    __tablename__ = "lti_registration_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("lti_partners.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("lti_registrations.id", ondelete="SET NULL"))

    partner: Mapped[Partner] = relationship(lazy="joined", innerjoin=True)
