"""Application-level errors: the environment's (say what to do) versus bugs (crash handler)."""

from __future__ import annotations


class KnownError(Exception):
    """A problem of the environment or the user's input that we can explain: port in use,
    unreadable database, organiser unreachable. The CLI prints it without a traceback."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n{self.hint}" if self.hint else self.message
