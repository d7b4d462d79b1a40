"""The shared widgets: every number they write is bound to a fake trace and agrees with it,
their geometry says what the numbers say, and each one renders with an animation."""

from __future__ import annotations

import numpy as np
import pytest
from manim import DOWN, LEFT, RIGHT, UP, Create, MathTex, Mobject, Scene, Text, tempconfig

from render.manim_run import Quality, manim_config
from scenes import theme
from scenes.numbers import fmt
from scenes.shown import Ref
from scenes.widgets.arrows import ValueArrow, carry
from scenes.widgets.axes import Plot, power_of_ten
from scenes.widgets.matrix import LabelledMatrix
from scenes.widgets.network import MAX_STROKE, NeuronLayers
from scenes.widgets.timeline import UnrolledTimeline
from tests.scenes.harness import check_text

TRACE = {
    "x": [1.0, -0.5, 2.0],
    "W1": [[0.5, -1.2, 0.3], [0.8, 0.1, -0.4], [-0.6, 0.9, 1.5], [0.05, -0.3, 0.7]],
    "a1": [0.35, -0.12, 0.88, 1.25],
    "W2": [[1.1, -0.7, 0.2, 0.4], [-0.9, 0.6, -1.3, 0.25]],
    "a2": [0.73, -0.4],
    "grad": [-0.42, 0.1],
    "h": [[0.1, -0.52, 0.3], [0.45, 0.2, -0.1], [-0.33, 0.61, 0.05]],
    "xs": [[1, 0], [0, 1], [1, 1]],
    "ys": [0.62, -0.1, 0.33],
    "norms": [8.5, 1.2, 0.35, 0.05, 0.01],
}
LABELS = {"input": "输入 x", "hidden": "隐藏层 a1", "steps": "步数", "loss": "损失"}
SIZE = Quality(160, 90, 3)


def arr(path: str) -> np.ndarray:
    return np.array(TRACE[path], dtype=np.float64)


def texts(mob: Mobject) -> list[Text | MathTex]:
    return [m for m in mob.get_family() if isinstance(m, (Text, MathTex))]


def problems(mob: Mobject, trace: dict = TRACE) -> list[str]:
    return [p for t in texts(mob) for p in check_text(t, trace, LABELS)]


def bound_paths(mob: Mobject) -> set[str]:
    return {ref.path for t in texts(mob) for ref in getattr(t, "bound", ())}


def network(**kwargs) -> NeuronLayers:
    return NeuronLayers([3, 4, 2], values=[arr("x"), arr("a1"), None],
                        value_paths=["x", "a1", None], weights=[arr("W1"), arr("W2")],
                        weight_paths=["W1", "W2"], **kwargs)


# -- network -----------------------------------------------------------------------------------
def test_network_binds_every_number_it_writes():
    net = network(captions=[theme.label(LABELS["input"], "input"),
                            theme.label(LABELS["hidden"], "hidden"), None],
                  labelled=[(0, 2, 1), (1, 1, 2)])
    assert problems(net) == []
    assert bound_paths(net) == ({f"x[{i}]" for i in range(3)} | {f"a1[{i}]" for i in range(4)}
                                | {"W1[2][1]", "W2[1][2]"})
    assert net.values[2] == [None, None]
    assert net.captions[0].get_bottom()[1] > max(c.get_top()[1] for c in net.neurons[1])


def test_a_wrong_trace_is_caught():
    net = network(labelled=[(0, 2, 1)])
    changed = {**TRACE, "a1": [0.35, -0.12, 0.9, 1.25], "W1": [[0.0] * 3] * 4}
    found = problems(net, changed)
    assert any("a1[2]" in p for p in found) and any("W1[2][1]" in p for p in found)


