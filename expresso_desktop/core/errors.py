"""Domain errors: a refused action carries a machine-readable code and a human reason."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule refused an action. ``code`` is stable (used by the API and sync log)."""

    code = "domain_error"

    def __init__(self, reason: str, *, code: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        if code is not None:
            self.code = code


class IllegalTransition(DomainError):
    code = "illegal_transition"


class ValidationError(DomainError):
    """Input that breaks a rule; ``field`` names the offending field when there is one."""

    code = "invalid"

    def __init__(self, reason: str, *, field: str | None = None) -> None:
        super().__init__(reason)
        self.field = field
