"""Tray and application icons, rendered from resources/icons/*.svg at exact pixel sizes.

Each tray state has its own glyph (not only its own colour). Icons are built from
explicit pixmaps at the sizes panels actually ask for, at 1x and 2x, so no panel has
to scale a bitmap. A missing or broken SVG never leaves the app invisible: it logs a
warning and a generated badge is used instead.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPen, QPixmap
from PySide6.QtSvg import QSvgRenderer

from tray_app.core.summary import Overall

log = logging.getLogger(__name__)

TRAY_SIZES = (16, 22, 24, 32, 48, 64)
APP_SIZES = (16, 24, 32, 48, 64, 128, 256)
PIXEL_RATIOS = (1.0, 2.0)  # 2x for HiDPI panels

Painter = Callable[[QPainter, QRectF], None]

MASK_INK = QColor("black")
APP_FALLBACK_COLOUR = QColor("#2f5f8f")
FALLBACK_COLOURS = {
    Overall.CHECKING: QColor("#3f6c96"),
    Overall.OK: QColor("#2e7d32"),
    Overall.EXPIRING: QColor("#b86e00"),
    Overall.DISCONNECTED: QColor("#c62828"),
    Overall.OFFLINE: QColor("#5f6368"),
    Overall.SIGNED_OUT: QColor("#5e35b1"),
}


def resources_dir() -> Path:
    """The top-level resources/ folder, also inside a PyInstaller bundle."""
    bundle_root = getattr(sys, "_MEIPASS", None)
    if bundle_root:
        return Path(bundle_root) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def icons_dir() -> Path:
    return resources_dir() / "icons"


def tray_svg_path(state: Overall, *, mask: bool = False) -> Path:
    suffix = "-mask" if mask else ""
    return icons_dir() / f"tray-{Overall(state).value}{suffix}.svg"


def uses_mask_icons() -> bool:
    """macOS menu bars recolour monochrome "template" icons themselves."""
    return sys.platform == "darwin"


def tray_icon(state: Overall) -> QIcon:
    """The icon for one tray state: colour, or a template mask on macOS."""
    return QIcon(_cached_tray_icon(Overall(state), uses_mask_icons()))


def state_icon(state: Overall) -> QIcon:
    """The colour icon of a state, for windows (never the macOS menu-bar mask)."""
    return QIcon(_cached_tray_icon(Overall(state), False))


def app_icon() -> QIcon:
    """The application icon for windows, dialogs and the taskbar."""
    return QIcon(_cached_app_icon())


@cache
def _cached_tray_icon(state: Overall, mask: bool) -> QIcon:
    icon = icon_from_svg(tray_svg_path(state, mask=mask), TRAY_SIZES,
                         FALLBACK_COLOURS[state], mask=mask)
    icon.setIsMask(mask)
    return icon


@cache
def _cached_app_icon() -> QIcon:
    return icon_from_svg(icons_dir() / "app.svg", APP_SIZES, APP_FALLBACK_COLOUR)


def icon_from_svg(path: Path, sizes: tuple[int, ...], fallback_colour: QColor, *,
                  mask: bool = False) -> QIcon:
    """A pixmap per size and pixel ratio; a generated badge if the SVG is unusable."""
    try:
        renderer = load_renderer(path)
        # Qt's SVG icon engine renders each size on demand, crisp at any scale and cheap
        # in memory; without that plugin, render the sizes we need up front.
        lazy = QIcon(str(path))
        if not lazy.pixmap(sizes[0]).isNull():
            return lazy
        return _icon_from_painter(sizes, renderer.render)
    except Exception as error:  # an icon problem must never take the tray down
        log.warning("Icon %s is unusable (%s); using a generated badge", path, error)
        return fallback_icon(fallback_colour, sizes, mask=mask)


def fallback_icon(colour: QColor, sizes: tuple[int, ...] = TRAY_SIZES, *,
                  mask: bool = False) -> QIcon:
    """A plain generated badge in the family shape, so the app is never invisible."""
    if mask:
        return _icon_from_painter(sizes, _paint_mask_badge)
    return _icon_from_painter(sizes, lambda painter, rect: _paint_badge(painter, rect, colour))


def render_svg(path: Path, size: int) -> QImage:
    """One square rendering of an SVG on transparency; raises if the SVG is unusable."""
    return _render_image(size, load_renderer(path).render)


def load_renderer(path: Path) -> QSvgRenderer:
    if not path.is_file():
        raise FileNotFoundError(f"no such icon file: {path}")
    renderer = QSvgRenderer(str(path))
    if not renderer.isValid():
        raise ValueError(f"not a valid SVG: {path}")
    return renderer


def _icon_from_painter(sizes: tuple[int, ...], paint: Painter) -> QIcon:
    icon = QIcon()
    for size in sizes:
        for ratio in PIXEL_RATIOS:
            pixmap = QPixmap.fromImage(_render_image(round(size * ratio), paint))
            pixmap.setDevicePixelRatio(ratio)
            icon.addPixmap(pixmap)
    return icon


def _render_image(pixels: int, paint: Painter) -> QImage:
    """`paint(painter, rect)` onto a transparent square image `pixels` wide."""
    image = QImage(pixels, pixels, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    try:
        paint(painter, QRectF(0, 0, pixels, pixels))
    finally:
        painter.end()
    return image


def _badge_rect(rect: QRectF) -> tuple[QRectF, float]:
    """The shared rounded-badge outline (as in the SVGs) and its corner radius."""
    side = rect.width()
    inset = side * 6 / 64
    return rect.adjusted(inset, inset, -inset, -inset), side * 15 / 64


def _paint_badge(painter: QPainter, rect: QRectF, colour: QColor) -> None:
    badge, radius = _badge_rect(rect)
    painter.setPen(QPen(QColor("white"), rect.width() / 16))
    painter.setBrush(colour)
    painter.drawRoundedRect(badge, radius, radius)
    painter.setBrush(QColor("white"))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(badge.center(), rect.width() / 8, rect.width() / 8)


def _paint_mask_badge(painter: QPainter, rect: QRectF) -> None:
    badge, radius = _badge_rect(rect)
    painter.setPen(QPen(MASK_INK, rect.width() / 16))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRoundedRect(badge, radius, radius)
    painter.setBrush(MASK_INK)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(badge.center(), rect.width() / 8, rect.width() / 8)