def test_network_edges_follow_the_weights():
    net = network()
    w1 = arr("W1")
    assert sum(len(row) for layer in net.edges for row in layer) == 3 * 4 + 4 * 2
    assert len(net.edge_group) == 20
    for j in range(4):
        for i in range(3):
            edge = net.edges[0][j][i]
            start, end = net.neurons[0][i].get_center(), net.neurons[1][j].get_center()
            assert np.linalg.norm(edge.get_start() - start) == pytest.approx(net.radius)
            assert np.linalg.norm(edge.get_end() - end) == pytest.approx(net.radius)
            expected = theme.POSITIVE if w1[j, i] > 0 else theme.NEGATIVE
            assert edge.get_stroke_color().to_hex() == expected.to_hex()
    widths = [(abs(w), net.edges[k][j][i].get_stroke_width())
              for k, w_k in enumerate([w1, arr("W2")]) for (j, i), w in np.ndenumerate(w_k)]
    widths.sort()
    assert all(a[1] <= b[1] + 1e-9 for a, b in zip(widths, widths[1:], strict=False))
    assert widths[-1][1] == pytest.approx(MAX_STROKE) and widths[0][1] < widths[-1][1]
    assert len(net.edges_into(0, 1)) == 3 and len(net.edges_from(1, 0)) == 2


def test_edge_label_sits_on_its_edge():
    net = network()
    label = net.edge_label(1, 0, 3, at=0.3)
    assert [r.path for r in label.bound] == ["W2[0][3]"] and label.original_text == fmt(0.4)
    edge = net.edges[1][0][3]
    assert np.allclose(label.get_center(), edge.point_from_proportion(0.3), atol=0.02)
    assert label.z_index >= 1 and label not in net.get_family()
    with pytest.raises(ValueError):
        NeuronLayers([3, 4], weights=[arr("W2")], weight_paths=["W2"])
    with pytest.raises(ValueError):
        NeuronLayers([3, 4], values=[arr("a1")], value_paths=["a1"])


# -- arrows ------------------------------------------------------------------------------------
def test_value_arrow_label_beside_its_middle():
    ref = Ref("grad[0]", fmt(-0.42))
    for side in (1, -1):
        start, end = np.array([3.0, 1.0, 0]), np.array([-2.0, -1.0, 0])
        arrow = ValueArrow(start, end, ref, template="∂L/∂a = {}", side=side)
        assert problems(arrow) == []
        mid = (start + end) / 2
        offset = arrow.label.get_center() - mid
        direction = end - start
        assert np.sign(np.cross(direction, offset)[2]) == side  # left of travel for side 1
        assert np.dot(offset, direction) == pytest.approx(0, abs=1e-6)  # beside the middle
        lo, hi = arrow.label.get_corner(DOWN + LEFT), arrow.label.get_corner(UP + RIGHT)
        assert not (lo[0] <= mid[0] <= hi[0] and lo[1] <= mid[1] <= hi[1])


def test_carry_moves_a_bound_copy_from_start_to_end():
    arrow = ValueArrow(RIGHT * 2, LEFT * 2, Ref("grad[1]", "0.1"))
    before = arrow.label.get_center().copy()
    animation = arrow.carry()
    copy = animation.mobject
    assert copy is not arrow.label and copy.bound == arrow.label.bound
    animation.begin()
    animation.interpolate(0.0)
    assert np.allclose(copy.get_center(), arrow.arrow.get_start(), atol=1e-6)
    animation.interpolate(1.0)
    assert np.allclose(copy.get_center(), arrow.arrow.get_end(), atol=1e-6)
    assert np.allclose(arrow.label.get_center(), before)
    assert problems(copy) == []


# -- timeline ----------------------------------------------------------------------------------
def timeline(**kwargs) -> UnrolledTimeline:
    return UnrolledTimeline(arr("h"), "h", arr("xs"), "xs", arr("ys"), "ys",
                            weight=theme.formula(r"W_{hh}", size=26), **kwargs)


def test_timeline_binds_h_x_y_per_step():
    line = timeline()
    assert problems(line) == []
    paths = bound_paths(line)
    assert {"h[2][1]", "xs[1][0]", "ys[2]"} <= paths and len(paths) == 9 + 6 + 3
    assert [e.original_text for e in line.steps[1].h.entries] == [fmt(v) for v in TRACE["h"][1]]


