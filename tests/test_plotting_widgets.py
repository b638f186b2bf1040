import io
import json
import re

import numpy as np
import pytest
from PIL import Image

import optlib as ol
from optlib.explorer import Explorer
from optlib.widgets import LiveDemo, Param

ROTATED = ol.Quadratic([[1.0, 1.0], [1.0, 4.0]], label="the rotated quadratic")


def demo_setup():
    return ol.plotting.trajectory_demo(
        ROTATED, np.array([8.7, -7.9]), 30, lambda lr: ol.SGD(lr=lr),
        xlim=(-10, 10), ylim=(-10, 10), x_star=[0.0, 0.0])


def test_describe_tells_converging_zigzag_overshooting_and_diverging_runs_apart():
    f = ol.Quadratic([[2.0]])
    steady = ol.plotting.describe(ol.run(ol.SGD(lr=0.2), f, 8.7, 30))
    zigzag = ol.plotting.describe(ol.run(ol.SGD(lr=0.9), f, 8.7, 30))
    overshoot = ol.plotting.describe(ol.run(ol.Momentum(lr=0.05, beta=0.9), f, 8.7, 60))
    diverged = ol.plotting.describe(ol.run(ol.SGD(lr=1.05), f, 8.7, 1000))
    assert "moving steadily" in steady
    assert "zig-zagging" in zigzag
    assert "overshooting: f rose on" in overshoot
    assert "diverged" in diverged


def test_describe_says_when_a_run_bounces_or_stands_still():
    f = ol.Quadratic([[2.0]])
    bounce = ol.plotting.describe(ol.run(ol.SGD(lr=1.0), f, 8.7, 24))  # x_k = ±8.7
    still = ol.plotting.describe(ol.run(ol.SGD(lr=0.3), f, 0.0, 10))
    assert "back at 75.7" in bounce and "fell" not in bounce and "grew" not in bounce
    assert "did not move" in still
    exact = ol.plotting.describe(ol.run(ol.SGD(lr=0.5), f, 8.7, 10))  # x_1 = 0
    assert "reached the minimum exactly at step 1" in exact


def test_smallest_text_is_measured_as_the_page_shows_it():
    fig = ol.plotting.new_figure(6.0, 3.0)  # 600 px: shown at full size
    ax = fig.subplots()
    ax.set_title("title", fontsize=12)
    ax.tick_params(labelsize=8)
    fig.canvas.draw()
    size, text = ol.plotting.smallest_text(fig, 600)
    assert np.isclose(size, 8 * 100 / 72) and text  # a tick label, 11.1 px
    assert np.isclose(ol.plotting.smallest_text(fig, 1376)[0], 8 * 100 / 72 / 2)  # shrunk to half
    ol.plotting.check_text_size(fig, 600)
    with pytest.raises(ValueError, match="would render at 5.6 px"):
        ol.plotting.check_text_size(fig, 1376)


def test_show_refuses_a_figure_whose_text_the_page_would_shrink_below_9_px(monkeypatch):
    import IPython.display
    import matplotlib.pyplot as plt

    monkeypatch.setattr(IPython.display, "display", lambda obj, metadata: None)
    fig, axes = plt.subplots(1, 4, figsize=(16, 3))  # ~1400 px wide: 10-pt ticks shown at ~7 px
    with pytest.raises(ValueError, match="at least 9 px"):
        ol.plotting.show(fig, alt="Three empty panels side by side.")
    plt.close("all")


def test_show_puts_the_alt_text_in_the_output_metadata(monkeypatch):
    import IPython.display
    import matplotlib.pyplot as plt

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, metadata: shown.append((obj, metadata)))
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    ol.plotting.show(fig, alt="A straight line falling from 1 to 0.")
    image, metadata = shown[0]
    assert image.data.startswith(b"\x89PNG")
    assert metadata["image/png"] == {"alt": "A straight line falling from 1 to 0."}
    assert metadata["optlib"]["smallest_text_px"] >= 9
    assert not plt.get_fignums()  # closed, so the notebook does not show it twice
    with pytest.raises(ValueError, match="alt must be a sentence"):
        ol.plotting.show(plt.figure(), alt="")
    plt.close("all")


def test_live_update_changes_the_picture_and_the_description():
    live = LiveDemo(demo_setup(), [Param("lr", "learning rate", 0.05, 0.6, 0.05)])
    slow, fast = live.update(lr=0.05), live.update(lr=0.4)
    assert slow.startswith(b"\x89PNG") and slow != fast
    assert "lr = 0.4" in live.description
    assert live.update(lr=0.05) == slow  # no state leaks between redraws


def test_live_redraw_is_the_same_picture_as_a_fully_composited_png():
    live = LiveDemo(demo_setup(), [Param("lr", "learning rate", 0.05, 0.6, 0.05)])
    quick = Image.open(io.BytesIO(live.update(lr=0.3))).convert("RGB")     # level 1, opaque canvas
    canvas = Image.frombuffer("RGBA", live.fig.canvas.get_width_height(), live.fig.canvas.buffer_rgba())
    flat = Image.new("RGB", canvas.size, "white")
    flat.paste(canvas, mask=canvas.getchannel("A"))                          # the general path
    slow = ol.plotting.palette_png(flat, 64, palette=live._palette)          # default level 6
    assert np.array_equal(np.asarray(quick), np.asarray(Image.open(io.BytesIO(slow)).convert("RGB")))


