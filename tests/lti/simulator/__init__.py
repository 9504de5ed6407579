"""An LMS simulator for testing the tool over real HTTP: Moodle 4.5 and Canvas, as LTI.md says.

``Simulator`` serves ``MoodlePlatform``/``CanvasPlatform`` objects on a loopback port. Each
platform signs launches with its own RSA keys, runs the OIDC login, and serves its JWKS, token
endpoint, AGS, NRPS and Dynamic Registration, with failures to inject on demand::

    moodle.configure_tool(jwks_url=..., login_url=..., redirect_uris=[launch_url])
    login = moodle.login_initiation_params(moodle.resource_link_launch(role="instructor"))
    answer = client.post("/lti/login", data=login)              # the tool redirects...
    fields = moodle.complete_oidc(answer.headers["Location"])   # ...id_token + state back
    client.post("/lti/launch", data=fields)
"""

from .canvas import CANVAS_ISSUER, CanvasPlatform
from .deep_linking import DeepLinkingError, DeepLinkingResult
from .failures import Failure
from .forms import parse_auto_form
from .jose import JoseError, client_assertion, corrupt_signature
from .keys import SigningKey, key_set, signing_key
from .messages import FormPost, Message
from .model import Grade, LineItem, ScoreRecord, User
from .moodle import MoodlePlatform
from .oidc import OidcError
from .platform import Platform
from .server import Simulator

__all__ = [
    "CANVAS_ISSUER",
    "CanvasPlatform",
    "DeepLinkingError",
    "DeepLinkingResult",
    "Failure",
    "FormPost",
    "Grade",
    "JoseError",
    "LineItem",
    "Message",
    "MoodlePlatform",
    "OidcError",
    "Platform",
    "ScoreRecord",
    "SigningKey",
    "Simulator",
    "User",
    "client_assertion",
    "corrupt_signature",
    "key_set",
    "parse_auto_form",
    "signing_key",
]
