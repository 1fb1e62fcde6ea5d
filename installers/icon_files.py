"""Windows .ico and macOS .icns application icons, packed from resources/icons/app-*.png.

Both formats can simply hold PNG images, so no image library is needed. They are written
at build time (by the PyInstaller spec and the MSI build), never committed.
"""

from __future__ import annotations

import struct
from pathlib import Path

ICONS_DIR = Path(__file__).resolve().parents[1] / "resources" / "icons"
ICO_SIZES = (16, 32, 48, 64, 128, 256)
# ICNS element types holding PNG data, by pixel size (the @2x types share sizes).
ICNS_TYPES = ((b"icp4", 16), (b"icp5", 32), (b"icp6", 64), (b"ic07", 128), (b"ic08", 256),
              (b"ic11", 32), (b"ic12", 64), (b"ic13", 256))
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def app_png(size: int, icons_dir: Path = ICONS_DIR) -> bytes:
    data = (icons_dir / f"app-{size}.png").read_bytes()
    if not data.startswith(PNG_SIGNATURE) or png_size(data) != (size, size):
        raise ValueError(f"{icons_dir / f'app-{size}.png'} is not a {size}x{size} PNG")
    return data


def png_size(data: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", data[16:24])  # from the IHDR chunk
    return width, height


def ico_bytes(icons_dir: Path = ICONS_DIR) -> bytes:
    images = [app_png(size, icons_dir) for size in ICO_SIZES]
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries = b""
    for size, image in zip(ICO_SIZES, images, strict=True):
        side = size if size < 256 else 0  # 0 stands for 256
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(image), offset)
        offset += len(image)
    return header + entries + b"".join(images)


def icns_bytes(icons_dir: Path = ICONS_DIR) -> bytes:
    elements = b"".join(
        kind + struct.pack(">I", 8 + len(image)) + image
        for kind, image in ((kind, app_png(size, icons_dir)) for kind, size in ICNS_TYPES)
    )
    return b"icns" + struct.pack(">I", 8 + len(elements)) + elements


def write_icon(kind: str, directory: Path) -> Path:
    """Write intranet-companion.ico or .icns into `directory` and return its path."""
    content = ico_bytes() if kind == "ico" else icns_bytes()
    path = directory / f"intranet-companion.{kind}"
    directory.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path
