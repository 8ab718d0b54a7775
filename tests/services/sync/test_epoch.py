"""The epoch names this database's history: made once, then the same."""

from __future__ import annotations

import uuid

from expresso_desktop.services.organiser import OrganiserServices
from expresso_desktop.services.sync.epoch import get_or_create_epoch


def test_the_epoch_is_created_once(organiser: OrganiserServices) -> None:
    epoch = get_or_create_epoch(organiser.engine)
    assert uuid.UUID(epoch) and get_or_create_epoch(organiser.engine) == epoch
