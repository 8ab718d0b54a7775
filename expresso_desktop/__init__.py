"""Expresso: SMS coffee ordering for events."""

__version__ = "0.1.0"
