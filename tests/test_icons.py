"""The tray icon set: every state has its own shape, reads on light and dark panels, and
the loader never leaves the app without an icon."""

from __future__ import annotations

import itertools
import logging
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QIcon, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from tray_app.core.summary import Overall
from tray_app.ui import icons

STATES = list(Overall)
SVG_NS = "{http://www.w3.org/2000/svg}"
ALLOWED_ELEMENTS = {"svg", "g", "path", "circle", "ellipse", "rect", "line", "polyline",
                    "polygon"}
LIGHT_PANEL = QColor("#ffffff")
DARK_PANEL = QColor("#1e1e1e")
CONTRAST = 0.4  # luminance difference that reads as "clearly visible"
MIN_CONTRAST_PIXELS = 80  # of 22 x 22 = 484; the set scores 140 to 220
MIN_SHAPE_DIFFERENCE = 12  # of 16 x 16 = 256; the closest pair differs by 23
APP_PNG_SIZES = (16, 32, 48, 64, 128, 256)


@pytest.fixture(autouse=True)
def fresh_icon_cache() -> Iterator[None]:
    icons._cached_tray_icon.cache_clear()
    icons._cached_app_icon.cache_clear()
    yield
    icons._cached_tray_icon.cache_clear()
    icons._cached_app_icon.cache_clear()


def all_svg_paths() -> list[Path]:
    paths = [icons.tray_svg_path(state, mask=mask) for state in STATES for mask in (False, True)]
    return [*paths, icons.icons_dir() / "app.svg"]


def render(path: Path, size: int) -> QImage:
    """Straight (not premultiplied) ARGB, so mask colours can be read as drawn."""
    return icons.render_svg(path, size).convertToFormat(QImage.Format.Format_ARGB32)


def on_background(image: QImage, colour: QColor) -> QImage:
    panel = QImage(image.size(), QImage.Format.Format_ARGB32)
    panel.fill(colour)
    painter = QPainter(panel)
    painter.drawImage(0, 0, image)
    painter.end()
    return panel


def pixels(image: QImage) -> Iterator[QColor]:
    for y in range(image.height()):
        for x in range(image.width()):
            yield image.pixelColor(x, y)


def luminance(colour: QColor) -> float:
    return 0.2126 * colour.redF() + 0.7152 * colour.greenF() + 0.0722 * colour.blueF()


def opaque_pixel_count(image: QImage) -> int:
    return sum(1 for colour in pixels(image) if colour.alpha() > 128)


def contrast_pixel_count(image: QImage, background: QColor) -> int:
    panel = on_background(image, background)
    base = luminance(background)
    return sum(1 for colour in pixels(panel) if abs(luminance(colour) - base) > CONTRAST)


def glyph_map(image: QImage, background: QColor) -> list[bool]:
    """Where the icon is light (the white glyph and ring) once shown on a panel."""
    return [luminance(colour) > 0.7 for colour in pixels(on_background(image, background))]


def ink_map(image: QImage) -> list[bool]:
    return [colour.alpha() > 96 for colour in pixels(image)]


def differing(first: list[bool], second: list[bool]) -> int:
    return sum(1 for a, b in zip(first, second, strict=True) if a != b)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("mask", [False, True], ids=["colour", "mask"])
def test_every_state_has_its_svg(state: Overall, mask: bool) -> None:
    assert icons.tray_svg_path(state, mask=mask).is_file()


@pytest.mark.parametrize("path", all_svg_paths(), ids=lambda path: path.name)
def test_svg_is_plain_well_formed_svg(path: Path) -> None:
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG_NS}svg"
    tags = {element.tag.removeprefix(SVG_NS) for element in root.iter()}
    assert tags <= ALLOWED_ELEMENTS, f"unsupported or risky elements: {tags - ALLOWED_ELEMENTS}"
    assert not any("style" in element.attrib for element in root.iter())


@pytest.mark.parametrize("path", all_svg_paths()[:-1], ids=lambda path: path.name)
def test_tray_svgs_use_the_64_grid(path: Path) -> None:
    assert ET.parse(path).getroot().get("viewBox") == "0 0 64 64"


@pytest.mark.parametrize("path", all_svg_paths(), ids=lambda path: path.name)
def test_svg_renders_something(qapp, path: Path) -> None:
    assert QSvgRenderer(str(path)).isValid()
    assert opaque_pixel_count(render(path, 32)) > 32 * 32 // 10