def test_timeline_arrows_point_forward_and_up():
    line = timeline()
    assert line.steps[0].recurrent is None
    for t, step in enumerate(line.steps):
        for arrow in (step.arrow_in, step.arrow_out):
            d = arrow.get_end() - arrow.get_start()
            assert d[1] > 0 and abs(d[0]) < 1e-6
        assert step.arrow_in.get_start()[1] >= step.x.get_top()[1] - 1e-6
        assert step.arrow_out.get_end()[1] <= step.y.get_bottom()[1] + 1e-6
        if t:
            d = step.recurrent.get_end() - step.recurrent.get_start()
            assert d[0] > 0 and abs(d[1]) < 1e-6
            assert step.weight.get_bottom()[1] > step.recurrent.get_center()[1]
    weights = [s.weight for s in line.steps[1:]]
    assert len({id(w) for w in weights}) == 2 and line.steps[0].weight is None
    once = timeline(weight_once=True)
    assert once.steps[1].weight is not None and once.steps[2].weight is None


def test_cut_line_falls_between_two_steps():
    line = timeline()
    cut = line.cut_line(2)
    x = cut.get_center()[0]
    assert line.steps[2].weight.get_right()[0] < x < line.steps[2].h.get_left()[0]
    assert x > line.steps[1].h.get_right()[0]
    assert cut.get_top()[1] >= line.get_top()[1] and cut.get_bottom()[1] <= line.get_bottom()[1]
    with pytest.raises(ValueError):
        line.cut_line(0)


# -- plot --------------------------------------------------------------------------------------
@pytest.mark.parametrize("width, height, log", [(6.0, 3.5, False), (4.0, 2.5, True)])
def test_plot_fits_and_its_ticks_are_ticks(width, height, log):
    plot = Plot((0, 6, 1), (-4, 1, 1) if log else (0, 3, 1), width=width, height=height,
                x_caption=theme.label(LABELS["steps"], "steps"),
                y_caption=theme.label(LABELS["loss"], "loss"), y_log=log)
    assert plot.width <= width + 1e-6 and plot.height <= height + 1e-6
    assert plot.x_ticks[0].height == pytest.approx(theme.tick("0").height)  # not shrunk
    assert problems(plot) == []
    assert all(hasattr(t, "tick") and not getattr(t, "bound", ()) for t in plot.y_ticks)
    assert len(plot.x_ticks) == 7 and len(plot.y_ticks) == (3 if log else 4)  # 6 decades: thinned
    assert plot.y_caption.get_bottom()[1] > plot.y_ticks.get_top()[1] + 0.1
    assert plot.x_caption.get_top()[1] < plot.x_ticks.get_bottom()[1]


def test_a_plot_with_a_wide_caption_still_fits():
    caption = theme.text("gradient norm of every layer")
    assert caption.width > 2.0
    plot = Plot((0, 4, 1), (0, 2, 1), width=2.0, height=2.0, y_caption=caption)
    assert plot.width <= 2.0 + 1e-6 and plot.height <= 2.0 + 1e-6


def test_crowded_tick_labels_are_thinned():
    plot = Plot((0, 20, 1), (-2, 2, 0.5), width=4, height=1.6)
    for ticks, axis, size in ((plot.x_ticks, 0, "width"), (plot.y_ticks, 1, "height")):
        assert 2 <= len(ticks) < 9
        centers = sorted(t.get_center()[axis] for t in ticks)
        extent = max(getattr(t, size) for t in ticks)
        assert min(np.diff(centers)) > extent


def test_log_ticks_read_as_powers_of_ten():
    assert [power_of_ten(e) for e in (-3, 0, 1, 2)] == ["10⁻³", "1", "10", "10²"]


def test_bars_grow_with_their_values():
    plot = Plot((0, 6, 1), (0, 10, 2))
    bars = plot.bars(arr("norms"), "norms")
    assert problems(bars) == [] and bound_paths(bars) == {f"norms[{i}]" for i in range(5)}
    heights = [r.height for r in bars.rects]
    assert heights == sorted(heights, reverse=True)  # the values fall
    assert bars.rects[0].get_top()[1] == pytest.approx(plot.c2p(1, 8.5)[1])
    for rect, label in zip(bars.rects, bars.labels, strict=True):
        assert label.get_bottom()[1] > rect.get_top()[1]
    with pytest.raises(ValueError):
        plot.bars(arr("norms"), "norms", log=True)


