"""Where the tests find the checkout and ``../shared`` beside it (independent of test depth)."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
