"""Expired login states (and with them their nonces) are deleted now and then, live ones never."""

from datetime import timedelta

from sqlalchemy import select

from curriculum.db import utcnow
from lti.login import forget_expired
from lti.models import OidcState
from tests.lti.tool import register


def test_expired_states_are_forgotten_and_live_ones_kept(session, moodle):
    registration = register(session, moodle)
    now = utcnow()
    for name, expires in (("old", now - timedelta(minutes=1)), ("live", now + timedelta(hours=1))):
        session.add(OidcState(state=name, nonce=name, registration_id=registration.id,
                              expires_at=expires))
    session.flush()
    forget_expired(session, now)
    assert session.scalars(select(OidcState.state)).all() == ["live"]
