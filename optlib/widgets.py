"""Slider demos in two forms from one description.

A demo is ``setup(fig) -> update``: ``setup`` draws what does not move on a matplotlib figure and
returns ``update(**values)``, which redraws the moving parts for the given slider values and returns
a sentence describing the result. ``show(setup, params)`` then builds

* a :class:`LiveDemo` (ipywidgets sliders, redrawn on every move) in a Jupyter kernel, or
* an :class:`~optlib.explorer.Explorer` (the moving parts precomputed on the slider grid, switched
  by HTML range inputs and a few lines of JavaScript) when ``OPTLIB_STATIC=1``, as in the website
  build: the page has no kernel, and an ipywidgets slider there would do nothing.

This is the only module that imports ipywidgets, and only when a live demo is made.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass

import numpy as np

from ._validate import check_range
from .explorer import Explorer
from .plotting import DemoFigure

STATIC_ENV = "OPTLIB_STATIC"


@dataclass(frozen=True)
class Param:
    """A slider: values from ``low`` to ``high`` in steps of ``step`` (a factor of 10**step if log).

    ``frames`` optionally lists the values the static explorer precomputes (default: every grid value).
    """

    name: str
    label: str
    low: float
    high: float
    step: float
    log: bool = False
    value: float | None = None
    frames: tuple | None = None

    def __post_init__(self):
        owner = f"Param({self.name!r})"
        check_range(owner, "low", self.low, low=0.0 if self.log else None, low_open=self.log)
        check_range(owner, "high", self.high, low=self.low, low_open=True)
        check_range(owner, "step", self.step, low=0.0, low_open=True)

    def grid(self) -> np.ndarray:
        """The values a live slider can take."""
        if self.log:
            exps = np.arange(np.log10(self.low), np.log10(self.high) + self.step / 2, self.step)
            return 10.0 ** exps
        return np.round(np.arange(self.low, self.high + self.step / 2, self.step), 10)

    def frame_values(self) -> np.ndarray:
        """The values the static explorer shows."""
        return np.asarray(self.frames, dtype=float) if self.frames is not None else self.grid()

    def initial(self) -> float:
        return float(self.value if self.value is not None else self.frame_values()[0])

    def format(self, v: float) -> str:
        return f"{v:.3g}"


def show(setup, *params: Param, name: str, width: float = 7.0, height: float = 3.2):
    """The demo as live sliders in a kernel, or as a kernel-free explorer when OPTLIB_STATIC=1."""
    if os.environ.get(STATIC_ENV) == "1":
        return Explorer(setup, params, name=name, width=width, height=height)
    return LiveDemo(setup, params, width=width, height=height).widget()


class LiveDemo(DemoFigure):
    """The demo redrawn by ipywidgets sliders. ``update(**values)`` (a :class:`DemoFigure`'s fast
    redraw) is what a slider move calls."""

    def __init__(self, setup, params, width=7.0, height=3.2):
        super().__init__(setup, width, height)
        self.params = tuple(params)

    def widget(self):
        import ipywidgets as w

        sliders = {p.name: _slider(w, p) for p in self.params}
        image = w.Image(format="png", layout=w.Layout(max_width="100%"))
        caption = w.HTML()

        def redraw(_change=None):
            image.value = self.update(**{n: s.value for n, s in sliders.items()})
            caption.value = f"<p>{html.escape(self.description)}</p>"

        for s in sliders.values():
            s.observe(redraw, names="value")
        redraw()
        return w.VBox([*sliders.values(), image, caption])


def _slider(w, p: Param):
    common = dict(description=p.label, continuous_update=True, readout_format=".3g",
                  style={"description_width": "initial"}, layout=w.Layout(width="420px"))
    if p.log:
        return w.FloatLogSlider(value=p.initial(), base=10, min=np.log10(p.low),
                                max=np.log10(p.high), step=p.step, **common)
    return w.FloatSlider(value=p.initial(), min=p.low, max=p.high, step=p.step, **common)
