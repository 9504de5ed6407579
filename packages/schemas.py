"""Marshmallow schemas of the packages and tracks API."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from curriculum.fields import Slug, Text, TextList
from packages.models import CompletionRule

# Input ----------------------------------------------------------------------------------


class CompletionRuleInputSchema(ma.Schema):
    """``{"kind": "all_required"}`` or ``{"kind": "at_least", "count": N}``."""

    kind = ma.fields.String(required=True,
                            validate=ma.validate.OneOf([r.value for r in CompletionRule]))
    count = ma.fields.Integer(allow_none=True, strict=True,
                              validate=ma.validate.Range(min=1, max=1000))

    @ma.validates_schema
    def _count_matches_kind(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data["kind"] == CompletionRule.AT_LEAST and not data.get("count"):
            raise ma.ValidationError("'at_least' needs a count of modules.", "count")
        if data["kind"] == CompletionRule.ALL_REQUIRED and data.get("count") is not None:
            raise ma.ValidationError("'all_required' takes no count.", "count")


class ItemInputSchema(ma.Schema):
    """A module placed in a section."""

    module = Slug(required=True, metadata={"description": "The module's slug"})
    required = ma.fields.Boolean(load_default=True)
    note = Text(max_length=2000, multiline=True, allow_none=True)


class SectionInputSchema(ma.Schema):
    """A section and its items, in order."""

    title = Text(required=True, max_length=300)
    description = Text(max_length=5000, multiline=True, allow_none=True)
    items = ma.fields.List(ma.fields.Nested(ItemInputSchema), load_default=list,
                           validate=ma.validate.Length(max=500))


class PackageInputSchema(ma.Schema):
    """A package as an editor assembles it; ``sections`` replaces the whole arrangement."""

    slug = Slug()
    title = Text(required=True, max_length=300)
    description = Text(max_length=20_000, multiline=True, allow_none=True)
    audience = Text(max_length=2000, multiline=True, allow_none=True)
    prerequisites = TextList(item_max=1000, max_items=30)
    learning_objectives = TextList(item_max=1000, max_items=50)
    agencies = TextList(item_max=300, max_items=20,
                        metadata={"description": "Co-convening agencies (codes or slugs)"})
    completion_rule = ma.fields.Nested(CompletionRuleInputSchema)
    sections = ma.fields.List(ma.fields.Nested(SectionInputSchema),
                              validate=ma.validate.Length(max=100))


class PublishInputSchema(ma.Schema):
    """What a publisher says about a new version."""

    change_note = Text(required=True, max_length=5000, multiline=True)


class PackageQueryArgsSchema(ma.Schema):
    """Filters of the package list."""

    q = Text(max_length=200, metadata={"description": "Words in the title"})
    module = Slug(metadata={"description": "Only packages that contain this module"})
    status = ma.fields.String(
        load_default="published", validate=ma.validate.OneOf(["published", "draft", "all"]),
        metadata={"description": "Drafts are listed for signed-in editors only"})
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100_000))
    page_size = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=100))


class PackageReadArgsSchema(ma.Schema):
    """Which state of a package to read."""

    view = ma.fields.String(
        validate=ma.validate.OneOf(["draft", "published"]),
        metadata={"description": "Editors read the draft by default, others the newest "
                                 "published version"})


class TrackInputSchema(ma.Schema):
    """A track of the curriculum and its packages in order."""

    slug = Slug()
    title = Text(required=True, max_length=300)
    description = Text(max_length=5000, multiline=True, allow_none=True)
    position = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=0, max=10_000))
    packages = ma.fields.List(Slug(), validate=ma.validate.Length(max=200))


# Output ---------------------------------------------------------------------------------


class AgencyRefSchema(ma.Schema):
    """An agency as a package names it."""

    slug = ma.fields.String()
    code = ma.fields.String()
    name = ma.fields.String()
    url = ma.fields.String(allow_none=True)


class ModuleContentSchema(ma.Schema):
    """A module's content as a package holds it."""

    slug = ma.fields.String()
    title = ma.fields.String()
    kind = ma.fields.String(allow_none=True)
    summary = ma.fields.String(allow_none=True)
    learning_objectives = ma.fields.List(ma.fields.String())
    owner_agency = ma.fields.Nested(AgencyRefSchema)
    partner_agencies = ma.fields.List(ma.fields.Nested(AgencyRefSchema))
    themes = ma.fields.List(ma.fields.Dict())
    audience = ma.fields.List(ma.fields.String())
    level = ma.fields.String(allow_none=True)
    languages = ma.fields.List(ma.fields.String())
    duration_minutes = ma.fields.Integer(allow_none=True)
    delivery_mode = ma.fields.String(allow_none=True)
    year_first_offered = ma.fields.Integer(allow_none=True)
    url = ma.fields.String(allow_none=True)
    content_html = ma.fields.String(allow_none=True)
    licence = ma.fields.String(allow_none=True)
    completed_when = ma.fields.String(load_default="marked", dump_default="marked")
    sources = ma.fields.List(ma.fields.String())
    retired = ma.fields.Boolean()


