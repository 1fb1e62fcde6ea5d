"""The active language on Qt's side: Qt's own words (standard buttons, the text fields'
context menu) from the translations Qt ships, QLocale for what Qt formats itself, and
right-to-left layout for Arabic. Which language is core's decision (core/i18n.py)."""

from __future__ import annotations

import logging

from PySide6.QtCore import QLibraryInfo, QLocale, Qt, QTranslator
from PySide6.QtWidgets import QApplication

from tray_app.core import i18n
from tray_app.core.pseudo import pseudo

log = logging.getLogger(__name__)


class _PseudoQtTranslator(QTranslator):
    """Qt's own words pseudo-translated too, so the pseudo-locale stretches every button."""

    def translate(self, context: str, source: str, disambiguation: str | None = None,
                  n: int = -1) -> str:
        return pseudo(source) if source else source


_installed: list[QTranslator] = []


def apply_language(app: QApplication) -> None:
    for translator in _installed:  # a language chosen before (tests switch languages)
        app.removeTranslator(translator)
    _installed.clear()
    language = i18n.active_language()
    QLocale.setDefault(QLocale.system())  # English: the desktop's own; else replaced below
    if language == i18n.PSEUDO:
        _install(app, _PseudoQtTranslator(app))
    elif language != i18n.ENGLISH:
        QLocale.setDefault(QLocale(language.replace("-", "_")))
        _install_qt_translations(app, language)
    app.setLayoutDirection(Qt.LayoutDirection.RightToLeft if i18n.is_right_to_left()
                           else Qt.LayoutDirection.LeftToRight)


def _install_qt_translations(app: QApplication, language: str) -> None:
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    translator = QTranslator(app)
    if translator.load(QLocale(language.replace("-", "_")), "qtbase", "_", folder):
        _install(app, translator)
    else:  # the app's own sentences are still translated; only Qt's stay English
        log.info("No Qt translations for %s in %s", language, folder)


def _install(app: QApplication, translator: QTranslator) -> None:
    app.installTranslator(translator)
    _installed.append(translator)
