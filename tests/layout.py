"""What a reader would see wrong on a rendered figure or page: text off the page or cut by
its axes, text over text, a legend over plotted data, a page mostly empty.

The figure is drawn once with Agg; every text artist actually drawn is recorded as it is
drawn (tick labels outside the view are not drawn, so they are not counted), and its box
measured with the same renderer. Boxes are in display pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.collections import Collection, PathCollection, PolyCollection, QuadMesh
from matplotlib.figure import Figure, FigureBase
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text
from matplotlib.transforms import Bbox

FOOTER_GID = "page-footer"  # the page number: not content when judging how full a page is
SLACK = 1.0  # pixels a box may stray (antialiasing, rounding)


@dataclass(frozen=True)
class Drawn:
    text: Text
    box: Bbox

    @property
    def label(self) -> str:
        return repr(self.text.get_text()[:60])


def render(fig: FigureBase, dpi: float = 72) -> tuple[RendererAgg, list[Drawn]]:
    """Draw ``fig`` and return the renderer and every text artist drawn, with its box."""
    root = fig.get_figure(root=True)
    assert isinstance(root, Figure)
    root.set_dpi(dpi)
    canvas = FigureCanvasAgg(root)
    renderer = canvas.get_renderer()
    drawn: dict[int, Text] = {}
    plain = Text.draw

    def record(self: Text, renderer: object) -> None:
        if self.get_visible() and self.get_text().strip():
            drawn[id(self)] = self
        plain(self, renderer)  # type: ignore[arg-type]

    Text.draw = record  # type: ignore[method-assign]
    try:
        root.draw(renderer)
    finally:
        Text.draw = plain  # type: ignore[method-assign]
    return renderer, [Drawn(t, t.get_window_extent(renderer)) for t in drawn.values()]


def problems(fig: FigureBase, *, page: bool = False, dpi: float = 72) -> tuple[list[str], float]:
    """What is wrong with ``fig`` (an empty list: nothing), and the share of its height the
    content spans (excluding the page number)."""
    root = fig.get_figure(root=True)
    renderer, texts = render(fig, dpi)
    width, height = root.bbox.width, root.bbox.height
    out: list[str] = []
    for d in texts:
        b = d.box
        if b.x0 < -SLACK or b.y0 < -SLACK or b.x1 > width + SLACK or b.y1 > height + SLACK:
            out.append(f"off the figure: {d.label} at {_where(b)}")
        clip = d.text.get_clip_box() if d.text.get_clip_on() else None
        if clip is not None and not _inside(b, clip):
            out.append(f"cut by its axes: {d.label}")
    out += _overlaps(texts)
    for ax in root.findobj(Axes):
        if ax.get_visible() and ax.axison and not ax.has_data():
            out.append(f"empty panel: {ax.get_title()[:50]!r}")
    for legend in root.findobj(Legend):
        out += _covers(root, legend, renderer)
    used = _used(root, texts, renderer)
    return out, used


def _where(b: Bbox) -> str:
    return f"({b.x0:.0f}, {b.y0:.0f})-({b.x1:.0f}, {b.y1:.0f})"


def _inside(b: Bbox, clip: Bbox) -> bool:
    return (b.x0 >= clip.x0 - SLACK and b.y0 >= clip.y0 - SLACK and b.x1 <= clip.x1 + SLACK
            and b.y1 <= clip.y1 + SLACK)


def _overlaps(texts: list[Drawn]) -> list[str]:
    if len(texts) < 2:
        return []
    box = np.array([[d.box.x0, d.box.y0, d.box.x1, d.box.y1] for d in texts])
    x0, y0, x1, y1 = (box[:, k] for k in range(4))
    w = np.minimum(x1[:, None], x1[None, :]) - np.maximum(x0[:, None], x0[None, :])
    h = np.minimum(y1[:, None], y1[None, :]) - np.maximum(y0[:, None], y0[None, :])
    hit = (w > SLACK) & (h > SLACK)
    np.fill_diagonal(hit, False)
    i, j = np.nonzero(np.triu(hit))
    return [f"text over text: {texts[a].label} and {texts[b].label}" for a, b in
            zip(i.tolist(), j.tolist(), strict=True)]


def _covers(root: FigureBase, legend: Legend, renderer: RendererAgg) -> list[str]:
    """A legend drawn over the data of any axes of the figure."""
    if not legend.get_visible():
        return []
    box = legend.get_window_extent(renderer).padded(-2)
    out = []
    for ax in root.findobj(Axes):
        if not ax.get_visible() or not ax.axison:
            continue
        if not ax.get_window_extent(renderer).overlaps(box):
            continue
        for artist in [*ax.lines, *ax.patches, *ax.collections, *ax.images]:
            if not artist.get_visible():
                continue
            if _hits(artist, box):
                out.append(f"legend over data: {artist!r} in {ax.get_title()[:40]!r}")
                break
    return out


def _hits(artist: object, box: Bbox) -> bool:
    if isinstance(artist, Line2D):
        path = artist.get_transform().transform_path(artist.get_path())
        if artist.get_linestyle() in ("None", "", " ") or len(path.vertices) == 1:
            return bool(box.count_contains(path.vertices))
        return bool(path.intersects_bbox(box, filled=False))
    if isinstance(artist, Patch):
        path = artist.get_transform().transform_path(artist.get_path())
        return bool(path.intersects_bbox(box, filled=True))
    if isinstance(artist, PathCollection):
        offsets = artist.get_offset_transform().transform(artist.get_offsets())
        return bool(box.count_contains(np.asarray(offsets)))
    if isinstance(artist, QuadMesh):
        return bool(artist.get_window_extent().overlaps(box))
    if isinstance(artist, Collection):
        t, filled = artist.get_transform(), isinstance(artist, PolyCollection)
        return any(t.transform_path(p).intersects_bbox(box, filled=filled)
                   for p in artist.get_paths())
    return False


def _used(root: FigureBase, texts: list[Drawn], renderer: RendererAgg) -> float:
    """The share of the figure's height between its highest and lowest content."""
    boxes = [d.box for d in texts if d.text.get_gid() != FOOTER_GID]
    boxes += [ax.get_window_extent(renderer) for ax in root.findobj(Axes)
              if ax.get_visible() and ax.axison]
    if not boxes:
        return 0.0
    top = max(b.y1 for b in boxes)
    bottom = min(b.y0 for b in boxes)
    return float((top - bottom) / root.bbox.height)