def test_static_explorer_has_a_labelled_frame_per_grid_value():
    params = [Param("lr", "learning rate α", 0.1, 0.5, 0.1)]
    explorer = Explorer(demo_setup(), params, name="test-explorer")
    page = explorer._repr_html_()
    assert len(explorer.frames) == 5 and len({json.dumps(f) for f in explorer.frames}) == 5
    assert '<label for="optlib-explorer-test-explorer-0">learning rate α</label>' in page
    assert re.search(r'<input type="range" id="optlib-explorer-test-explorer-0" min="0" max="4"', page)
    data = json.loads(re.search(r'<script type="application/json">(.*?)</script>', page, re.S).group(1))
    assert data["sizes"] == [5] and data["labels"] == [["0.1", "0.2", "0.3", "0.4", "0.5"]]
    assert all(alt.startswith("SGD, lr = ") for alt in data["alts"])
    assert "diverged" not in data["alts"][3] and "grew" in data["alts"][4]  # 0.5 > 2/λmax ≈ 0.465


def test_explorer_paths_are_the_live_figure_in_pixels():
    """The SVG path of a frame passes through the pixels where matplotlib draws the same points."""
    explorer = Explorer(demo_setup(), [Param("lr", "lr", 0.1, 0.2, 0.1)], name="pixels")
    live = LiveDemo(demo_setup(), explorer.params)
    live.redraw_data(lr=0.1)
    path = live.moving[0]  # the contour panel's trajectory
    expected = path.get_transform().transform(path.get_xydata()[:3])
    moves = re.findall(r"([Ml])(-?[\d.]+) (-?[\d.]+)", explorer.frames[0][0])[:3]
    points = np.cumsum([[float(x), float(y)] for _, x, y in moves], axis=0)  # relative after the M
    height = explorer.size[1]
    assert [kind for kind, _, _ in moves] == ["M", "l", "l"]
    assert np.allclose(points[:, 0], expected[:, 0], atol=0.06)
    assert np.allclose(points[:, 1], height - expected[:, 1], atol=0.06)
    assert explorer.frames[0][0].startswith("M") and explorer.shapes[0]["marker"] > 0


def test_explorer_breaks_lines_at_missing_points_as_matplotlib_does():
    def setup(fig):
        ax = fig.subplots()
        ax.set(yscale="log", xlim=(0, 3), ylim=(1e-3, 10))
        (line,) = ax.plot([], [], "-", gid=ol.plotting.MOVING)

        def update(a):
            line.set_data([0, 1, 2, 3], [1.0, np.nan, a, 1.0])  # a gap in the line
            return f"a={a:g}"
        return update

    explorer = Explorer(setup, [Param("a", "a", 1, 2, 1)], name="logbreak")
    assert explorer.frames[0][0].count("M") == 2 and "nan" not in explorer.frames[0][0].lower()


def test_two_parameter_explorer_orders_frames_row_major():
    def setup(fig):
        ax = fig.subplots()
        (point,) = ax.plot([], [], "o", gid=ol.plotting.MOVING)
        ax.set(xlim=(0, 3), ylim=(0, 3))

        def update(a, b):
            point.set_data([a], [b])
            return f"a={a:g}, b={b:g}"
        return update

    explorer = Explorer(setup, [Param("a", "a", 1, 2, 1), Param("b", "b", 0, 2, 1)], name="grid")
    assert explorer.alts == ["a=1, b=0", "a=1, b=1", "a=1, b=2", "a=2, b=0", "a=2, b=1", "a=2, b=2"]


def test_show_picks_the_form_from_the_environment(monkeypatch):
    params = [Param("lr", "learning rate", 0.1, 0.3, 0.1)]
    monkeypatch.setenv("OPTLIB_STATIC", "1")
    assert isinstance(ol.widgets.show(demo_setup(), *params, name="x"), Explorer)
    monkeypatch.delenv("OPTLIB_STATIC")
    ipywidgets = pytest.importorskip("ipywidgets")
    box = ol.widgets.show(demo_setup(), *params, name="x")
    assert isinstance(box, ipywidgets.VBox)
    slider, image, caption = box.children
    first = image.value
    slider.value = 0.3
    assert image.value != first and "lr = 0.3" in caption.value


def test_log_slider_grid():
    p = Param("sigma", "noise σ", 1e-4, 1e-1, 1.0, log=True)
    assert p.grid() == pytest.approx([1e-4, 1e-3, 1e-2, 1e-1])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(low=0.5, high=0.1, step=0.1), r"Param\('lr'\): high must satisfy high > 0.5, got high=0.1"),
        (dict(low=0.1, high=0.5, step=0), r"Param\('lr'\): step must satisfy step > 0, got step=0"),
        (dict(low=0, high=1, step=0.5, log=True), r"Param\('lr'\): low must satisfy low > 0, got low=0"),
    ],
)
def test_bad_sliders_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Param("lr", "learning rate", **kwargs)


def test_explorer_names_must_be_safe_html_ids():
    with pytest.raises(ValueError, match=r"Explorer: name must be lowercase"):
        Explorer(demo_setup(), [Param("lr", "lr", 0.1, 0.2, 0.1)], name="Bad Name")


def test_convergence_plot_shows_the_gap_or_the_distance():
    fig = ol.plotting.new_figure()
    gap_ax, dist_ax = fig.subplots(1, 2)
    traj = ol.run(ol.SGD(lr=0.25), ol.Quadratic([[2.0]]), -4.0, 3)     # x = −4, −2, −1, −0.5
    gap, dist = ol.plotting.ConvergencePlot(gap_ax, 3), ol.plotting.ConvergencePlot(dist_ax, 3, x_star=[0.0])
    gap.show(traj)
    dist.show(traj)
    assert gap.curve.get_ydata() == pytest.approx([16, 4, 1, 0.25])
    assert dist.curve.get_ydata() == pytest.approx([4, 2, 1, 0.5])
    assert "x^*" in dist_ax.get_ylabel()
