"""Marshmallow schemas of the inventory API: what comes in is validated, what goes out is typed."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from curriculum.fields import HttpUrl, LanguageCode, Slug, Text, TextList
from curriculum.inventory.models import AGENCY_SLUG_LENGTH, ModuleKind
from curriculum.inventory.vocabulary import (
    COMPLETED_WHEN,
    CONFIDENCE,
    DELIVERY_MODES,
    EARLIEST_YEAR,
    LEVELS,
    latest_year,
)


class AgencySchema(ma.Schema):
    """An agency."""

    slug = ma.fields.String(dump_only=True)
    code = ma.fields.String()
    name = ma.fields.String()
    url = ma.fields.String(allow_none=True)
    is_gmg_member = ma.fields.Boolean()


class AgencyCreateSchema(ma.Schema):
    """A new agency."""

    code = Text(required=True, max_length=80)
    slug = Slug(max_length=AGENCY_SLUG_LENGTH)
    name = Text(required=True, max_length=300)
    url = HttpUrl(allow_none=True)
    is_gmg_member = ma.fields.Boolean(load_default=False)


class AgencyUpdateSchema(ma.Schema):
    """Changes to an agency (its code and slug are stable)."""

    name = Text(max_length=300)
    url = HttpUrl(allow_none=True)
    is_gmg_member = ma.fields.Boolean()


class ThemeSchema(ma.Schema):
    """A theme."""

    slug = ma.fields.String(dump_only=True)
    name = ma.fields.String()
    description = ma.fields.String(allow_none=True)


class ThemeCreateSchema(ma.Schema):
    """A new theme."""

    name = Text(required=True, max_length=200)
    slug = Slug()
    description = Text(max_length=5000, multiline=True, allow_none=True)


class ThemeUpdateSchema(ma.Schema):
    """Changes to a theme."""

    name = Text(max_length=200)
    description = Text(max_length=5000, multiline=True, allow_none=True)


class ListQueryArgsSchema(ma.Schema):
    """Paging for the short lists (agencies, themes)."""

    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100_000))
    page_size = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=100))


class ModuleInputSchema(ma.Schema):
    """A module as an editor writes it; unknown facts may be left out or null."""

    slug = Slug()
    title = Text(required=True, max_length=300)
    kind = ma.fields.String(allow_none=True,
                            validate=ma.validate.OneOf([k.value for k in ModuleKind]))
    summary = Text(max_length=10_000, multiline=True, allow_none=True)
    learning_objectives = TextList(item_max=1000, max_items=50)
    owner_agency = Text(required=True, max_length=300,
                        metadata={"description": "Agency code, slug or name"})
    partner_agencies = TextList(item_max=300, max_items=40)
    themes = TextList(item_max=200, max_items=40,
                      metadata={"description": "Theme names or slugs; new names become themes"})
    audience = TextList(item_max=200, max_items=60)
    level = ma.fields.String(allow_none=True, validate=ma.validate.OneOf(LEVELS))
    languages = ma.fields.List(LanguageCode(), validate=ma.validate.Length(max=30))
    duration_minutes = ma.fields.Integer(
        allow_none=True, strict=True, validate=ma.validate.Range(min=1, max=100_000))
    delivery_mode = ma.fields.String(allow_none=True, validate=ma.validate.OneOf(DELIVERY_MODES))
    year_first_offered = ma.fields.Integer(allow_none=True, strict=True)
    url = HttpUrl(allow_none=True)
    content_html = Text(max_length=500_000, multiline=True, allow_none=True,
                        metadata={"description": "HTML; sanitised before it is stored"})
    licence = Text(max_length=300, allow_none=True)
    completed_when = ma.fields.String(
        allow_none=True, validate=ma.validate.OneOf(COMPLETED_WHEN),
        metadata={"description": "How a learner completes it: 'marked' (the default: they "
                                 "mark it complete) or 'opened' (opening it is enough)"})
    sources = TextList(item_max=2000, max_items=40)
    source_confidence = ma.fields.String(allow_none=True, validate=ma.validate.OneOf(CONFIDENCE))

    @ma.validates("year_first_offered")
    def _year_is_plausible(self, value: int | None, **_kwargs: Any) -> None:
        if value is not None and not EARLIEST_YEAR <= value <= latest_year():
            raise ma.ValidationError(f"Must be a year from {EARLIEST_YEAR} to {latest_year()}.")


class ThemeRefSchema(ma.Schema):
    """A theme as a module names it."""

    slug = ma.fields.String()
    name = ma.fields.String()


class ModuleSchema(ma.Schema):
    """A module of the inventory."""

    slug = ma.fields.String()
    title = ma.fields.String()
    kind = ma.fields.Function(lambda m: m.kind.value if m.kind else None)
    summary = ma.fields.String(allow_none=True)
    learning_objectives = ma.fields.List(ma.fields.String())
    owner_agency = ma.fields.Nested(AgencySchema)
    partner_agencies = ma.fields.List(ma.fields.Nested(AgencySchema))
    themes = ma.fields.List(ma.fields.Nested(ThemeRefSchema))
    audience = ma.fields.List(ma.fields.String())
    level = ma.fields.String(allow_none=True)
    languages = ma.fields.List(ma.fields.String())
    duration_minutes = ma.fields.Integer(allow_none=True)
    delivery_mode = ma.fields.String(allow_none=True)
    year_first_offered = ma.fields.Integer(allow_none=True)
    url = ma.fields.String(allow_none=True, metadata={"description": "The offering's own page"})
    is_hosted = ma.fields.Boolean(metadata={"description": "Whether the content is hosted here"})
    licence = ma.fields.String(allow_none=True)
    completed_when = ma.fields.String()
    sources = ma.fields.List(ma.fields.String())
    source_confidence = ma.fields.String(allow_none=True)
    status = ma.fields.Function(lambda m: m.status.value)
    retired_at = ma.fields.DateTime(allow_none=True)
    revision = ma.fields.Integer()
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class ModuleDetailSchema(ModuleSchema):
    """A module with its hosted content."""

    content_html = ma.fields.String(allow_none=True)


class ModuleQueryArgsSchema(ma.Schema):
    """Search and filters of the module list."""

    q = Text(max_length=200, allow_none=True,
             metadata={"description": "Words that must all appear in the title, summary or "
                                      "objectives"})
    agency = Text(max_length=300, metadata={"description": "Owner or partner agency code/slug"})
    owner = Text(max_length=300, metadata={"description": "Owner agency code/slug"})
    theme = Text(max_length=200, metadata={"description": "Theme slug"})
    language = LanguageCode()
    level = ma.fields.String(validate=ma.validate.OneOf(LEVELS))
    audience = Text(max_length=200)
    mode = ma.fields.String(validate=ma.validate.OneOf(DELIVERY_MODES))
    kind = ma.fields.String(validate=ma.validate.OneOf([k.value for k in ModuleKind]))
    min_duration = ma.fields.Integer(validate=ma.validate.Range(min=0, max=100_000),
                                     metadata={"description": "Minutes"})
    max_duration = ma.fields.Integer(validate=ma.validate.Range(min=0, max=100_000),
                                     metadata={"description": "Minutes"})
    status = ma.fields.String(load_default="active",
                              validate=ma.validate.OneOf(["active", "retired", "all"]))
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100_000))
    page_size = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=100))

    @ma.validates_schema
    def _duration_range(self, data: dict[str, Any], **_kwargs: Any) -> None:
        low, high = data.get("min_duration"), data.get("max_duration")
        if low is not None and high is not None and low > high:
            raise ma.ValidationError("Must not be above max_duration.", "min_duration")


class ModuleUsageSchema(ma.Schema):
    """A package that uses a module."""

    slug = ma.fields.String()
    title = ma.fields.String()
    latest_version = ma.fields.Integer(allow_none=True)


class ImportArgsSchema(ma.Schema):
    """How an import runs."""

    dry_run = ma.fields.Boolean(load_default=False,
                                metadata={"description": "Check every row, write nothing"})
    skip_invalid = ma.fields.Boolean(load_default=False,
                                     metadata={"description": "Write the valid rows anyway"})
    format = ma.fields.String(validate=ma.validate.OneOf(["csv", "json"]),
                              metadata={"description": "Defaults to the content type"})


class ImportProblemSchema(ma.Schema):
    """One problem of one row."""

    line = ma.fields.Integer(allow_none=True)
    record = ma.fields.Integer(allow_none=True)
    field = ma.fields.String(allow_none=True)
    message = ma.fields.String()


class ImportReportSchema(ma.Schema):
    """What an import found and did."""

    format = ma.fields.String()
    rows = ma.fields.Integer()
    valid = ma.fields.Integer()
    created = ma.fields.Integer()
    updated = ma.fields.Integer()
    unchanged = ma.fields.Integer()
    skipped = ma.fields.Integer()
    written = ma.fields.Boolean()
    errors = ma.fields.List(ma.fields.Nested(ImportProblemSchema))
    warnings = ma.fields.List(ma.fields.String())
