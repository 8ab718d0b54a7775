from typing import Any

from sqlmodel import Session


def scalar(session: Session, sql: str) -> Any:
    """The first column of the first row of raw SQL, run inside the session's transaction."""
    return session.connection().exec_driver_sql(sql).scalar()
