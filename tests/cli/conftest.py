"""The station command line runs against the sync tests' organiser and station fixtures."""

from tests.sync.conftest import lan, listener, org, station

__all__ = ["lan", "listener", "org", "station"]
