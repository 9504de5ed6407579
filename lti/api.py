"""The LTI admin API: ``/api/v1/partners`` (partner institutions and their registration
invitations) and ``/api/v1/platforms`` (their LMS registrations and deployments); admins only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from curriculum.accounts.auth import require_role
from curriculum.accounts.models import Role
from curriculum.api import SECURED
from curriculum.db import get_session, utcnow
from lti.administration import (
    add_partner,
    get_registration,
    list_partners,
    list_registrations,
    set_registration_active,
)
from lti.invitations import create_invitation, invitation_state, partner_invitations
from lti.models import Deployment, Partner, Registration
from lti.outbox import RegistrationOutbox, outbox_summary, retry_scores
from lti.registrations import (
    add_deployment,
    create_registration,
    get_partner,
    set_deployment_active,
)
from lti.schemas import (
    DeploymentCreateSchema,
    DeploymentSchema,
    InvitationCreateSchema,
    InvitationSchema,
    NewInvitationSchema,
    OutboxRetriedSchema,
    OutboxRetrySchema,
    OutboxSchema,
    PartnerCreateSchema,
    PartnerSchema,
    RegistrationCreateSchema,
    RegistrationSchema,
)

partners_blp = Blueprint("partners", __name__,
                         description="Partner institutions that run LMSs (admins only)")
platforms_blp = Blueprint("platforms", __name__,
                          description="LMS registrations of the LTI tool (admins only)")

ADMIN = require_role(Role.ADMIN)


# Partners -------------------------------------------------------------------------------


@partners_blp.route("")
class Partners(MethodView):
    """Partner institutions."""

    @ADMIN
    @partners_blp.response(200, PartnerSchema(many=True))
    @partners_blp.doc(security=SECURED)
    def get(self) -> list[Partner]:
        """List the partners by name."""
        return list_partners(get_session())

    @ADMIN
    @partners_blp.arguments(PartnerCreateSchema)
    @partners_blp.response(201, PartnerSchema)
    @partners_blp.doc(security=SECURED)
    def post(self, data: dict[str, Any]) -> Partner:
        """Add a partner institution."""
        return add_partner(get_session(), data)


@partners_blp.route("/<slug>")
class PartnerBySlug(MethodView):
    """One partner institution."""

    @ADMIN
    @partners_blp.response(200, PartnerSchema)
    @partners_blp.doc(security=SECURED)
    def get(self, slug: str) -> Partner:
        """Read a partner."""
        return get_partner(get_session(), slug)


def _invitation_body(invitation: Any, url: str | None = None) -> dict[str, Any]:
    return {"id": invitation.id, "partner": invitation.partner, "url": url,
            "state": invitation_state(invitation), "created_at": invitation.created_at,
            "expires_at": invitation.expires_at, "used_at": invitation.used_at,
            "registration_id": invitation.registration_id}


@partners_blp.route("/<slug>/invitations")
class PartnerInvitations(MethodView):
    """Dynamic Registration invitations of a partner."""

    @ADMIN
    @partners_blp.response(200, InvitationSchema(many=True))
    @partners_blp.doc(security=SECURED)
    def get(self, slug: str) -> list[dict[str, Any]]:
        """List a partner's invitations (their URLs were shown once, when made)."""
        session = get_session()
        return [_invitation_body(i)
                for i in partner_invitations(session, get_partner(session, slug))]

    @ADMIN
    @partners_blp.arguments(InvitationCreateSchema)
    @partners_blp.response(201, NewInvitationSchema)
    @partners_blp.doc(security=SECURED)
    def post(self, data: dict[str, Any], slug: str) -> dict[str, Any]:
        """Make a one-time registration URL for the partner's LMS (its only showing)."""
        session = get_session()
        issued = create_invitation(session, get_partner(session, slug),
                                   base_url=current_app.config["BASE_URL"],
                                   expires_in=timedelta(days=data["expires_in_days"]))
        return _invitation_body(issued.invitation, issued.url)


# Platforms ------------------------------------------------------------------------------


@platforms_blp.route("")
class Platforms(MethodView):
    """Registrations of the tool in partners' LMSs."""

    @ADMIN
    @platforms_blp.response(200, RegistrationSchema(many=True))
    @platforms_blp.doc(security=SECURED)
    def get(self) -> list[Registration]:
        """List the registrations with their deployments."""
        return list_registrations(get_session())

    @ADMIN
    @platforms_blp.arguments(RegistrationCreateSchema)
    @platforms_blp.response(201, RegistrationSchema)
    @platforms_blp.doc(security=SECURED)
    def post(self, data: dict[str, Any]) -> Registration:
        """Register a platform by hand (issuer, client id, its URLs, deployment ids)."""
        session = get_session()
        return create_registration(session, get_partner(session, data.pop("partner")), data)


