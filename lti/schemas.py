"""Marshmallow schemas of the LTI admin API (partners, platform registrations, invitations),
also used by ``curriculum platform add`` so that both check input the same way."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import jwt
import marshmallow as ma
from babel import Locale

from curriculum.fields import HttpUrl, Slug, Text
from lti.invitations import INVITATION_LIFETIME, MAX_LIFETIME_DAYS
from lti.models import PartnerKind

PRODUCT_FAMILIES = ("moodle", "canvas", "other")
MAX_KEYS = 20
COUNTRY_PATTERN = re.compile(r"[A-Z]{2}")

# Validators -----------------------------------------------------------------------------


def validate_country(code: str) -> None:
    """An ISO 3166-1 alpha-2 country code that Babel knows (``KE``, ``TH``, ``MA`` ...)."""
    if not COUNTRY_PATTERN.fullmatch(code) or code not in Locale("en").territories:
        raise ma.ValidationError(f"'{code}' is not an ISO 3166 country code such as 'KE'.")


def validate_issuer(issuer: str) -> None:
    """An issuer is an http(s) URL without query or fragment (LTI Core section 5.1.2)."""
    parts = urlsplit(issuer)
    if parts.query or parts.fragment:
        raise ma.ValidationError("An issuer has no query (?) or fragment (#).")


def check_key_set(key_set: Any) -> dict[str, Any]:
    """A JWKS of RSA public keys, each with a ``kid``; the message names what is wrong."""
    keys = key_set.get("keys") if isinstance(key_set, dict) else None
    if not isinstance(keys, list) or not keys:
        raise ma.ValidationError('A key set is a JSON object {"keys": [...]} with at least '
                                 "one key.")
    if len(keys) > MAX_KEYS:
        raise ma.ValidationError(f"A key set holds at most {MAX_KEYS} keys.")
    for number, key in enumerate(keys, 1):
        if not isinstance(key, dict) or not isinstance(key.get("kid"), str) or not key["kid"]:
            raise ma.ValidationError(f"Key {number} of the key set has no 'kid'.")
        if key.get("kty") != "RSA" or "d" in key:
            raise ma.ValidationError(f"Key {key['kid']!r} is not an RSA public key.")
        try:
            jwt.PyJWK(key, "RS256")
        except jwt.PyJWTError as error:
            raise ma.ValidationError(f"Key {key['kid']!r} cannot be read: {error}.") from error
    return {"keys": keys}


class Country(ma.fields.String):
    """A country code, upper-cased and checked."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        code: str = super()._deserialize(value, attr, data, **kwargs).strip().upper()
        validate_country(code)
        return code


