"""The kernel-free form of a slider demo, for the website.

The static part of the figure (axes, ticks, contours) is rendered once as a PNG. For every point of
the slider grid the demo's moving artists (lines with their markers, texts) are recomputed and sent
as SVG path data in figure pixels, computed by matplotlib's own transforms, so log axes and aspect
ratios come out exactly as in the live figure. A few lines of JavaScript swap the paths when a
slider moves. One background image and a few kilobytes per frame keep pages light and sharp.
"""

from __future__ import annotations

import base64
import html
import itertools
import json
import re

import numpy as np
from matplotlib.colors import to_hex
from matplotlib.lines import Line2D
from matplotlib.text import Text

from ._validate import check_count
from .plotting import DemoFigure, check_text_size

# Far-off points (a diverging run) are clamped here; the axes' clip path hides them anyway.
_CLAMP = 1e4
# A point closer than this (pixels) to the last one drawn adds nothing visible: it is left out.
_MIN_STEP = 1.0
_MARKERS = {"o", "s", "^", "v", "D", "."}


class Explorer:
    """A slider demo precomputed on the grid of slider values, switched in the browser.

    The HTML holds one labelled ``<input type="range">`` per parameter, the background ``<img>``
    (its alt text describes the current frame), an SVG overlay for the moving parts, a caption that
    screen readers announce, and a small script. Everything is inline: no other file, no kernel,
    no network.
    """

    def __init__(self, setup, params, name: str, width=7.0, height=3.2):
        if not re.fullmatch(r"[a-z0-9-]+", name):
            raise ValueError(f"Explorer: name must be lowercase letters, digits and '-', got {name!r}")
        self.name, self.params = name, tuple(params)
        check_count("Explorer", "number of parameters", len(self.params), low=1)
        live = DemoFigure(setup, width, height)  # renders the background once, moves the artists
        self.size = live.fig.canvas.get_width_height()
        check_text_size(live.fig, self.size[0])
        self.background = "data:image/png;base64," + base64.b64encode(live.background_png).decode()
        self.shapes = [_style(a, live.fig) for a in live.moving]
        self.frames, self.alts = [], []
        for combo in itertools.product(*(p.frame_values() for p in self.params)):
            self.alts.append(live.redraw_data(**{p.name: float(v) for p, v in zip(self.params, combo)}))
            self.frames.append([_geometry(a, self.size[1]) for a in live.moving])

    def __repr__(self):
        return f"<Explorer {self.name!r}: {len(self.frames)} frames; shown as HTML on the website>"

    def _repr_html_(self) -> str:
        ident = f"optlib-explorer-{self.name}"
        values = [p.frame_values() for p in self.params]
        start = [int(np.argmin(np.abs(v - p.initial()))) for p, v in zip(self.params, values)]
        labels = [[p.format(x) for x in v] for p, v in zip(self.params, values)]
        first = int(np.ravel_multi_index(start, [len(v) for v in values]))
        data = {"frames": self.frames, "alts": self.alts, "sizes": [len(v) for v in values],
                "labels": labels}
        inputs = "\n".join(
            f'<div class="optlib-slider"><label for="{ident}-{i}">{html.escape(p.label)}</label> '
            f'<input type="range" id="{ident}-{i}" min="0" max="{len(v) - 1}" step="1" '
            f'value="{s}" aria-valuetext="{html.escape(p.label)} = {labels[i][s]}"> '
            f'<output for="{ident}-{i}">{labels[i][s]}</output></div>'
            for i, (p, v, s) in enumerate(zip(self.params, values, start)))
        w, h = self.size
        payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
        fill = "width:100%;height:auto;display:block"
        overlay = "position:absolute;left:0;top:0;width:100%;height:100%"
        return f"""<div class="optlib-explorer" id="{ident}">
{inputs}
<div class="optlib-figure" style="position:relative;max-width:{w}px">
<img src="{self.background}" alt="{html.escape(self.alts[first])}" width="{w}" height="{h}" style="{fill}">
<svg viewBox="0 0 {w} {h}" aria-hidden="true" focusable="false" style="{overlay}">
{_svg_elements(self.shapes, self.frames[first], ident)}
</svg>
</div>
<p class="optlib-caption" aria-live="polite">{html.escape(self.alts[first])}</p>
<script type="application/json">{payload}</script>
<script>{_EXPLORER_JS.replace("IDENT", ident)}</script>
</div>"""


def _style(artist, fig) -> dict:
    """What does not change between frames: kind, colour, widths, clipping box (SVG pixels)."""
    px = fig.dpi / 72  # points → pixels
    x0, y0, w, h = artist.axes.bbox.bounds
    clip = [round(x0, 1), round(fig.bbox.height - y0 - h, 1), round(w, 1), round(h, 1)]
    if isinstance(artist, Line2D):
        marker = artist.get_marker() if artist.get_marker() in _MARKERS else None
        return {"kind": "line", "color": to_hex(artist.get_color()), "alpha": artist.get_alpha() or 1,
                "width": round(artist.get_linewidth() * px, 2) if artist.get_linestyle() != "None" else 0,
                "marker": round(artist.get_markersize() * px / 2, 2) if marker else 0, "clip": clip}
    if isinstance(artist, Text):
        return {"kind": "text", "size": round(artist.get_fontsize() * px, 1),
                "anchor": {"left": "start", "center": "middle", "right": "end"}[artist.get_ha()],
                "baseline": {"top": "hanging", "center": "middle"}.get(artist.get_va(), "auto")}
    raise TypeError(f"Explorer: cannot draw moving artist {artist!r} in SVG (use lines and texts)")


