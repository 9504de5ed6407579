"""What happens to packages that other parts react to, without packages knowing them.

Receivers run in the sender's transaction: what they write (a job, an outbox row) is
committed with the change that caused it, or not at all.
"""

from __future__ import annotations

from blinker import Namespace

_events = Namespace()

#: ``version_published.send(session, version=version)``: a version was just published
#: (flushed, not yet committed).
version_published = _events.signal("version-published")

#: ``translations_changed.send(session, package_ids=[...], lang="fr")``: translations that
#: these packages' documents show (their own or their modules') were stored or removed.
translations_changed = _events.signal("translations-changed")
