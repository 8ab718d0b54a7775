from sqlalchemy.engine import Engine

from expresso_desktop.store.engine import read_session, write_session
from expresso_desktop.store.repositories import settings_repo
from expresso_desktop.store.tables import Setting


def test_missing_keys_give_the_default(engine: Engine) -> None:
    with read_session(engine) as session:
        assert settings_repo.get("reminder_minutes", 10, session=session) == 10
        assert settings_repo.get("sponsor_line", session=session) is None


def test_put_then_get_round_trips_json(engine: Engine) -> None:
    milk_colours = {"oat": "#d8c3a5", "soy": "#f2e8cf"}
    with write_session(engine) as session:
        settings_repo.put("milk_colours", milk_colours, session=session)
        settings_repo.put("reminder_minutes", 8, session=session)
        settings_repo.put("vip_codes", [], session=session)
    with write_session(engine) as session:
        settings_repo.put("reminder_minutes", 12, session=session)
    with read_session(engine) as session:
        assert settings_repo.get("milk_colours", session=session) == milk_colours
        assert settings_repo.get("reminder_minutes", session=session) == 12
        assert settings_repo.get_all(session=session) == {
            "milk_colours": milk_colours,
            "reminder_minutes": 12,
            "vip_codes": [],
        }


def test_delete_leaves_a_tombstone_and_put_revives_it(engine: Engine) -> None:
    with write_session(engine) as session:
        settings_repo.put("sponsor_line", "Coffee by Acme", session=session)
    with write_session(engine) as session:
        assert settings_repo.delete("sponsor_line", session=session) is not None
        assert settings_repo.delete("never_set", session=session) is None
    with read_session(engine) as session:
        assert settings_repo.get("sponsor_line", "none", session=session) == "none"
        assert settings_repo.get_all(session=session) == {}
        row = session.get(Setting, "sponsor_line")
        assert row is not None and row.deleted  # kept, so stations hear about the delete
    with write_session(engine) as session:
        settings_repo.put("sponsor_line", "Coffee by Beta", session=session)
    with read_session(engine) as session:
        assert settings_repo.get("sponsor_line", session=session) == "Coffee by Beta"
