"""Names and Role Provisioning Services 2.0: the course roster, paged."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from .claims import MEMBERSHIPS_MEDIA_TYPE, SCOPE_NRPS
from .responses import check_bearer, json_error, json_response, page_size, paginate

if TYPE_CHECKING:
    from .platform import Platform


def serve_memberships(platform: Platform, request: Request, **values: Any) -> Response:
    """GET the membership container (``role`` filters, ``limit``/``page`` page)."""
    refusal = (check_bearer(platform, request, (SCOPE_NRPS,))
               or platform.service_error(request, values))
    if refusal is not None:
        return refusal
    if values.get("course_id") != platform.course.id:
        return json_error(404, "no such course")
    if MEMBERSHIPS_MEDIA_TYPE not in request.headers.get("Accept", ""):
        return json_error(406, f"Accept must name {MEMBERSHIPS_MEDIA_TYPE}")
    members = [platform.nrps_member(user) for user in platform.course.members]
    role = request.args.get("role")
    if role:
        members = [member for member in members
                   if any(name == role or name.endswith(("#" + role, "/" + role))
                          for name in member["roles"])]
    size = page_size(request, platform.members_page_size, platform.members_page_cap)
    chunk, link = paginate(request, members, size, platform.flavour == "canvas")
    body = {"id": request.url, "context": platform.context_claim(), "members": chunk}
    return json_response(body, media_type=MEMBERSHIPS_MEDIA_TYPE,
                         headers={"Link": link} if link else {})
