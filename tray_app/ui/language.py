"""The active language on Qt's side: Qt's own words (standard buttons, the text fields'
context menu) from the translations Qt ships, QLocale for what Qt formats itself, and
right-to-left layout for Arabic. Which language is core's decision (core/i18n.py)."""

from __future__ import annotations

import logging

from PySide6.QtCore import QLibraryInfo, QLocale, Qt, QTranslator
from PySide6.QtWidgets import QApplication

from tray_app.core import i18n

log = logging.getLogger(__name__)


def apply_language(app: QApplication) -> None:
    language = i18n.active_language()
    if language not in (i18n.ENGLISH, i18n.PSEUDO):
        QLocale.setDefault(QLocale(language.replace("-", "_")))
        _install_qt_translations(app, language)
    app.setLayoutDirection(Qt.LayoutDirection.RightToLeft if i18n.is_right_to_left()
                           else Qt.LayoutDirection.LeftToRight)


def _install_qt_translations(app: QApplication, language: str) -> None:
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    translator = QTranslator(app)
    if translator.load(QLocale(language.replace("-", "_")), "qtbase", "_", folder):
        app.installTranslator(translator)
    else:  # the app's own sentences are still translated; only Qt's stay English
        log.info("No Qt translations for %s in %s", language, folder)
