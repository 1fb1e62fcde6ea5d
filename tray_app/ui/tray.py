"""The tray icon and its menu. The menu is rebuilt each time it opens (aboutToShow),
since GNOME and Unity send no `activated` for a click.

Its status lines (who is signed in, when it last checked, one line per integration with
its state glyph) are enabled entries that open the status window: a disabled entry reads
grey, as "unavailable", and a QWidgetAction label does not travel over the D-Bus menus
of StatusNotifierItem trays or the macOS menu bar. Each "Reconnect <name>…" follows its
own row.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from tray_app.core import messages, summary
from tray_app.core.summary import Glance
from tray_app.ui.icons import state_icon, tray_icon

MESSAGE_MS = 10_000


class TrayPresenter(QObject):
    """Draws a Glance; says what the person chose through its signals."""

    message_clicked = Signal()
    reconnect_requested = Signal(str, str, str)  # integration id, url, name
    check_now_requested = Signal()
    open_external_apps_requested = Signal()
    start_at_login_toggled = Signal(bool)
    show_status_requested = Signal()
    sign_in_requested = Signal()
    sign_out_requested = Signal()
    settings_requested = Signal()
    help_requested = Signal(str)  # the organisation's support page
    about_requested = Signal()
    quit_requested = Signal()

    def __init__(self, start_at_login: Callable[[], tuple[bool, str]],
                 parent: QObject | None = None) -> None:
        """`start_at_login` answers (enabled, why it can't be changed or "") when the
        menu opens."""
        super().__init__(parent)
        self._start_at_login = start_at_login
        self.glance: Glance = summary.glance(None)
        self._cancel_sign_in: Callable[[], None] | None = None
        self.icon = QSystemTrayIcon(self)
        self.menu = QMenu()
        self.menu.aboutToShow.connect(self.rebuild_menu)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._on_activated)
        self.icon.messageClicked.connect(self.message_clicked)
        self.show_glance(self.glance)
        self.rebuild_menu()

    def show_glance(self, glance: Glance) -> None:
        self.glance = glance
        self.icon.setIcon(tray_icon(glance.overall))
        self.icon.setToolTip(messages.tray_tooltip(glance.tooltip))
        if self.menu.isVisible():
            self.rebuild_menu()

    def show(self) -> None:
        self.icon.show()

    def hide(self) -> None:
        self.icon.hide()

    def show_message(self, text: str, *, warning: bool = False) -> None:
        """One balloon (a click on it: `message_clicked`)."""
        icon = (QSystemTrayIcon.MessageIcon.Warning if warning
                else QSystemTrayIcon.MessageIcon.Information)
        self.icon.showMessage(messages.app_name(), text, icon, MESSAGE_MS)

    def show_signing_in(self, cancel: Callable[[], None] | None) -> None:
        """While a sign-in runs (`cancel` stops it), the menu offers to cancel it instead
        of to sign in; None once it has ended."""
        self._cancel_sign_in = cancel
        if self.menu.isVisible():
            self.rebuild_menu()

    def rebuild_menu(self) -> None:
        menu = self.menu
        menu.clear()
        glance = self.glance
        for line in (glance.header, glance.menu_status_line, glance.last_checked):
            if line:
                self._info(line)
        self._sign_in_action()
        menu.addSeparator()
        for row in glance.rows:
            self._info(row.text, state_icon(row.icon) if row.icon else None)
            if row.waiting:
                self._info(row.waiting)
            if row.reconnect_url:
                action = menu.addAction(messages.menu_reconnect(_plain(row.name)))
                action.triggered.connect(
                    self._reconnect(row.integration_id, row.reconnect_url, row.name))
        if glance.rows:
            menu.addSeparator()
        menu.addAction(messages.menu_check_now()).triggered.connect(self.check_now_requested)
        menu.addAction(messages.menu_open_external_apps()).triggered.connect(
            self.open_external_apps_requested)
        menu.addAction(messages.menu_show_status()).triggered.connect(
            self.show_status_requested)
        menu.addSeparator()
        menu.addAction(self._start_at_login_action())
        menu.addAction(messages.menu_settings()).triggered.connect(self.settings_requested)
        if glance.signed_in:
            menu.addAction(messages.menu_sign_out_ask()).triggered.connect(
                self.sign_out_requested)
        menu.addSeparator()
        if glance.help_url:
            url = glance.help_url
            menu.addAction(messages.menu_help()).triggered.connect(
                lambda: self.help_requested.emit(url))
        menu.addAction(messages.about_menu()).triggered.connect(self.about_requested)
        menu.addAction(messages.menu_quit()).triggered.connect(self.quit_requested)

    def _sign_in_action(self) -> None:
        cancel = self._cancel_sign_in
        if cancel is not None:
            self.menu.addAction(messages.menu_cancel_sign_in()).triggered.connect(
                lambda: cancel())
        elif self.glance.offers_sign_in:
            self.menu.addAction(messages.menu_sign_in()).triggered.connect(
                self.sign_in_requested)

    def _info(self, text: str, icon: QIcon | None = None) -> QAction:
        """A status line: normal text (enabled), and a click shows the status window."""
        action = self.menu.addAction(_plain(text))
        if icon is not None:
            action.setIcon(icon)
            action.setIconVisibleInMenu(True)  # macOS hides menu icons by default
        action.triggered.connect(self.show_status_requested)
        return action

    def _reconnect(self, ident: str, url: str, name: str) -> Callable[[], None]:
        return lambda: self.reconnect_requested.emit(ident, url, name)

    def _start_at_login_action(self) -> QAction:
        enabled, fixed_because = self._start_at_login()
        action = QAction(messages.menu_start_at_login(), self.menu)
        action.setCheckable(True)
        action.setChecked(enabled)
        action.setEnabled(not fixed_because)
        if fixed_because:
            action.setText(messages.menu_start_at_login_fixed(fixed_because))
            action.setToolTip(fixed_because)
        action.toggled.connect(self.start_at_login_toggled)
        return action

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger,
                      QSystemTrayIcon.ActivationReason.DoubleClick):
            self.show_status_requested.emit()


def _plain(text: str) -> str:
    """QAction text is plain, but '&' marks a mnemonic: doubled, names show as sent."""
    return text.replace("&", "&&")
