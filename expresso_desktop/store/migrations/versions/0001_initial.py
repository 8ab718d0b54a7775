"""Initial schema: the event, stations, stock, orders, people, messages, devices and the
organiser's sync bookkeeping.

Revision ID: 0001
Revises:
Create Date: 2026-11-24

Timestamps are DATETIME text holding UTC (``store.types.UtcDateTime`` adds the zone on read).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "change_log",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(), nullable=False),
        sa.Column("entity_id", sa.String(), nullable=False),
        sa.Column("op", sa.String(), nullable=False),
        sa.Column("data_json", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("origin_client", sa.String(), nullable=True),
        sa.Column("origin_seq", sa.Integer(), nullable=True),
        sa.Column("committed_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("op IN ('upsert', 'delete')", name=op.f("ck_change_log_op")),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_change_log")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_change_log_entity", "change_log", ["entity", "entity_id", "version"], unique=False
    )

    op.create_table(
        "chat_messages",
        sa.Column("row_version", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("deleted", sa.Boolean(), server_default=sa.text("0"), nullable=False),
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("author", sa.String(), nullable=False),
        sa.Column("body", sa.String(), nullable=False),
        sa.Column("client_ts", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_messages")),
    )
    op.create_index(
        "ix_chat_messages_channel_version",
        "chat_messages",
        ["channel", "row_version"],
        unique=False,
    )

    op.create_table(
        "customers",
        sa.Column("phone", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("usual_json", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("opted_out", sa.Boolean(), server_default=sa.text("0"), nullable=False),
        sa.Column("opted_out_at", sa.DateTime(), nullable=True),
        sa.Column("conversation_state_json", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("phone", name=op.f("uq_customers_phone")),
    )
    op.create_table(
        "events",
        sa.Column("row_version", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("deleted", sa.Boolean(), server_default=sa.text("0"), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("primary_colour", sa.String(), nullable=False),
        sa.Column("accent_colour", sa.String(), nullable=False),
        sa.Column("logo_path", sa.String(), nullable=True),
        sa.Column("timezone", sa.String(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=True),
        sa.Column("ends_at", sa.DateTime(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_table(
        "mutation_log",
        sa.Column("client_id", sa.String(), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("args_json", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("client_ts", sa.DateTime(), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('applied', 'rejected')", name=op.f("ck_mutation_log_status")
        ),
        sa.PrimaryKeyConstraint("client_id", "seq", name=op.f("pk_mutation_log")),
    )

    op.create_table(
        "settings",
        sa.Column("row_version", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("deleted", sa.Boolean(), server_default=sa.text("0"), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("value_json", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_settings")),
    )
    op.create_table(
        "staff_users",
        sa.Column("row_version", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("deleted", sa.Boolean(), server_default=sa.text("0"), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("role", sa.String(), server_default=sa.text("'barista'"), nullable=False),
        sa.Column("skills_json", sa.JSON(), nullable=False),
        sa.Column("availability_json", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("1"), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pin_hash", sa.String(), nullable=True),
        sa.CheckConstraint(
            "role IN ('organiser', 'barista', 'runner')", name=op.f("ck_staff_users_role")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_users")),
    )
    op.create_table(
        "sync_clients",
        sa.Column("client_id", sa.String(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(), server_default=sa.text("'barista'"), nullable=False),
        sa.Column("last_mutation_seq", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_pulled_version", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=True),
        sa.Column("app_version", sa.String(), nullable=True),
        sa.Column("schema_version", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_sync_clients")),
    )
    op.create_table(
        "sync_meta",
        sa.Column("k", sa.String(), nullable=False),
        sa.Column("v", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("k", name=op.f("pk_sync_meta")),
    )
    op.create_table(
        "group_orders",
        sa.Column("row_version", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("deleted", sa.Boolean(), server_default=sa.text("0"), nullable=False),
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("organiser_name", sa.String(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("pickup_notified", sa.Boolean(), server_default=sa.text("0"), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_group_orders_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_orders")),
    )
    op.create_index(
        op.f("ix_group_orders_customer_id"), "group_orders", ["customer_id"], unique=False
    )

    op.create_table(
        "menu_configs",
        sa.Column("row_version", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("deleted", sa.Boolean(), server_default=sa.text("0"), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("menu_json", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_menu_configs_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_menu_configs")),
    )
    op.create_table(
        "order_number_counters",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("last_value", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_order_number_counters_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_order_number_counters")),
    )
    op.create_table(
        "stations",
        sa.Column("row_version", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("deleted", sa.Boolean(), server_default=sa.text("0"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("location", sa.String(), nullable=False),
        sa.Column("map_url", sa.String(), nullable=True),
        sa.Column("capabilities_json", sa.JSON(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(), server_default=sa.text("'open'"), nullable=False),
        sa.Column("make_time_s", sa.Float(), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'paused', 'closed')", name=op.f("ck_stations_status")
        ),
        sa.CheckConstraint("number > 0", name=op.f("ck_stations_number_positive")),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_stations_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stations")),
        sa.UniqueConstraint("event_id", "number", name=op.f("uq_stations_event_id_number")),
    )
    op.create_table(
        "devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("role", sa.String(), server_default=sa.text("'barista'"), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=True),
        sa.Column("token_hash", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "role IN ('organiser', 'barista', 'runner', 'display')", name=op.f("ck_devices_role")
        ),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["stations.id"],
            name=op.f("fk_devices_station_id_stations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_devices")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_devices_token_hash")),
    )
    op.create_index(op.f("ix_devices_station_id"), "devices", ["station_id"], unique=False)

    op.create_table(
        "operating_hours",
        sa.Column("row_version", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("deleted", sa.Boolean(), server_default=sa.text("0"), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("opens", sa.Time(), nullable=False),
        sa.Column("closes", sa.Time(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_operating_hours_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["stations.id"],
            name=op.f("fk_operating_hours_station_id_stations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operating_hours")),
    )
    op.create_index(
        "ix_operating_hours_event_day", "operating_hours", ["event_id", "day"], unique=False
    )

    op.create_table(
        "orders",
        sa.Column("row_version", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("deleted", sa.Boolean(), server_default=sa.text("0"), nullable=False),
        sa.Column("customer_name", sa.String(), nullable=True),
        sa.Column("station_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(), server_default=sa.text("'sms'"), nullable=False),
        sa.Column("vip", sa.Boolean(), server_default=sa.text("0"), nullable=False),
        sa.Column("group_id", sa.String(), nullable=True),
        sa.Column("notes", sa.String(), nullable=True),
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(), server_default=sa.text("'new'"), nullable=False),
        sa.Column("assign_version", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("cancel_reason", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("ready_at", sa.DateTime(), nullable=True),
        sa.Column("collected_at", sa.DateTime(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("reminder_sent_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("source IN ('sms', 'walk_in', 'group')", name=op.f("ck_orders_source")),
        sa.CheckConstraint(
            "status IN ('new', 'in_progress', 'ready', 'collected', 'cancelled')",
            name=op.f("ck_orders_status"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_orders_event_id_events"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["group_orders.id"],
            name=op.f("fk_orders_group_id_group_orders"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["stations.id"],
            name=op.f("fk_orders_station_id_stations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("event_id", "number", name=op.f("uq_orders_event_id_number")),
    )
    op.create_index(op.f("ix_orders_customer_id"), "orders", ["customer_id"], unique=False)
    op.create_index("ix_orders_event_status", "orders", ["event_id", "status"], unique=False)
    op.create_index(op.f("ix_orders_group_id"), "orders", ["group_id"], unique=False)
    op.create_index("ix_orders_station_status", "orders", ["station_id", "status"], unique=False)

    op.create_table(
        "pairing_codes",
        sa.Column("code_hash", sa.String(), nullable=False),
        sa.Column("role", sa.String(), server_default=sa.text("'barista'"), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.CheckConstraint(
            "role IN ('organiser', 'barista', 'runner', 'display')",
            name=op.f("ck_pairing_codes_role"),
        ),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["stations.id"],
            name=op.f("fk_pairing_codes_station_id_stations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_pairing_codes")),
    )
    op.create_index("ix_pairing_codes_expires_at", "pairing_codes", ["expires_at"], unique=False)

    op.create_table(
        "shifts",
        sa.Column("row_version", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("deleted", sa.Boolean(), server_default=sa.text("0"), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("role", sa.String(), server_default=sa.text("'barista'"), nullable=False),
        sa.CheckConstraint(
            "role IN ('organiser', 'barista', 'runner')", name=op.f("ck_shifts_role")
        ),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_shifts_ends_after_starts")),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_users.id"],
            name=op.f("fk_shifts_staff_id_staff_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["stations.id"],
            name=op.f("fk_shifts_station_id_stations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shifts")),
    )
    op.create_index(op.f("ix_shifts_staff_id"), "shifts", ["staff_id"], unique=False)
    op.create_index("ix_shifts_station_starts", "shifts", ["station_id", "starts_at"], unique=False)

    op.create_table(
        "stock_items",
        sa.Column("row_version", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("deleted", sa.Boolean(), server_default=sa.text("0"), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("unit", sa.String(), nullable=False),
        sa.Column("low_threshold", sa.Float(), nullable=False),
        sa.Column("par", sa.Float(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Float(), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=False),
        sa.Column("generation", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("out_of_stock", sa.Boolean(), server_default=sa.text("0"), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["stations.id"],
            name=op.f("fk_stock_items_station_id_stations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_items")),
        sa.UniqueConstraint("station_id", "name", name=op.f("uq_stock_items_station_id_name")),
    )
    op.create_table(
        "breaks",
        sa.Column("row_version", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("deleted", sa.Boolean(), server_default=sa.text("0"), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_breaks_ends_after_starts")),
        sa.ForeignKeyConstraint(
            ["shift_id"], ["shifts.id"], name=op.f("fk_breaks_shift_id_shifts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_breaks")),
    )
    op.create_index(op.f("ix_breaks_shift_id"), "breaks", ["shift_id"], unique=False)

    op.create_table(
        "order_items",
        sa.Column("row_version", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("deleted", sa.Boolean(), server_default=sa.text("0"), nullable=False),
        sa.Column("drink", sa.String(), nullable=False),
        sa.Column("size", sa.String(), nullable=False),
        sa.Column("milk", sa.String(), nullable=False),
        sa.Column("sugar", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("extras_json", sa.JSON(), nullable=False),
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("order_id", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_order_items_quantity_positive")),
        sa.CheckConstraint("sugar >= 0", name=op.f("ck_order_items_sugar_not_negative")),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_items_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_items")),
    )
    op.create_index(op.f("ix_order_items_order_id"), "order_items", ["order_id"], unique=False)

    op.create_table(
        "sms_messages",
        sa.Column("direction", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("from_number", sa.String(), nullable=False),
        sa.Column("to_number", sa.String(), nullable=False),
        sa.Column("body", sa.String(), nullable=False),
        sa.Column("order_id", sa.String(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sid", sa.String(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("dedupe_key", sa.String(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("error_code", sa.String(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("direction IN ('in', 'out')", name=op.f("ck_sms_messages_direction")),
        sa.CheckConstraint(
            "kind IN ('inbound', 'confirmation', 'ready', 'reminder', 'cancellation', "
            "'manual', 'reply')",
            name=op.f("ck_sms_messages_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_sms_messages_customer_id_customers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_sms_messages_order_id_orders"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_messages")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_sms_messages_dedupe_key")),
        sa.UniqueConstraint("sid", name=op.f("uq_sms_messages_sid")),
    )
    op.create_index("ix_sms_messages_created_at", "sms_messages", ["created_at"], unique=False)
    op.create_index(
        op.f("ix_sms_messages_customer_id"), "sms_messages", ["customer_id"], unique=False
    )
    op.create_index(op.f("ix_sms_messages_order_id"), "sms_messages", ["order_id"], unique=False)
    op.create_index(
        "ix_sms_messages_status_next_attempt",
        "sms_messages",
        ["status", "next_attempt_at"],
        unique=False,
    )

    op.create_table(
        "stock_movements",
        sa.Column("row_version", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("deleted", sa.Boolean(), server_default=sa.text("0"), nullable=False),
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("delta", sa.Float(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.String(), nullable=True),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("counted", sa.Boolean(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["stock_items.id"],
            name=op.f("fk_stock_movements_item_id_stock_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_stock_movements_order_id_orders"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_movements")),
    )
    op.create_index(
        "ix_stock_movements_client_seq", "stock_movements", ["client_id", "seq"], unique=False
    )
    op.create_index(
        "ix_stock_movements_item_generation",
        "stock_movements",
        ["item_id", "generation"],
        unique=False,
    )
    op.create_index(
        op.f("ix_stock_movements_order_id"), "stock_movements", ["order_id"], unique=False
    )


def downgrade() -> None:
    # Forward only: a database is never migrated down; restore the pre-upgrade backup instead.
    raise NotImplementedError("Expresso migrations are forward-only")