def _geometry(artist, height: float):
    """What changes: a line's SVG path, or a text.

    A path starts each piece (it breaks at non-finite points) with an absolute 'M x y' and goes on
    with relative 'l dx dy' moves, in tenths of a pixel: short numbers keep a page of frames light.
    """
    if isinstance(artist, Text):
        x, y = artist.get_transform().transform(artist.get_position())
        return [round(float(x), 1), round(height - float(y), 1), artist.get_text()]
    with np.errstate(divide="ignore", invalid="ignore"):
        xy = artist.get_transform().transform(artist.get_xydata())
    parts, last = [], None  # last: the previous point drawn, in tenths of a pixel
    for i, (x, y) in enumerate(xy):
        if not (np.isfinite(x) and np.isfinite(y)):
            last = None
            continue
        point = np.round(10 * np.clip([x, height - y], -_CLAMP, _CLAMP)).astype(int)
        if last is None:
            parts.append(f"M{_tenths(point[0])} {_tenths(point[1])}")
        elif i == len(xy) - 1 or np.hypot(*(point - last)) >= 10 * _MIN_STEP:
            dx, dy = point - last
            parts.append(f"l{_tenths(dx)} {_tenths(dy)}")
        else:
            continue
        last = point
    return "".join(parts)


def _tenths(n: int) -> str:
    """An integer count of tenths as the shortest decimal: 12 → '1.2', 10 → '1', -3 → '-.3'."""
    text = f"{n / 10:.1f}".rstrip("0").rstrip(".")
    return text.replace("0.", ".", 1) if text.startswith(("0.", "-0.")) else text


def _svg_elements(shapes, frame, ident) -> str:
    out = []
    for j, (shape, geometry) in enumerate(zip(shapes, frame)):
        if shape["kind"] == "line":
            x, y, w, h = shape["clip"]
            clip_id, marker_id = f"{ident}-clip-{j}", f"{ident}-marker-{j}"
            r = shape["marker"]
            marker = (f'<marker id="{marker_id}" viewBox="{-r} {-r} {2 * r} {2 * r}" markerWidth="{2 * r}" '
                      f'markerHeight="{2 * r}" markerUnits="userSpaceOnUse"><circle r="{r}" '
                      f'fill="{shape["color"]}"/></marker>') if r else ""
            ends = (f' marker-start="url(#{marker_id})" marker-mid="url(#{marker_id})" '
                    f'marker-end="url(#{marker_id})"') if r else ""
            out.append(f'<clipPath id="{clip_id}"><rect x="{x}" y="{y}" width="{w}" height="{h}"/></clipPath>'
                       f'{marker}<path data-shape="{j}" d="{geometry}" fill="none" stroke="{shape["color"]}" '
                       f'stroke-width="{shape["width"]}" stroke-linejoin="round" opacity="{shape["alpha"]}" '
                       f'clip-path="url(#{clip_id})"{ends}/>')
        else:
            x, y, text = geometry
            out.append(f'<text data-shape="{j}" x="{x}" y="{y}" font-size="{shape["size"]}" '
                       f'text-anchor="{shape["anchor"]}" dominant-baseline="{shape["baseline"]}" '
                       f'font-family="DejaVu Sans, sans-serif" fill="#000" stroke="#fff" '
                       f'stroke-width="3" paint-order="stroke">{html.escape(text)}</text>')
    return "\n".join(out)


# Flattened index of the frame = row-major index of the sliders' positions (as np.ravel_multi_index).
_EXPLORER_JS = """
(function () {
  var root = document.getElementById("IDENT");
  var data = JSON.parse(root.querySelector('script[type="application/json"]').textContent);
  var inputs = root.querySelectorAll('input[type="range"]');
  var img = root.querySelector("img"), caption = root.querySelector(".optlib-caption");
  var shapes = root.querySelectorAll("[data-shape]");
  function redraw() {
    var index = 0;
    inputs.forEach(function (input, i) {
      var pos = Number(input.value);
      index = index * data.sizes[i] + pos;
      var text = data.labels[i][pos];
      input.nextElementSibling.textContent = text;
      var label = root.querySelector('label[for="' + input.id + '"]').textContent;
      input.setAttribute("aria-valuetext", label + " = " + text);
    });
    var frame = data.frames[index];
    shapes.forEach(function (el) {
      var g = frame[Number(el.dataset.shape)];
      if (el.tagName === "path") { el.setAttribute("d", g); }
      else { el.setAttribute("x", g[0]); el.setAttribute("y", g[1]); el.textContent = g[2]; }
    });
    img.alt = data.alts[index];
    caption.textContent = data.alts[index];
  }
  inputs.forEach(function (input) { input.addEventListener("input", redraw); });
})();
"""