@platforms_blp.route("/<int:registration_id>")
class PlatformById(MethodView):
    """One registration."""

    @ADMIN
    @platforms_blp.response(200, RegistrationSchema)
    @platforms_blp.doc(security=SECURED)
    def get(self, registration_id: int) -> Registration:
        """Read a registration and its deployments."""
        return get_registration(get_session(), registration_id)


def _switch_registration(registration_id: int, active: bool) -> Registration:
    session = get_session()
    return set_registration_active(session, get_registration(session, registration_id),
                                   active)


@platforms_blp.route("/<int:registration_id>/activate")
class PlatformActivation(MethodView):
    """Switching a registration on."""

    @ADMIN
    @platforms_blp.response(200, RegistrationSchema)
    @platforms_blp.doc(security=SECURED)
    def post(self, registration_id: int) -> Registration:
        """Let the platform's launches in again."""
        return _switch_registration(registration_id, True)


@platforms_blp.route("/<int:registration_id>/deactivate")
class PlatformDeactivation(MethodView):
    """Switching a registration off."""

    @ADMIN
    @platforms_blp.response(200, RegistrationSchema)
    @platforms_blp.doc(security=SECURED)
    def post(self, registration_id: int) -> Registration:
        """Refuse every launch of the platform (its data stays)."""
        return _switch_registration(registration_id, False)


@platforms_blp.route("/<int:registration_id>/deployments")
class PlatformDeployments(MethodView):
    """Deployments of a registration."""

    @ADMIN
    @platforms_blp.arguments(DeploymentCreateSchema)
    @platforms_blp.response(201, DeploymentSchema)
    @platforms_blp.doc(security=SECURED)
    def post(self, data: dict[str, Any], registration_id: int) -> Deployment:
        """Add a deployment id (an existing one is reactivated)."""
        session = get_session()
        return add_deployment(session, get_registration(session, registration_id),
                              data["deployment_id"])


def _switch_deployment(registration_id: int, deployment_id: str, active: bool) -> Deployment:
    session = get_session()
    return set_deployment_active(session, get_registration(session, registration_id),
                                 deployment_id, active)


@platforms_blp.route("/<int:registration_id>/deployments/<path:deployment_id>/activate")
class DeploymentActivation(MethodView):
    """Switching a deployment on."""

    @ADMIN
    @platforms_blp.response(200, DeploymentSchema)
    @platforms_blp.doc(security=SECURED)
    def post(self, registration_id: int, deployment_id: str) -> Deployment:
        """Let the deployment's launches in again."""
        return _switch_deployment(registration_id, deployment_id, True)


@platforms_blp.route("/<int:registration_id>/deployments/<path:deployment_id>/deactivate")
class DeploymentDeactivation(MethodView):
    """Switching a deployment off."""

    @ADMIN
    @platforms_blp.response(200, DeploymentSchema)
    @platforms_blp.doc(security=SECURED)
    def post(self, registration_id: int, deployment_id: str) -> Deployment:
        """Refuse the deployment's launches."""
        return _switch_deployment(registration_id, deployment_id, False)


@platforms_blp.route("/outbox")
class PlatformsOutbox(MethodView):
    """Scores on their way to every registration's gradebook."""

    @ADMIN
    @platforms_blp.response(200, OutboxSchema(many=True))
    @platforms_blp.doc(security=SECURED)
    def get(self) -> list[RegistrationOutbox]:
        """Per registration: scores waiting, failing and failed, with the LMS's last answer."""
        return outbox_summary(get_session())


@platforms_blp.route("/<int:registration_id>/outbox")
class PlatformOutbox(MethodView):
    """Scores on their way to one registration's gradebook."""

    @ADMIN
    @platforms_blp.response(200, OutboxSchema)
    @platforms_blp.doc(security=SECURED)
    def get(self, registration_id: int) -> RegistrationOutbox:
        """Scores waiting, failing and failed, with the LMS's last answer."""
        session = get_session()
        get_registration(session, registration_id)
        [summary] = outbox_summary(session, registration_id)
        return summary


@platforms_blp.route("/<int:registration_id>/outbox/retry")
class PlatformOutboxRetry(MethodView):
    """Sending failed and failing scores again."""

    @ADMIN
    @platforms_blp.arguments(OutboxRetrySchema)
    @platforms_blp.response(200, OutboxRetriedSchema)
    @platforms_blp.doc(security=SECURED)
    def post(self, data: dict[str, Any], registration_id: int) -> dict[str, int]:
        """Make the registration's failed and failing scores (or those of ``ids``) due now."""
        session = get_session()
        get_registration(session, registration_id)
        return {"retried": retry_scores(session, utcnow(), registration_id=registration_id,
                                        ids=data["ids"])}
