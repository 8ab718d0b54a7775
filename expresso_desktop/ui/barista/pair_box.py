"""First run of a station: choose the organiser (found on the network, or a typed address),
then the pairing code it shows (or its pairing text, pasted).

The list follows ``OrganisersSeen`` (the composition root browses mDNS on the service loop
and queues each change here); an advert's event name is whatever the network says: plain text.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from expresso_desktop.core.lan import Found
from expresso_desktop.sync.first_run import code_problem, is_qr_text
from expresso_desktop.sync.organiser_watch import OrganisersSeen, instance_name
from expresso_desktop.ui.common.widgets import plain_label

TOUCH_PX = 56  # a station's touch target: wet hands, arm's length
ROW_PX = 88  # an organiser's row
SHORT_FP_BYTES = 6  # "AB:CD:EF:01:23:45…": the start of what the organiser's screen shows


@dataclass(frozen=True, slots=True)
class PairRequest:
    """The pairing form was submitted: the organiser's address ("" = from the QR text), the
    certificate its advert names ("" = typed: pinned from the organiser's own answer) and the
    code (or the whole QR text)."""

    server: str
    code: str
    fingerprint: str = ""


def short_fingerprint(fingerprint_hex: str) -> str:
    """``ab12cd…`` → ``AB:12:CD:…``: enough to compare with the organiser's screen by eye."""
    pairs = [fingerprint_hex[i : i + 2].upper() for i in range(0, len(fingerprint_hex), 2)]
    shown = ":".join(pairs[:SHORT_FP_BYTES])
    return shown + "…" if len(pairs) > SHORT_FP_BYTES else shown


def host_port(url: str) -> str:
    return url.removeprefix("https://").removeprefix("http://").rstrip("/")


class OrganiserRow(QPushButton):
    """One organiser to tap: the event's name large, then where it is and its certificate."""

    def __init__(self, found: Found, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.found = found
        self.setObjectName("organiserRow")
        self.setMinimumHeight(ROW_PX)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        event = found.event_name or instance_name(found)
        self.event_label = plain_label(event, object_name="organiserEvent")
        self.detail_label = plain_label(organiser_detail(found), object_name="organiserDetail")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 10, 18, 10)
        layout.setSpacing(2)
        for label in (self.event_label, self.detail_label):
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            layout.addWidget(label)
        self.setAccessibleName(f"Pair with {event}")


def organiser_detail(found: Found) -> str:
    """Where it is and its certificate: what tells two organisers of one event apart."""
    return f"{host_port(found.url)}  ·  certificate {short_fingerprint(found.fingerprint)}"


class PairBox(QWidget):
    """Signals:
    pair_requested(PairRequest) — the form was submitted
    """

    pair_requested = Signal(PairRequest)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("firstRun")
        self._chosen: Found | None = None
        self.rows: list[OrganiserRow] = []

        # Step 1: which organiser.
        self.looking = plain_label(object_name="subtitle")
        self.list_area = QWidget()
        self.list_layout = QVBoxLayout(self.list_area)
        self.list_layout.setContentsMargins(0, 0, 0, 0)
        self.list_layout.setSpacing(10)
        self.list_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setObjectName("organiserList")
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.list_area)
        self.typed_button = QPushButton("Type an address instead")
        self.typed_button.setObjectName("secondary")
        self.server = QLineEdit(placeholderText="https://192.168.1.10:8443 (on the organiser)")
        self.server_next = QPushButton("Next")
        self.server_message = plain_label(object_name="fieldError")
        self.typed_row = QWidget()
        typed = QHBoxLayout(self.typed_row)
        typed.setContentsMargins(0, 0, 0, 0)
        typed.addWidget(plain_label("Organiser address"))
        typed.addWidget(self.server, 1)
        typed.addWidget(self.server_next)
        self.typed_row.hide()
        find = QWidget()
        find_layout = QVBoxLayout(find)
        find_layout.setContentsMargins(0, 0, 0, 0)
        find_layout.addWidget(plain_label("Organisers on this network", object_name="section"))
        find_layout.addWidget(self.looking)
        find_layout.addWidget(scroll, 1)
        find_layout.addWidget(self.typed_button, 0, Qt.AlignmentFlag.AlignLeft)
        find_layout.addWidget(self.typed_row)
        find_layout.addWidget(self.server_message)

        # Step 2: the code it shows.
        self.chosen_label = plain_label(object_name="chosenOrganiser")
        self.back_button = QPushButton("Choose another organiser")
        self.back_button.setObjectName("secondary")
        self.code = QLineEdit(placeholderText="ABC 123")
        self.code.setObjectName("pairingCode")
        self.code.setAccessibleName("Pairing code")
        self.button = QPushButton("Pair")
        self.message = plain_label(object_name="fieldError")
        chosen = QHBoxLayout()
        chosen.addWidget(self.chosen_label, 1)
        chosen.addWidget(self.back_button)
        code_row = QHBoxLayout()
        code_row.addWidget(self.code, 1)
        code_row.addWidget(self.button)
        code_page = QWidget()
        code_layout = QVBoxLayout(code_page)
        code_layout.setContentsMargins(0, 0, 0, 0)
        code_layout.addLayout(chosen)
        code_layout.addSpacing(16)
        code_layout.addWidget(plain_label("Pairing code", object_name="section"))
        code_layout.addLayout(code_row)
        code_layout.addWidget(self.message)
        code_layout.addWidget(
            plain_label(
                "The 6 letters and digits under “Pair a station” on the organiser's screen. "
                "Or paste the pairing text it shows (expresso://pair?…) into the same field.",
                object_name="subtitle",
            )
        )
        code_layout.addStretch(1)

        self.steps = QStackedWidget()
        self.steps.addWidget(find)
        self.steps.addWidget(code_page)
        for widget in (
            self.typed_button,
            self.server,
            self.server_next,
            self.back_button,
            self.code,
            self.button,
        ):
            widget.setMinimumHeight(TOUCH_PX)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 32, 48, 32)
        layout.addWidget(plain_label("Pair this station", object_name="title"))
        layout.addWidget(
            plain_label(
                "On the organiser: Setup → Pair a station. Then choose it here and type the "
                "code it shows.",
                object_name="subtitle",
            )
        )
        layout.addSpacing(12)
        layout.addWidget(self.steps, 1)

        self.typed_button.clicked.connect(self._show_typed)
        self.server_next.clicked.connect(self._typed_next)
        self.server.returnPressed.connect(self._typed_next)
        self.back_button.clicked.connect(self.choose_again)
        self.button.clicked.connect(self._submit)
        self.code.returnPressed.connect(self._submit)
        self.set_organisers(OrganisersSeen(()))

    # -- step 1 --------------------------------------------------------------------------------
    def set_organisers(self, seen: OrganisersSeen) -> None:
        """The organisers advertising now (called on every appearance and departure)."""
        for row in self.rows:
            self.list_layout.removeWidget(row)
            row.deleteLater()
        self.rows = []
        for found in seen.organisers:
            row = OrganiserRow(found)
            row.clicked.connect(lambda _=False, f=found: self.choose(f))
            self.list_layout.insertWidget(len(self.rows), row)
            self.rows.append(row)
        if seen.organisers:
            self.looking.setText("Tap yours. Others appear here as they start.")
        else:
            self.looking.setText(
                "Looking for organisers on this network… None yet: check that the organiser "
                "is running and on the same network as this station, or type its address."
            )

    def looking_failed(self, message: str) -> None:
        """mDNS does not work here: only a typed address will do."""
        self.looking.setText(f"Cannot look for organisers here ({message}): type the address.")
        self._show_typed()

    def choose(self, found: Found) -> None:
        self._chosen = found
        self.server.setText(found.url)
        name = found.event_name or instance_name(found)
        self.chosen_label.setText(f"Pairing with {name}\n{organiser_detail(found)}")
        self._to_code()

    def choose_again(self) -> None:
        self._chosen = None
        self.message.setText("")
        self.steps.setCurrentIndex(0)

    def _show_typed(self) -> None:
        self.typed_row.show()
        self.typed_button.hide()
        self.server.setFocus()

    def _typed_next(self) -> None:
        address = self.server.text().strip()
        if not address:
            self.server_message.setText("Type the address the organiser shows, or choose it.")
            return
        if "://" not in address:
            address = f"https://{address}"
            self.server.setText(address)
        self._chosen = None
        self.server_message.setText("")
        self.chosen_label.setText(
            f"Pairing with the organiser at {host_port(address)}\n"
            "Its certificate is checked against its own answer."
        )
        self._to_code()

    def _to_code(self) -> None:
        self.message.setText("")
        self.steps.setCurrentIndex(1)
        self.code.setFocus()

    # -- step 2 --------------------------------------------------------------------------------
    def _submit(self) -> None:
        code = self.code.text().strip()
        if (problem := code_problem(code)) is not None:
            self.message.setText(f"✕ {problem}")
            return
        chosen = self._chosen
        server = "" if is_qr_text(code) else chosen.url if chosen else self.server.text().strip()
        fingerprint = chosen.fingerprint if chosen and server else ""
        self.button.setEnabled(False)
        self.button.setText("Pairing…")
        self.message.setText("")
        self.pair_requested.emit(PairRequest(server, code, fingerprint))

    def failed(self, message: str, field: str | None = "code") -> None:
        """Pairing did not work: ``message`` beside the code, or (``field`` "server") back on
        the organiser's step."""
        self.button.setEnabled(True)
        self.button.setText("Pair")
        if field == "server" and self._chosen is None and self.steps.currentIndex() == 0:
            self.server_message.setText(f"✕ {message}")
            return
        self.message.setText(f"✕ {message}")
