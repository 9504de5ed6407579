"""Recording what a validated launch names: the user, the course, the placed link and what it
opens, the roles, and a launch session for the pages that follow.

Every write happens in the launch's one transaction: a launch that fails later records
nothing. Each row is written by one upsert (``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``),
so two first launches at once both succeed, and a launch costs a fixed number of statements.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from curriculum.db import upsert, utcnow
from lti import claims as c
from lti.claims import ValidatedLaunch, is_instructor
from lti.errors import bad_request
from lti.models import (
    LaunchSession,
    LmsContext,
    LmsUser,
    Membership,
    ResourceLink,
    ResourceLinkUser,
)
from packages.models import Package

LAUNCH_SESSION_LIFETIME = timedelta(hours=8)


def _text(value: Any, limit: int) -> str | None:
    return str(value)[:limit] if isinstance(value, (str, int)) and str(value) else None


def _web_url(value: Any) -> str | None:
    """An http(s) URL, or nothing (a page never links to a javascript: URL it was sent)."""
    url = _text(value, 2000)
    return url if url and url.lower().startswith(("https://", "http://")) else None


def record_user(session: Session, launch: ValidatedLaunch) -> LmsUser:
    """The launching user; names, email and locale are kept only when the platform sends them."""
    values: dict[str, Any] = {"last_launch_at": utcnow()}
    for field, limit in (("name", 300), ("given_name", 200), ("family_name", 200),
                         ("email", 320), ("locale", 20)):
        value = _text(launch.claims.get(field), limit)
        if value:
            values[field] = value
    return upsert(session, LmsUser, {"registration_id": launch.registration_id,
                                     "sub": str(launch.claims["sub"])[:255]}, values)


def record_context(session: Session, launch: ValidatedLaunch) -> LmsContext | None:
    """The course, with its roster and gradebook service URLs."""
    context_id = _text(launch.context.get("id"), 255)
    if not context_id:
        return None
    types = launch.context.get("type")
    values: dict[str, Any] = {
        "label": _text(launch.context.get("label"), 300),
        "title": _text(launch.context.get("title"), 500),
        "types": [str(t)[:200] for t in types][:10] if isinstance(types, list) else [],
    }
    nrps = launch.claim(c.NRPS)
    if isinstance(nrps, dict) and nrps.get("context_memberships_url"):
        values["memberships_url"] = _text(nrps["context_memberships_url"], 2000)
    ags = launch.claim(c.AGS_ENDPOINT)
    if isinstance(ags, dict) and ags.get("lineitems"):
        values["lineitems_url"] = _text(ags["lineitems"], 2000)
    return upsert(session, LmsContext, {"registration_id": launch.registration_id,
                                        "context_id": context_id},
                  {**values, "deployment_id": launch.deployment_pk}, values)


def content_binding(custom: dict[str, Any]) -> dict[str, Any]:
    """The columns that point a placed link at the package (module, version) its custom
    parameters name, for the link's upsert; none when the launch names no package (a
    course-level placement, or a link bound before keeps its content).

    The package is looked up by a subquery in the same statement; it comes out ``NULL`` when
    no published package has that slug and version (see :func:`check_binding`). Versions are
    numbered from 1 and never deleted, so a version exists when it is at most the newest.
    """
    slug = custom.get("package")
    if not slug:
        return {}
    version = _pinned_version(custom.get("version"))
    published = [Package.slug == str(slug), Package.latest_version_number.is_not(None)]
    if version is not None:
        published.append(Package.latest_version_number >= version)
    return {"package_id": select(Package.id).where(*published).scalar_subquery(),
            "version_number": version, "module_slug": _text(custom.get("module"), 120)}


def check_binding(session: Session, link: ResourceLink, custom: dict[str, Any]) -> None:
    """A link whose custom parameters name a package found it; else say which part is wrong."""
    if not custom.get("package") or link.package_id is not None:
        return
    slug = str(custom["package"])
    package = session.scalar(select(Package).where(Package.slug == slug))
    if package is None or not package.is_published:
        raise bad_request("unknown_package", f"The package '{slug}' named by this link is not "
                          "published in the curriculum.", "Choose the content again with "
                          "Deep Linking.")
    raise bad_request("unknown_version", f"The package '{slug}' has no version "
                      f"{link.version_number}.", "Choose the content again with Deep Linking.")


def _pinned_version(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value))
    except ValueError:
        raise bad_request("bad_version", f"The custom parameter version={value!r} is not a "
                          "version number.", "Set version to a number, or remove it.") from None
    if number < 1:
        raise bad_request("bad_version", "Version numbers start at 1.", "Fix version.")
    return number


def record_resource_link(session: Session, launch: ValidatedLaunch,
                         context: LmsContext | None) -> ResourceLink:
    """The placed link and what it opens."""
    values: dict[str, Any] = {"context_id": context.id if context else None}
    title = _text(launch.resource_link.get("title"), 500)
    if title:
        values["title"] = title
    ags = launch.claim(c.AGS_ENDPOINT)
    if isinstance(ags, dict):
        if ags.get("lineitem"):
            values["lineitem_url"] = _text(ags["lineitem"], 2000)
        scopes = ags.get("scope")
        values["ags_scopes"] = ([str(scope)[:200] for scope in scopes][:10]
                                if isinstance(scopes, list) else [])
    key = {"registration_id": launch.registration_id,
           "resource_link_id": str(launch.resource_link["id"])[:255]}
    values.update(content_binding(launch.custom))
    link = upsert(session, ResourceLink, key,
                  {**values, "deployment_id": launch.deployment_pk}, values)
    check_binding(session, link, launch.custom)
    return link


def record_roles(session: Session, launch: ValidatedLaunch, user: LmsUser,
                 context: LmsContext | None, link: ResourceLink | None) -> None:
    """The user's roles in the course and on the link."""
    roles = [str(role)[:300] for role in launch.roles][:50]
    now = utcnow()
    if context is not None:
        upsert(session, Membership, {"context_id": context.id, "user_id": user.id},
               {"roles": roles, "updated_at": now})
    if link is not None:
        seen = {"roles": roles, "last_launch_at": now, "is_instructor": is_instructor(roles)}
        upsert(session, ResourceLinkUser, {"resource_link_id": link.id, "user_id": user.id},
               {**seen, "first_launch_at": now, "launch_count": 1},
               {**seen, "launch_count": ResourceLinkUser.launch_count + 1})