@pytest.mark.parametrize(("first", "second"), list(itertools.combinations(STATES, 2)))
def test_states_differ_by_shape_at_16_px(qapp, first: Overall, second: Overall) -> None:
    first_mask = ink_map(render(icons.tray_svg_path(first, mask=True), 16))
    second_mask = ink_map(render(icons.tray_svg_path(second, mask=True), 16))
    assert differing(first_mask, second_mask) >= MIN_SHAPE_DIFFERENCE
    first_glyph = glyph_map(render(icons.tray_svg_path(first), 16), DARK_PANEL)
    second_glyph = glyph_map(render(icons.tray_svg_path(second), 16), DARK_PANEL)
    assert differing(first_glyph, second_glyph) >= MIN_SHAPE_DIFFERENCE


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("panel", [LIGHT_PANEL, DARK_PANEL], ids=["light", "dark"])
def test_colour_icon_reads_on_light_and_dark_panels(qapp, state: Overall, panel: QColor) -> None:
    image = render(icons.tray_svg_path(state), 22)
    assert contrast_pixel_count(image, panel) >= MIN_CONTRAST_PIXELS


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("size", [16, 64])
def test_mask_icon_is_black_on_transparent(qapp, state: Overall, size: int) -> None:
    image = render(icons.tray_svg_path(state, mask=True), size)
    inked = [colour for colour in pixels(image) if colour.alpha() > 0]
    assert inked, "the mask draws nothing"
    worst = max(max(c.red(), c.green(), c.blue()) for c in inked if c.alpha() > 32)
    assert worst <= 16


@pytest.mark.parametrize("state", STATES)
def test_tray_icon_has_crisp_pixmaps_for_panel_sizes(qapp, state: Overall) -> None:
    icon = icons.tray_icon(state)
    assert not icon.isNull()
    for size in icons.TRAY_SIZES:
        assert icon.pixmap(QSize(size, size), 1.0).size() == QSize(size, size)
        assert icon.pixmap(QSize(size, size), 2.0).size() == QSize(size * 2, size * 2)


def test_tray_icon_is_a_colour_icon_off_macos(qapp, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    assert not icons.tray_icon(Overall.OK).isMask()


def test_tray_icon_is_a_template_mask_on_macos(qapp, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    icon = icons.tray_icon(Overall.DISCONNECTED)
    assert icon.isMask()
    image = icon.pixmap(32).toImage().convertToFormat(QImage.Format.Format_ARGB32)
    assert all(colour.red() < 16 for colour in pixels(image) if colour.alpha() > 32)


def test_tray_icons_are_cached_per_state(qapp) -> None:
    first = icons.tray_icon(Overall.EXPIRING)
    assert icons.tray_icon(Overall.EXPIRING).cacheKey() == first.cacheKey()
    assert icons.tray_icon(Overall.OK).cacheKey() != first.cacheKey()


def test_app_icon_covers_window_and_installer_sizes(qapp) -> None:
    icon = icons.app_icon()
    assert not icon.isNull()
    assert icon.pixmap(QSize(256, 256)).size() == QSize(256, 256)


@pytest.mark.parametrize("size", APP_PNG_SIZES)
def test_app_png_is_rendered_at_its_size(qapp, size: int) -> None:
    image = QImage(str(icons.icons_dir() / f"app-{size}.png"))
    assert image.size() == QSize(size, size)
    assert image.hasAlphaChannel()
    assert opaque_pixel_count(image) > size * size // 2


def test_missing_svg_falls_back_to_a_visible_icon(
        qapp, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger=icons.__name__):
        icon = icons.icon_from_svg(tmp_path / "gone.svg", icons.TRAY_SIZES, QColor("#2e7d32"))
    assert_visible(icon)
    assert "gone.svg" in caplog.text


def test_broken_svg_falls_back_to_a_visible_icon(qapp, tmp_path: Path) -> None:
    broken = tmp_path / "broken.svg"
    broken.write_text("<svg xmlns='http://www.w3.org/2000/svg'><path d='M0 0", encoding="utf-8")
    assert_visible(icons.icon_from_svg(broken, icons.TRAY_SIZES, QColor("#c62828")))


def test_tray_and_app_icons_survive_an_empty_resources_folder(
        qapp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(icons, "icons_dir", lambda: tmp_path)
    for state in STATES:
        assert_visible(icons.tray_icon(state))
    assert_visible(icons.app_icon())


def test_fallback_mask_is_black(qapp) -> None:
    icon = icons.fallback_icon(QColor("#c62828"), mask=True)
    image = icon.pixmap(32).toImage().convertToFormat(QImage.Format.Format_ARGB32)
    inked = [colour for colour in pixels(image) if colour.alpha() > 32]
    assert inked
    assert all(max(c.red(), c.green(), c.blue()) < 16 for c in inked)


def test_resources_dir_is_the_repo_folder(qapp) -> None:
    assert icons.resources_dir() == Path(__file__).resolve().parents[1] / "resources"


def test_resources_dir_inside_a_pyinstaller_bundle(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert icons.resources_dir() == tmp_path / "resources"


def assert_visible(icon: QIcon) -> None:
    assert not icon.isNull()
    image = icon.pixmap(22).toImage().convertToFormat(QImage.Format.Format_ARGB32)
    assert opaque_pixel_count(image) > 22 * 22 // 4
