"""The organiser's Settings screen: a short list of sections on the left (Event & branding ·
Milks · Menu · Messages · Limits & VIP) beside the section shown.

Each section saves with its own Save and says in place "✓ Saved" or why not, the reason beside
the field a refusal names; Revert forgets edits not saved. The menu's actions save at once.
Whatever changes the event, its settings or its menu elsewhere (the LAN API, a station's
setting through sync) is read again and shown without a refresh — in a section with unsaved
edits only once those are saved or reverted (it says so).
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QListWidgetItem, QStackedWidget, QWidget

from expresso_desktop.services.event_admin import EventAdmin, SettingsPage
from expresso_desktop.services.writer import Writer
from expresso_desktop.ui.common.bridge import ChangeBridge, ChangesCommitted
from expresso_desktop.ui.common.ops import OpRunner, SerialRead
from expresso_desktop.ui.organiser.settings_event import EventSection
from expresso_desktop.ui.organiser.settings_limits import LimitsSection
from expresso_desktop.ui.organiser.settings_menu import MenuSection
from expresso_desktop.ui.organiser.settings_messages import MessagesSection
from expresso_desktop.ui.organiser.settings_milks import MilksSection
from expresso_desktop.ui.organiser.settings_widgets import INITIATOR, SectionPage

# What the page is read from: a commit touching any of them is read again.
SOURCES = frozenset({"settings", "events", "menu_configs"})
ROW_HEIGHT = 48


class SettingsScreen(QWidget):
    def __init__(
        self, ops: OpRunner, writer: Writer, admin: EventAdmin, bridge: ChangeBridge
    ) -> None:
        super().__init__()
        self.setObjectName("settingsScreen")
        self.branding = EventSection(ops, writer, admin)
        self.milks = MilksSection(ops, writer, admin)
        self.menu = MenuSection(ops, writer, admin)
        self.messages = MessagesSection(ops, writer, admin)
        self.limits = LimitsSection(ops, writer, admin)
        self.sections: dict[str, SectionPage] = {
            "event": self.branding,
            "milks": self.milks,
            "menu": self.menu,
            "messages": self.messages,
            "limits": self.limits,
        }
        self.list = QListWidget()
        self.list.setObjectName("subnav")
        self.list.setFixedWidth(190)
        self.list.setAccessibleName("Settings sections")
        self.stack = QStackedWidget()
        for section in self.sections.values():
            section.share = self._shared
            item = QListWidgetItem(section.title)
            item.setSizeHint(QSize(170, ROW_HEIGHT))
            self.list.addItem(item)
            self.stack.addWidget(section)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.list)
        layout.addWidget(self.stack, 1)
        self.list.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.list.setCurrentRow(0)
        self.page: SettingsPage | None = None
        self._reads: SerialRead[str, SettingsPage] = SerialRead(
            ops, lambda _keys: admin.read(), self._read, label="Read the settings"
        )
        bridge.committed.connect(self._on_committed)
        self._reads.want(None)

    @property
    def loading(self) -> bool:
        return self._reads.busy

    def show_section(self, key: str) -> None:
        self.list.setCurrentRow(list(self.sections).index(key))

    def _read(self, _keys: frozenset[str] | None, page: SettingsPage) -> None:
        first = self.page is None
        self.page = page
        for section in self.sections.values():
            if first:
                section.load(page)
            else:
                section.offer(page)

    def _shared(self, page: SettingsPage) -> None:
        """A section saved: the others show the page after it (or keep their edits)."""
        self.page = page
        for section in self.sections.values():
            if section.page is not page:
                section.offer(page, elsewhere=False)

    def _on_committed(self, event: ChangesCommitted) -> None:
        if event.touches(SOURCES) and not event.by(INITIATOR):
            self._reads.want(None)
