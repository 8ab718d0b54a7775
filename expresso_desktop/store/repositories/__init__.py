"""Small query functions over the tables; each takes the session keyword-only.

They neither commit nor emit sync changes: the caller's transaction (``write_session``) does the
first, the service layer the second.
"""