def record_launch(session: Session, launch: ValidatedLaunch) -> LaunchSession:
    """Record everything a validated launch names; returns its launch session."""
    user = record_user(session, launch)
    context = record_context(session, launch)
    session.flush()
    link = None
    if launch.message_type == c.RESOURCE_LINK_REQUEST:
        link = record_resource_link(session, launch, context)
        session.flush()
    record_roles(session, launch, user, context, link)
    presentation = launch.presentation
    ags = launch.claim(c.AGS_ENDPOINT)
    launch_session = LaunchSession(
        id=secrets.token_urlsafe(32), registration_id=launch.registration_id,
        deployment_id=launch.deployment_pk, user_id=user.id,
        context_id=context.id if context else None, resource_link_id=link.id if link else None,
        message_type=launch.message_type, roles=[str(r)[:300] for r in launch.roles][:50],
        is_instructor=is_instructor(launch.roles),
        locale=_text(presentation.get("locale") or launch.claims.get("locale"), 20),
        document_target=_text(presentation.get("document_target"), 20),
        return_url=_web_url(presentation.get("return_url")),
        custom={str(k)[:100]: str(v)[:1000] for k, v in list(launch.custom.items())[:50]},
        deep_linking_settings=launch.deep_linking_settings or None,
        ags_endpoint=ags if isinstance(ags, dict) else None,
        expires_at=utcnow() + LAUNCH_SESSION_LIFETIME)
    session.add(launch_session)
    session.flush()
    return launch_session


def get_launch_session(session: Session, launch_id: str) -> LaunchSession:
    """A launch session that has not expired, or a clear rejection."""
    # The placed link and its package come in the same query: every page after a launch
    # needs them.
    found = session.get(LaunchSession, launch_id, options=[
        joinedload(LaunchSession.resource_link).joinedload(ResourceLink.package)],
    ) if launch_id else None
    if found is None or found.expires_at < utcnow():
        raise bad_request("launch_expired", "This launch is unknown or has expired.",
                          "Open the activity again from the course.")
    return found
