"""The packages and tracks API: ``/api/v1/packages`` and ``/api/v1/tracks``."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from curriculum.accounts.auth import current_user, is_editor, require_role
from curriculum.accounts.models import Role
from curriculum.api import SECURED, page_body, page_schema
from curriculum.db import get_session
from curriculum.errors import BadRequest, Conflict
from curriculum.etags import check_if_match, etag_for
from packages import reading, services, tracks
from packages.schemas import (
    DiffSchema,
    PackageDetailSchema,
    PackageInputSchema,
    PackageQueryArgsSchema,
    PackageReadArgsSchema,
    PackageSummarySchema,
    PublishInputSchema,
    TrackInputSchema,
    TrackSchema,
    VersionSchema,
    VersionSummarySchema,
)

packages_blp = Blueprint("packages", __name__,
                         description="Joint training packages and their published versions")
tracks_blp = Blueprint("tracks", __name__, description="The standing curriculum's tracks")

EDITOR = require_role(Role.EDITOR)
PUBLISHER = require_role(Role.PUBLISHER)


def _draft_response(slug: str, status: int = 200) -> Any:
    body = reading.read_package(get_session(), slug, view="draft")
    return body, status, {"ETag": etag_for(body["revision"])}


def _published_package(slug: str) -> Any:
    """A package whose versions the caller may read (drafts' versions do not exist)."""
    return services.get_package(get_session(), slug, published_only=not is_editor())


@packages_blp.route("")
class Packages(MethodView):
    """Joint training packages."""

    @packages_blp.arguments(PackageQueryArgsSchema, location="query")
    @packages_blp.response(200, page_schema(PackageSummarySchema, "PackagePageSchema"))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List packages (published ones; editors may ask for drafts too)."""
        return page_body(reading.list_packages(get_session(), drafts_visible=is_editor(),
                                               **args))

    @EDITOR
    @packages_blp.arguments(PackageInputSchema)
    @packages_blp.response(201, PackageDetailSchema)
    @packages_blp.doc(security=SECURED)
    def post(self, data: dict[str, Any]) -> Any:
        """Assemble a new draft package from existing modules."""
        package = services.create_package(get_session(), data)
        return _draft_response(package.slug, 201)


@packages_blp.route("/<slug>")
class PackageById(MethodView):
    """One package."""

    @packages_blp.arguments(PackageReadArgsSchema, location="query")
    @packages_blp.response(200, PackageDetailSchema)
    def get(self, args: dict[str, Any], slug: str) -> Any:
        """Read a package: editors get the draft, others the newest published version."""
        view = args.get("view") or ("draft" if is_editor() else "published")
        if view == "draft" and not is_editor():
            view = "published"
        if view == "draft":
            return _draft_response(slug)
        return reading.read_package(get_session(), slug, view="published")

    @EDITOR
    @packages_blp.arguments(PackageInputSchema(partial=True))
    @packages_blp.response(200, PackageDetailSchema)
    @packages_blp.doc(security=SECURED)
    def patch(self, data: dict[str, Any], slug: str) -> Any:
        """Change the draft (send ``If-Match`` to detect concurrent edits)."""
        session = get_session()
        package = services.get_package(session, slug)
        check_if_match(package.revision)
        if "slug" in data and data["slug"] != slug:
            raise BadRequest("A package's slug never changes; leave it out.")
        services.update_package(session, package, data)
        return _draft_response(slug)

    @EDITOR
    @packages_blp.response(204)
    @packages_blp.doc(security=SECURED)
    def delete(self, slug: str) -> None:
        """Delete a draft that was never published (published packages stay)."""
        session = get_session()
        package = services.get_package(session, slug)
        if package.is_published:
            raise Conflict("A published package cannot be deleted: its versions are "
                           "permanent and LMS links may point at them.")
        session.delete(package)
        session.flush()


@packages_blp.route("/<slug>/publish")
class PackagePublication(MethodView):
    """Publishing a version."""

    @PUBLISHER
    @packages_blp.arguments(PublishInputSchema)
    @packages_blp.response(201, VersionSchema)
    @packages_blp.doc(security=SECURED)
    def post(self, data: dict[str, Any], slug: str) -> Any:
        """Publish the draft as the next immutable version, with a change note."""
        session = get_session()
        package = services.get_package(session, slug)
        check_if_match(package.revision)
        return services.publish_package(session, package, data["change_note"], current_user())


@packages_blp.route("/<slug>/changes")
class PackageChanges(MethodView):
    """What publishing now would change."""

    @EDITOR
    @packages_blp.response(200, DiffSchema)
    @packages_blp.doc(security=SECURED)
    def get(self, slug: str) -> Any:
        """The difference between the newest version and the draft."""
        session = get_session()
        return services.unpublished_changes(session, services.get_package(session, slug))


@packages_blp.route("/<slug>/versions")
class PackageVersions(MethodView):
    """The published versions of a package."""

    @packages_blp.response(200, VersionSummarySchema(many=True))
    def get(self, slug: str) -> Any:
        """List the versions, newest first."""
        return services.list_versions(get_session(), _published_package(slug))


@packages_blp.route("/<slug>/versions/<int:number>")
class PackageVersionById(MethodView):
    """One published version; it never changes."""

    @packages_blp.response(200, VersionSchema)
    def get(self, slug: str, number: int) -> Any:
        """Read a version and its frozen content."""
        return services.get_version(get_session(), _published_package(slug), number)


@packages_blp.route("/<slug>/versions/<int:old>/diff/<int:new>")
class PackageVersionDiff(MethodView):
    """The difference between two versions."""

    @packages_blp.response(200, DiffSchema)
    def get(self, slug: str, old: int, new: int) -> Any:
        """What changed from version ``old`` to version ``new``."""
        return services.version_diff(get_session(), _published_package(slug), old, new)


@tracks_blp.route("")
class Tracks(MethodView):
    """The tracks of the standing curriculum."""

    @tracks_blp.response(200, TrackSchema(many=True))
    def get(self) -> Any:
        """The whole curriculum: every track with its packages."""
        return reading.read_tracks(get_session())

    @EDITOR
    @tracks_blp.arguments(TrackInputSchema)
    @tracks_blp.response(201, TrackSchema)
    @tracks_blp.doc(security=SECURED)
    def post(self, data: dict[str, Any]) -> Any:
        """Add a track of published packages."""
        session = get_session()
        return reading.read_tracks(session, [tracks.create_track(session, data)])[0]


@tracks_blp.route("/<slug>")
class TrackById(MethodView):
    """One track."""

    @tracks_blp.response(200, TrackSchema)
    def get(self, slug: str) -> Any:
        """Read a track."""
        session = get_session()
        return reading.read_tracks(session, [tracks.get_track(session, slug)])[0]

    @EDITOR
    @tracks_blp.arguments(TrackInputSchema(partial=True))
    @tracks_blp.response(200, TrackSchema)
    @tracks_blp.doc(security=SECURED)
    def patch(self, data: dict[str, Any], slug: str) -> Any:
        """Change a track or the order of its packages."""
        session = get_session()
        track = tracks.update_track(session, tracks.get_track(session, slug), data)
        return reading.read_tracks(session, [track])[0]

    @EDITOR
    @tracks_blp.response(204)
    @tracks_blp.doc(security=SECURED)
    def delete(self, slug: str) -> None:
        """Remove a track from the curriculum (its packages stay)."""
        session = get_session()
        tracks.delete_track(session, tracks.get_track(session, slug))
