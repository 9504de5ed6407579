"""The controlled values of module fields."""

from __future__ import annotations

from datetime import date

LEVELS = ("introductory", "intermediate", "advanced")
DELIVERY_MODES = (
    "self-paced e-learning",
    "instructor-led online",
    "blended",
    "face-to-face",
    "toolkit",
)
CONFIDENCE = ("high", "medium", "low")
#: How a learner completes a module: by marking it complete, or by opening it.
COMPLETED_WHEN = ("marked", "opened")
EARLIEST_YEAR = 1945


def latest_year() -> int:
    """The latest plausible year a module was first offered (next year's announced courses)."""
    return date.today().year + 1
