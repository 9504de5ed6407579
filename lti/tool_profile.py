"""What the tool says about itself to platforms: its name, the services and personal data it
asks for, and the messages it handles (shared by Dynamic Registration and Canvas's JSON)."""

from __future__ import annotations

from urllib.parse import urlsplit

TOOL_NAME = "GMG standing curriculum"
TOOL_DESCRIPTION = ("Joint migration training packages of the UN agencies of the Global "
                    "Migration Group: place packages and modules in a course, follow learners' "
                    "completions, and send them to the gradebook.")
#: Correlates this tool's registrations across Canvas accounts.
TOOL_ID = "gmg-standing-curriculum"
DEEP_LINKING_LABEL = "Add from the GMG curriculum"
TRAINER_VIEW_LABEL = "GMG curriculum (trainers)"

AGS_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/"
#: Assignment and Grade Services: line items, results and scores (AGS 2.0 section 3).
AGS_SCOPES = (AGS_SCOPE + "lineitem", AGS_SCOPE + "lineitem.readonly",
              AGS_SCOPE + "result.readonly", AGS_SCOPE + "score")
#: Names and Role Provisioning Services: course rosters (NRPS 2.0 section 2).
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
TOOL_SCOPES = (*AGS_SCOPES, NRPS_SCOPE)

#: The OIDC claims the tool would like in launches (names and email when privacy allows).
CLAIMS = ("iss", "sub", "name", "given_name", "family_name", "email", "locale")

#: Canvas placements: Deep Linking where trainers add content, the trainer view in courses.
CANVAS_DEEP_LINKING_PLACEMENTS = ("link_selection", "assignment_selection")
CANVAS_RESOURCE_LINK_PLACEMENTS = ("course_navigation",)
#: The Dynamic Registration specification's name for "where content is added".
GENERIC_DEEP_LINKING_PLACEMENTS = ("ContentArea",)


def tool_domain(base_url: str) -> str:
    """The host (and port) the tool is served from, as platforms match launch URLs."""
    return urlsplit(base_url).netloc
