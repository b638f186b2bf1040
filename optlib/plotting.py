"""Figures for trajectories: pure matplotlib, no widgets.

Each plot class draws what does not move once (a function's graph, contour lines, axes) and then
redraws only the moving parts with ``show(trajectory)``: the slider demos call ``show`` on every move,
so reusing the artists keeps a redraw cheap.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from PIL import Image

from .loops import Trajectory, run

# Okabe & Ito's colour-blind-safe palette (blue, orange, bluish green, vermillion, purple, sky, yellow).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442"]
GREY = "#7f7f7f"
_RESERVED = [*PALETTE, GREY, "#000000", "#ffffff"]
# The gid of artists that a slider update redraws; everything else is drawn once (see widgets).
MOVING = "moving"


def palette_png(image: Image.Image, colours: int, optimize: bool = False, palette=None,
                fast: bool = False) -> bytes:
    """PNG of ``image`` reduced to a palette: plots have few colours, so it looks the same and weighs less.

    The palette is ``palette`` (from ``make_palette``) or made from this image. ``optimize``
    compresses harder: worth it for a file written once, too slow for a slider redraw. ``fast``
    compresses lightly (zlib level 1): a redraw is shown once, at once, and level 1 encodes it about
    four times faster than the default level 6 for some 15 % more bytes.
    """
    flat = _on_white(image)
    palette = make_palette(flat, colours) if palette is None else palette
    buffer = io.BytesIO()
    level = {"compress_level": 1} if fast else {}
    flat.quantize(palette=palette, dither=Image.Dither.NONE).save(buffer, format="png", optimize=optimize,
                                                                 **level)
    return buffer.getvalue()


def make_palette(image: Image.Image, colours: int) -> Image.Image:
    """A palette image of ``colours`` colours for ``image``, which always holds the book's colours.

    The book's colours (PALETTE, GREY, black, white) are in it exactly: a median cut alone merges a
    colour that covers few pixels, such as a legend swatch, into its neighbour. The rest comes from a
    median cut of the image. A slider demo makes it once, from its background, and reuses it.
    """
    reserved = [int(h[i:i + 2], 16) for h in _RESERVED for i in (1, 3, 5)]
    free = _on_white(image).quantize(colours - len(_RESERVED), method=Image.Quantize.MEDIANCUT)
    palette = Image.new("P", (1, 1))
    palette.putpalette(reserved + free.getpalette()[:3 * (colours - len(_RESERVED))])
    return palette


def _on_white(image: Image.Image) -> Image.Image:
    """The image as RGB, its transparency flattened onto white."""
    if image.mode == "RGB":
        return image
    rgba = image.convert("RGBA")
    if rgba.getchannel("A").getextrema() == (255, 255):  # opaque, as a figure's canvas: nothing to flatten
        return rgba.convert("RGB")
    flat = Image.new("RGB", rgba.size, "white")
    flat.paste(rgba, mask=rgba.getchannel("A"))
    return flat


def new_figure(width: float = 7.0, height: float = 3.2, dpi: int = 100) -> Figure:
    """A constrained-layout figure detached from pyplot, so a notebook never shows it twice."""
    fig = Figure(figsize=(width, height), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


class DemoFigure:
    """A slider demo's figure, drawn once and then redrawn fast for each set of slider values.

    ``setup(fig)`` draws what does not move and returns ``update(**values)``, which moves the artists
    tagged ``gid=MOVING`` and returns a sentence describing the result. The live sliders
    (:class:`optlib.widgets.LiveDemo`) and the website's explorers (:class:`optlib.explorer.Explorer`)
    both render through this one object.

    Speed: the static parts (axes, ticks, contours) are rendered once and kept as a background;
    ``update`` restores it and draws only the moving artists (blitting), then encodes the pixels as a
    lightly compressed palette PNG (``palette_png(..., fast=True)``).
    """

    def __init__(self, setup, width=7.0, height=3.2):
        self.fig = new_figure(width, height)
        self._draw = setup(self.fig)
        self.moving = self.fig.findobj(lambda artist: artist.get_gid() == MOVING)
        for artist in self.moving:
            artist.set_animated(True)  # left out of the background render
        self.fig.canvas.draw()
        self.fig.set_layout_engine("none")  # the layout is solved; keep it fixed
        self._background = self.fig.canvas.copy_from_bbox(self.fig.bbox)
        background = _pixels(self.fig.canvas)
        self._palette = make_palette(background, 64)  # made once: every redraw reuses it
        self.background_png = palette_png(background, 64, palette=self._palette)
        self.description = ""

    def redraw_data(self, **values) -> str:
        """Recompute the moving artists for these slider values (no rendering); return the description."""
        self.description = self._draw(**values)
        return self.description

    def update(self, **values) -> bytes:
        """Recompute and redraw for these slider values; return the new PNG."""
        self.redraw_data(**values)
        canvas = self.fig.canvas
        canvas.restore_region(self._background)
        for artist in self.moving:
            artist.axes.draw_artist(artist)
        return palette_png(_pixels(canvas), 64, palette=self._palette, fast=True)


def _pixels(canvas) -> Image.Image:
    return Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba())


def _status_line(ax):
    """A one-line caption above the axes (the method and its settings), redrawn with the moving parts.

    Above rather than inside the axes, where it would cover the start of a path.
    """
    status = ax.set_title(" ", loc="left", fontsize=9)  # " " reserves the line in the layout
    status.set_gid(MOVING)
    return status


class FunctionPlot1D:
    """The graph of a 1-D objective with the iterates of a run on it."""

    def __init__(self, ax, objective, xlim, ylim=None, color=PALETTE[0]):
        grid = np.linspace(*xlim, 400)
        curve = objective.value(grid[:, None])
        ax.plot(grid, curve, color=GREY, lw=1.5)
        ax.set(xlim=xlim, ylim=ylim or (min(curve.min(), 0) - 0.05 * np.ptp(curve), curve.max()),
               xlabel="x", ylabel="f(x)")
        (self.path,) = ax.plot([], [], "o-", color=color, ms=4, lw=1, alpha=0.9, gid=MOVING)
        self.status = _status_line(ax)

    def show(self, traj: Trajectory, title: str = "") -> None:
        self.path.set_data(traj.xs[:, 0], traj.values)
        self.status.set_text(title)


class ContourPlot:
    """Contour lines of a 2-D objective, its minimizer if given, and the path of a run."""

    def __init__(self, ax, objective, xlim, ylim, x_star=None, levels: int = 14, color=PALETTE[0]):
        X, Y = np.meshgrid(np.linspace(*xlim, 160), np.linspace(*ylim, 160))
        Z = objective.value(np.stack([X, Y], axis=-1))
        floor = Z.min() if x_star is None else float(objective.value(np.asarray(x_star)))
        # Levels evenly spaced in sqrt(f - f*): equally spaced rings for a quadratic bowl.
        heights = floor + np.linspace(0, np.sqrt(Z.max() - floor), levels + 1)[1:] ** 2
        ax.contour(X, Y, Z, levels=heights, colors=GREY, linewidths=0.7)
        if x_star is not None:
            ax.plot(*x_star, marker="*", ms=11, color=PALETTE[3], ls="none", zorder=3)
        ax.set(xlim=xlim, ylim=ylim, xlabel="$x_1$", ylabel="$x_2$", aspect="equal")
        (self.path,) = ax.plot([], [], "o-", color=color, ms=3.5, lw=1.2, zorder=4, gid=MOVING)
        self.status = _status_line(ax)

    def show(self, traj: Trajectory, title: str = "") -> None:
        self.path.set_data(traj.xs[:, 0], traj.xs[:, 1])
        self.status.set_text(title)


class ConvergencePlot:
    """f(x_k) − f*, or ‖x_k − x*‖ when ``x_star`` is given, against k on a log scale.

    The limits are fixed so that runs compare across slider positions.
    """

    def __init__(self, ax, steps: int, f_star: float = 0.0, ylim=(1e-12, 1e4), color=PALETTE[0],
                 x_star=None):
        self.f_star, self.x_star = f_star, x_star
        label = r"$f(x_k) - f^*$" if x_star is None else r"$\|x_k - x^*\|$"
        ax.set(yscale="log", xlim=(0, steps), ylim=ylim, xlabel="iteration k", ylabel=label)
        ax.grid(True, which="major", alpha=0.3)
        (self.curve,) = ax.plot([], [], "-", color=color, lw=1.5, gid=MOVING)

    def show(self, traj: Trajectory) -> None:
        gap = traj.values - self.f_star if self.x_star is None else traj.distances(self.x_star)
        gap = np.maximum(gap, 1e-300)  # log axis: keep exact zeros drawable
        self.curve.set_data(np.arange(len(gap)), gap)


def describe(traj: Trajectory, f_star: float = 0.0) -> str:
    """One sentence on how a run went: the alt text of a frame and the caption under a slider demo."""
    steps = f"{traj.steps} step" + ("" if traj.steps == 1 else "s")
    if traj.diverged:
        return f"The run diverged: it was stopped after {steps} as f(x) exploded."
    gaps = traj.values - f_star
    first, last = gaps[0], gaps[-1]
    moves = np.diff(traj.xs, axis=0)
    if not np.any(moves):
        return f"The iterate did not move in {steps}: f − f* stayed at {first:.3g}."
    if np.isclose(last, first, rtol=1e-9, atol=0):
        return (f"f − f* is back at {first:.3g} after {steps}: the iterates bounce "
                "between points of equal height without converging.")
    if last > first:
        return f"f − f* grew from {first:.3g} to {last:.3g} in {steps}: diverging."
    exact = np.flatnonzero(gaps == 0)
    if exact.size and first > 0:
        return (f"f − f* fell from {first:.3g} to 0 in {steps}: the iterate reached the minimum "
                f"exactly at step {exact[0]}.")
    turns = np.einsum("ij,ij->i", moves[1:], moves[:-1]) < 0
    rises = int(np.sum(np.diff(gaps) > 0))
    if rises:
        shape = f"overshooting: f rose on {rises} of the {steps}"
    elif turns.mean() > 0.5:
        shape = "zig-zagging across the valley"
    else:
        shape = "moving steadily"
    return f"f − f* fell from {first:.3g} to {last:.3g} in {steps}, {shape}."


def show(fig, alt: str) -> None:
    """Display a finished pyplot figure with alt text written from the run that drew it.

    The alt text travels in the output's metadata; the site build puts it on the page's ``<img>``
    (book/_ext/site_fixes.py), so a figure's description is computed, never typed. The metadata also
    records the size of the figure's smallest text on the page (``optlib.smallest_text_px``).
    """
    import matplotlib.pyplot as plt
    from IPython.display import Image as IPythonImage
    from IPython.display import display

    if not isinstance(alt, str) or len(alt.split()) < 5:
        raise ValueError(f"show: alt must be a sentence describing the figure, got alt={alt!r}")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    width = Image.open(io.BytesIO(buffer.getvalue())).width
    check_text_size(fig, width)
    smallest = round(smallest_text(fig, width)[0], 1)
    plt.close(fig)
    display(IPythonImage(buffer.getvalue()),
            metadata={"image/png": {"alt": alt}, "optlib": {"smallest_text_px": smallest}})


# A book page shows a figure at most this wide (CSS px) in a 1280 px window; smaller text is unreadable.
PAGE_WIDTH = 688
MIN_TEXT_PX = 9.0


def smallest_text(fig, width_px: float) -> tuple[float, str]:
    """(size in CSS px at a 1280 px window, text) of the smallest visible text of ``fig``.

    ``width_px`` is the width of the rendered image; the page shrinks images wider than PAGE_WIDTH.
    The figure must have been drawn (tick labels get their text only then).
    """
    scale = min(1.0, PAGE_WIDTH / width_px) * fig.dpi / 72  # points → image pixels → page pixels
    sizes = [(t.get_fontsize() * scale, t.get_text()) for t in fig.findobj(Text)
             if t.get_visible() and t.get_text().strip() and t.figure is fig]
    return min(sizes, default=(np.inf, ""))


def check_text_size(fig, width_px: float) -> None:
    """ValueError if some text of ``fig`` would render below MIN_TEXT_PX on the page."""
    size, text = smallest_text(fig, width_px)
    if size < MIN_TEXT_PX:
        raise ValueError(
            f"figure text {text!r} would render at {size:.1f} px in a 1280 px window (image {width_px:.0f} "
            f"px wide, shown at most {PAGE_WIDTH} px); it must be at least {MIN_TEXT_PX:g} px: use a larger "
            "font or a narrower figure (more rows rather than wider)")


def trajectory_demo(objective, x0, steps: int, make_method, *, xlim, ylim=None, x_star=None,
                    f_star: float = 0.0, conv_ylim=(1e-12, 1e4)):
    """A two-panel slider demo: the path (graph or contours) and f − f* against k.

    ``make_method(**slider_values)`` builds the optimizer for the current slider values.
    Returns ``setup(fig) -> update``, the form that ``optlib.widgets.show`` expects: ``update(**values)``
    runs the method, redraws the moving parts and returns a sentence describing the run (alt text).
    """
    def setup(fig):
        ax_path, ax_conv = fig.subplots(1, 2, width_ratios=[1.2, 1])
        if np.size(x0) == 1:
            path = FunctionPlot1D(ax_path, objective, xlim, ylim)
        else:
            path = ContourPlot(ax_path, objective, xlim, ylim, x_star=x_star)
        conv = ConvergencePlot(ax_conv, steps, f_star=f_star, ylim=conv_ylim)

        def update(**values):
            method = make_method(**values)
            traj = run(method, objective, x0, steps)
            path.show(traj, title=method_title(method))
            conv.show(traj)
            start = ", ".join(f"{v:g}" for v in np.atleast_1d(x0))
            return f"{method_title(method)} on {objective.label} from x0 = ({start}): " + describe(
                traj, f_star)

        return update

    return setup


def method_title(method) -> str:
    """'SGD(lr=0.2)' → 'SGD, lr = 0.2': a compact legend for a figure."""
    text = repr(method)
    name, _, args = text.partition("(")
    return f"{name}, " + args.rstrip(")").replace("=", " = ") if args.strip(")") else name