def test_log_bars_space_decades_evenly():
    plot = Plot((0, 6, 1), (-4, 1, 1), y_log=True)
    values = [10.0, 1.0, 0.1, 0.01]
    bars = plot.bars(values, "norms", numbers=False)
    tops = [r.get_top()[1] for r in bars.rects]
    steps = np.diff(tops)
    assert np.all(steps < 0) and np.allclose(steps, steps[0])  # each decade the same step
    assert tops[1] == pytest.approx(plot.c2p(2, 1.0)[1])
    assert bars.rects[3].get_bottom()[1] == pytest.approx(plot.c2p(4, 1e-4)[1])
    assert bars.labels == []


def test_curve_scatter_and_marker_use_data_coordinates():
    plot = Plot((0, 4, 1), (0, 2, 1))
    xs, ys = [0, 1, 2, 4], [2, 1, 0.5, 0.25]
    curve = plot.curve(xs, ys)
    corners = curve.get_anchors()
    for x, y in zip(xs, ys, strict=True):
        assert np.min(np.linalg.norm(corners - plot.c2p(x, y), axis=1)) < 1e-6
    dots = plot.scatter(np.array([[1, 1], [3, 0.5]]), radius=0.05)
    assert len(dots) == 2 and np.allclose(dots[1].get_center(), plot.c2p(3, 0.5))
    assert np.allclose(plot.marker(2, 1).get_center(), plot.c2p(2, 1))


# -- labelled matrix ---------------------------------------------------------------------------
def test_labelled_matrix_binds_its_entries():
    matrix = LabelledMatrix(arr("W1"), "W1", name=theme.formula("W_1"))
    assert problems(matrix) == []
    assert bound_paths(matrix) == {f"W1[{i}][{j}]" for i in range(4) for j in range(3)}
    assert matrix.shown_text()[0] == [fmt(v) for v in TRACE["W1"][0]]
    assert problems(matrix, {**TRACE, "W1": [[0.0] * 3] * 4}) != []
    column = LabelledMatrix(arr("a1"), "a1")
    row = LabelledMatrix(arr("a1"), "a1", column=False)
    assert bound_paths(column) == bound_paths(row) == {f"a1[{i}]" for i in range(4)}
    assert column.entries[1][0].get_y() < column.entries[0][0].get_y()
    assert row.entries[0][1].get_x() > row.entries[0][0].get_x()
    assert column.left_bracket.get_right()[0] < column.numbers.get_left()[0]


# -- rendering ---------------------------------------------------------------------------------
def build_network():
    net = network(labelled=[(0, 0, 1)])
    return net, carry(net.values[0][0], net.edges[0][0][0], run_time=0.5)


def build_arrow():
    arrow = ValueArrow(RIGHT * 2, LEFT * 2, Ref("grad[0]", fmt(-0.42)))
    return arrow, arrow.carry(run_time=0.5)


def build_timeline():
    line = timeline()
    return line, Create(line.cut_line(1), run_time=0.5)


def build_plot():
    plot = Plot((0, 6, 1), (-4, 1, 1), width=5, height=3, y_log=True)
    plot.add(plot.bars(arr("norms"), "norms"))
    return plot, Create(plot.curve([1, 2, 3], [1, 0.1, 0.01]), run_time=0.5)


def build_matrix():
    matrix = LabelledMatrix(arr("W1"), "W1")
    return matrix, theme.pulse(matrix)


@pytest.mark.parametrize("build", [build_network, build_arrow, build_timeline, build_plot,
                                   build_matrix])
def test_widget_renders_an_animation(build, tmp_path):
    class OneAnimation(Scene):
        def construct(self) -> None:
            self.camera.background_color = theme.BACKGROUND
            widget, animation = build()
            self.add(widget)
            self.play(animation)

    with tempconfig(manim_config(SIZE, tmp_path, write_to_movie=False)):
        scene = OneAnimation()
        scene.render()
        frame = np.asarray(scene.renderer.get_frame())[..., :3].astype(int)
    assert scene.renderer.num_plays == 1
    assert np.abs(frame - np.array(theme.BACKGROUND.to_int_rgb())).max() > 60  # drawn
    assert [p for m in scene.mobjects for p in problems(m)] == []
