"""The CJK font that PDFs, charts and static maps draw Chinese with.

Order: $LANDPARK_CJK_FONT, then a system Noto Sans CJK / WenQuanYi font, then the Noto Sans CJK
collection that arrives with pip (PyPI `noto-cjk-sans-otc`, OFL-1.1, Noto Sans CJK 2.004 by
Adobe and Google: every glyph of the full font, no subset). So a machine with nothing but Python
and the package registries still prints 中文, and rare characters in firm names do not become boxes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from spatial.errors import LandparkError

__all__ = ["CjkFont", "MissingFontError", "find_cjk_font", "packaged_cjk_font", "FONT_DIRS"]


class MissingFontError(LandparkError, FileNotFoundError):
    """No CJK font to embed in the PDF or draw the map labels with."""


@dataclass(frozen=True)
class CjkFont:
    """A font file that draws Simplified Chinese, and the face to use inside a collection."""

    path: Path
    index: int
    family: str
    bold_path: Path | None = None


# Face 2 of the Noto Sans CJK collection is SC (faces: JP, KR, SC, TC, HK, then the Mono ones).
NOTO_SC_FACE = 2
# System fonts (Debian packages fonts-noto-cjk and fonts-wqy-microhei): name, face, family, bold name.
_CANDIDATES = (
    ("NotoSansCJK-Regular.ttc", NOTO_SC_FACE, "Noto Sans CJK SC", "NotoSansCJK-Bold.ttc"),
    ("NotoSansCJKsc-Regular.otf", 0, "Noto Sans CJK SC", "NotoSansCJKsc-Bold.otf"),
    ("wqy-microhei.ttc", 0, "WenQuanYi Micro Hei", None),
    ("wqy-zenhei.ttc", 0, "WenQuanYi Zen Hei", None),
)
FONT_DIRS = (Path("/usr/share/fonts/opentype/noto"), Path("/usr/share/fonts/truetype/wqy"),
             Path("/usr/share/fonts/opentype"), Path("/usr/share/fonts/truetype"), Path("/usr/share/fonts"))


def packaged_cjk_font() -> CjkFont | None:
    """Noto Sans CJK SC from the `noto-cjk-sans-otc` wheel, or None when that package is absent."""
    try:
        import noto_cjk_sans_otc
    except ImportError:
        return None
    path = Path(str(noto_cjk_sans_otc.FONT_PATH))
    return CjkFont(path, NOTO_SC_FACE, "Noto Sans CJK SC") if path.is_file() else None


def _system_cjk_font(dirs: tuple[Path, ...]) -> CjkFont | None:
    for name, index, family, bold in _CANDIDATES:
        for folder in dirs:
            if not folder.is_dir():
                continue
            found = sorted(folder.rglob(name))
            if found:
                bold_path = next(iter(sorted(found[0].parent.glob(bold))), None) if bold else None
                return CjkFont(found[0], index, family, bold_path)
    return None


def find_cjk_font(dirs: tuple[Path, ...] = FONT_DIRS, *, packaged: bool = True) -> CjkFont:
    """The font to draw Chinese with: $LANDPARK_CJK_FONT, a system CJK font, else the packaged Noto Sans CJK SC."""
    env = os.environ.get("LANDPARK_CJK_FONT")
    if env:
        path = Path(env)
        if not path.is_file():
            raise MissingFontError(f"LANDPARK_CJK_FONT={env}: no such font file")
        return CjkFont(path, 0, path.stem)
    found = _system_cjk_font(dirs) or (packaged_cjk_font() if packaged else None)
    if found is None:
        raise MissingFontError(
            f"no CJK font: searched {', '.join(str(d) for d in dirs)} for Noto Sans CJK or WenQuanYi Micro Hei, "
            "and the Python package noto-cjk-sans-otc (a dependency of landpark) is not installed. Reinstall "
            "landpark, or set LANDPARK_CJK_FONT to a .ttf/.otf file that has Chinese glyphs.")
    return found
