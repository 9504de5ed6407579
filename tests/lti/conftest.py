"""LTI fixtures: the platform simulator (one server per session) and a Moodle and a Canvas on it.

``moodle`` and ``canvas`` are fresh platforms per test (new client id, empty gradebook, no
queued failures) that reuse the session's RSA keys. Tell them where the tool lives with
``platform.configure_tool(jwks_url=..., login_url=..., redirect_uris=[...])``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.lti.simulator import CanvasPlatform, MoodlePlatform, Simulator, signing_key
from tests.lti.simulator.stand_in import StandInTool


@pytest.fixture(scope="session")
def simulator() -> Iterator[Simulator]:
    """The simulator's HTTP server on 127.0.0.1, for the whole session."""
    with Simulator() as running:
        yield running


@pytest.fixture
def moodle(simulator: Simulator) -> Iterator[MoodlePlatform]:
    """A Moodle 4.5 site at ``<simulator>/moodle``."""
    platform = simulator.add_platform("moodle")
    yield platform
    simulator.remove_platform(platform)


@pytest.fixture
def canvas(simulator: Simulator) -> Iterator[CanvasPlatform]:
    """A hosted Canvas (issuer https://canvas.instructure.com) at ``<simulator>/canvas``."""
    platform = simulator.add_platform("canvas")
    yield platform
    simulator.remove_platform(platform)


@pytest.fixture(scope="session")
def stand_in_tool(simulator: Simulator) -> StandInTool:
    """A fake tool whose key set the simulator itself serves (for testing the simulator)."""
    key = signing_key("stand-in-tool")
    return StandInTool(key=key, jwks_url=simulator.host_jwks([key], name="stand-in-tool"))