class ItemContentSchema(ma.Schema):
    """A module in a section."""

    required = ma.fields.Boolean()
    note = ma.fields.String(allow_none=True)
    module = ma.fields.Nested(ModuleContentSchema)


class SectionContentSchema(ma.Schema):
    """A section and its items."""

    title = ma.fields.String()
    description = ma.fields.String(allow_none=True)
    items = ma.fields.List(ma.fields.Nested(ItemContentSchema))


class CompletionRuleSchema(ma.Schema):
    """The completion rule."""

    kind = ma.fields.String()
    count = ma.fields.Integer(allow_none=True)


class DurationSchema(ma.Schema):
    """Durations computed from the modules (unknown durations are counted, not guessed)."""

    total_minutes = ma.fields.Integer()
    required_minutes = ma.fields.Integer()
    modules_without_duration = ma.fields.Integer()


class PackageContentSchema(ma.Schema):
    """A package's content: the working copy or a published version."""

    slug = ma.fields.String()
    title = ma.fields.String()
    description = ma.fields.String(allow_none=True)
    audience = ma.fields.String(allow_none=True)
    prerequisites = ma.fields.List(ma.fields.String())
    learning_objectives = ma.fields.List(ma.fields.String())
    co_convening_agencies = ma.fields.List(ma.fields.Nested(AgencyRefSchema))
    agencies_involved = ma.fields.List(ma.fields.Nested(AgencyRefSchema))
    completion_rule = ma.fields.Nested(CompletionRuleSchema)
    sections = ma.fields.List(ma.fields.Nested(SectionContentSchema))
    module_count = ma.fields.Integer()
    required_module_count = ma.fields.Integer()
    duration = ma.fields.Nested(DurationSchema)


class PackageDetailSchema(PackageContentSchema):
    """A package; the editing fields are filled for signed-in editors only."""

    view = ma.fields.String(metadata={"description": "'draft' or 'published'"})
    latest_version = ma.fields.Integer(allow_none=True)
    revision = ma.fields.Integer(allow_none=True)
    has_unpublished_changes = ma.fields.Boolean(allow_none=True)
    publish_problems = ma.fields.List(ma.fields.String(), allow_none=True)


class PackageSummarySchema(ma.Schema):
    """A package in a list."""

    slug = ma.fields.String()
    title = ma.fields.String()
    description = ma.fields.String(allow_none=True)
    latest_version = ma.fields.Integer(allow_none=True)
    co_convening_agencies = ma.fields.List(ma.fields.Nested(AgencyRefSchema))
    module_count = ma.fields.Integer()
    duration = ma.fields.Nested(DurationSchema)


class VersionSummarySchema(ma.Schema):
    """A published version, without its content."""

    number = ma.fields.Integer()
    change_note = ma.fields.String()
    published_at = ma.fields.DateTime()
    published_by = ma.fields.Function(
        lambda v: (v.published_by.name or v.published_by.email) if v.published_by else None)
    content_hash = ma.fields.String()


class VersionSchema(VersionSummarySchema):
    """A published version and its frozen content."""

    package = ma.fields.Nested(PackageContentSchema, attribute="snapshot")


class DiffSchema(ma.Schema):
    """The difference between two states of a package."""

    from_ = ma.fields.Raw(data_key="from", attribute="from")
    to = ma.fields.Raw()
    fields = ma.fields.List(  # type: ignore[assignment]  # a field named "fields"
        ma.fields.Dict(), metadata={"description": "Package fields changed"})
    sections = ma.fields.Dict(metadata={"description": "Sections added, removed, reordered"})
    modules = ma.fields.Dict(metadata={"description": "Modules added, removed, moved, "
                                                      "re-flagged or changed in content"})
    is_empty = ma.fields.Boolean()


class TrackSchema(ma.Schema):
    """A track of the curriculum with its published packages."""

    slug = ma.fields.String()
    title = ma.fields.String()
    description = ma.fields.String(allow_none=True)
    position = ma.fields.Integer()
    packages = ma.fields.List(ma.fields.Nested(PackageSummarySchema))
