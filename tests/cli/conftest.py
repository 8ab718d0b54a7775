"""The station command line runs against the sync tests' organiser and station fixtures."""

from tests.sync.conftest import org, station

__all__ = ["org", "station"]