class KeySet(ma.fields.Dict):
    """A platform's public key set given as it is (when it publishes no URL)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        return check_key_set(super()._deserialize(value, attr, data, **kwargs))


# Partners -------------------------------------------------------------------------------


class PartnerSchema(ma.Schema):
    """A partner institution."""

    slug = ma.fields.String()
    name = ma.fields.String()
    country = ma.fields.String(allow_none=True)
    kind = ma.fields.Enum(PartnerKind, by_value=True)
    migration_dedicated = ma.fields.Boolean(allow_none=True)
    created_at = ma.fields.DateTime()


class PartnerCreateSchema(ma.Schema):
    """A new partner institution."""

    name = Text(required=True, max_length=300)
    slug = Slug(max_length=120)
    country = Country(allow_none=True)
    kind = ma.fields.String(load_default=PartnerKind.OTHER.value,
                            validate=ma.validate.OneOf([k.value for k in PartnerKind]))
    migration_dedicated = ma.fields.Boolean(allow_none=True)


# Registrations --------------------------------------------------------------------------


class DeploymentSchema(ma.Schema):
    """A deployment of the tool in a platform, and whether it may launch."""

    deployment_id = ma.fields.String()
    active = ma.fields.Boolean()
    created_at = ma.fields.DateTime()


class RegistrationSchema(ma.Schema):
    """A registration of the tool in a platform, with its deployments."""

    id = ma.fields.Integer()
    partner = ma.fields.Pluck(PartnerSchema, "slug")
    name = ma.fields.String()
    issuer = ma.fields.String()
    client_id = ma.fields.String()
    auth_login_url = ma.fields.String()
    auth_token_url = ma.fields.String(allow_none=True)
    key_set_url = ma.fields.String(allow_none=True)
    static_key_set = ma.fields.Dict(data_key="key_set", allow_none=True)
    product_family = ma.fields.String(allow_none=True)
    granted_scopes = ma.fields.List(ma.fields.String(), allow_none=True)
    active = ma.fields.Boolean()
    created_at = ma.fields.DateTime()
    deployments = ma.fields.List(ma.fields.Nested(DeploymentSchema))


class RegistrationInputSchema(ma.Schema):
    """A platform as its administrator describes it (the partner is named elsewhere)."""

    name = Text(max_length=300, allow_none=True,
                metadata={"description": "Defaults to the partner's name"})
    issuer = HttpUrl(required=True, validate=validate_issuer)
    client_id = Text(required=True, max_length=255)
    deployment_ids = ma.fields.List(Text(max_length=255), load_default=list,
                                    validate=ma.validate.Length(max=100))
    auth_login_url = HttpUrl(required=True, metadata={"description": "OIDC authorization URL"})
    auth_token_url = HttpUrl(allow_none=True, metadata={"description": "OAuth2 token URL"})
    key_set_url = HttpUrl(allow_none=True, metadata={"description": "The platform's JWKS URL"})
    key_set = KeySet(allow_none=True,
                     metadata={"description": "The platform's JWKS, when it has no URL"})
    product_family = ma.fields.String(allow_none=True,
                                      validate=ma.validate.OneOf(PRODUCT_FAMILIES))

    @ma.validates_schema
    def _one_key_source(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if bool(data.get("key_set_url")) == bool(data.get("key_set")):
            raise ma.ValidationError("Give the platform's key set URL or its key set, "
                                     "one of the two.", "key_set_url")

    @ma.post_load
    def _distinct_deployments(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        data["deployment_ids"] = list(dict.fromkeys(data["deployment_ids"]))
        return data


class RegistrationCreateSchema(RegistrationInputSchema):
    """A new registration of the tool in a partner's platform."""

    partner = Slug(required=True, max_length=120, metadata={"description": "Partner slug"})


class DeploymentCreateSchema(ma.Schema):
    """A deployment id the platform gave (a Moodle tool id, a Canvas installation)."""

    deployment_id = Text(required=True, max_length=255)


# Invitations ----------------------------------------------------------------------------


class InvitationCreateSchema(ma.Schema):
    """How long a Dynamic Registration invitation stays valid."""

    expires_in_days = ma.fields.Integer(
        load_default=INVITATION_LIFETIME.days, strict=True,
        validate=ma.validate.Range(min=1, max=MAX_LIFETIME_DAYS))


class InvitationSchema(ma.Schema):
    """A Dynamic Registration invitation (its URL was shown once, when it was made)."""

    id = ma.fields.Integer()
    partner = ma.fields.Pluck(PartnerSchema, "slug")
    state = ma.fields.String(metadata={"description": "open, used or expired"})
    created_at = ma.fields.DateTime()
    expires_at = ma.fields.DateTime()
    used_at = ma.fields.DateTime(allow_none=True)
    registration_id = ma.fields.Integer(allow_none=True)


class NewInvitationSchema(InvitationSchema):
    """A new invitation, with the registration URL this answer alone shows."""

    url = ma.fields.String(metadata={"description": "The one-time registration URL"})


class OutboxSchema(ma.Schema):
    """A registration's scores not yet in its gradebook, and the LMS's last answer."""

    registration_id = ma.fields.Integer()
    name = ma.fields.String()
    waiting = ma.fields.Integer()
    failing = ma.fields.Integer()
    failed = ma.fields.Integer()
    last_status = ma.fields.Integer(allow_none=True)
    last_answer = ma.fields.String(allow_none=True)
    last_attempt_at = ma.fields.DateTime(allow_none=True)


class OutboxRetrySchema(ma.Schema):
    """Which failed or failing scores to send again (all of the registration's by default)."""

    ids = ma.fields.List(ma.fields.Integer(strict=True), load_default=None)


class OutboxRetriedSchema(ma.Schema):
    """How many scores a retry made due."""

    retried = ma.fields.Integer()
