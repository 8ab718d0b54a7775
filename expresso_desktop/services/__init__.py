"""Application services: the only way the UI and the servers change or read event data."""
