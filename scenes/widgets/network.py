"""A fully connected network: layers of neurons left to right, weighted connections between them.

Neuron values and weight labels are bound to the trace: the value of neuron i of layer k is
`value_paths[k][i]`, and the connection from neuron i of layer k to neuron j of layer k+1 is
`weight_paths[k][j][i]` (a weight matrix is out x in, as in `a = W x`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from manim import UP, Circle, Line, Text, VGroup

from scenes import theme
from scenes.shown import cell_ref

MIN_STROKE = 0.8
MAX_STROKE = 6.0


def _fit(text: Text, width: float) -> Text:
    """Shrink `text` to `width`, but never below the smallest readable height."""
    if text.width > width:
        text.scale(max(width / text.width, theme.MIN_TEXT_HEIGHT / text.height))
    return text


def sign_color(value: float) -> theme.ManimColor:
    """POSITIVE for a positive weight, NEGATIVE for a negative one, MUTED for zero."""
    return theme.POSITIVE if value > 0 else theme.NEGATIVE if value < 0 else theme.MUTED


class NeuronLayers(VGroup):
    """Neurons as circles, layer k at x = k * `layer_gap` (centered), its neurons `neuron_gap`
    apart. Parts to animate:

    - `neurons[k][i]`: the Circle; `values[k][i]`: its bound value Text, or None;
    - `edges[k][j][i]`: the Line from neuron i of layer k to neuron j of layer k+1, colored by
      the sign of the weight and as wide as its magnitude (thin and muted without weights);
    - `captions[k]`: the caller's caption above layer k, or None;
    - `edge_labels[(k, j, i)]`: the weight labels asked for with `labelled`.

    `values[k]` (a vector, or None) is bound to `value_paths[k]`, `weights[k]` (out x in, or
    None) to `weight_paths[k]`. `weight_scale` is the magnitude drawn widest (default: the
    largest weight shown), to keep two networks comparable.
    """

    def __init__(self, sizes: Sequence[int],
                 values: Sequence[np.ndarray | None] = (), value_paths: Sequence[str | None] = (),
                 weights: Sequence[np.ndarray | None] = (), weight_paths: Sequence[str] = (),
                 captions: Sequence[Text | None] = (),
                 labelled: Iterable[tuple[int, int, int]] = (), layer_gap: float = 2.4,
                 neuron_gap: float = 0.85, radius: float = 0.32, style: str = "fmt",
                 weight_style: str = "fmt", text_size: float = theme.CELL_TEXT_SIZE,
                 weight_scale: float | None = None) -> None:
        super().__init__()
        self.sizes = list(sizes)
        self.radius = radius
        self.text_size = text_size
        self.weight_style = weight_style
        self.weights = [None if w is None else np.asarray(w, dtype=np.float64) for w in weights]
        self.weight_paths = list(weight_paths)
        for k, w in enumerate(self.weights):
            if w is not None and w.shape != (self.sizes[k + 1], self.sizes[k]):
                raise ValueError(f"{self.weight_paths[k]} has shape {w.shape}, layers {k} and "
                                 f"{k + 1} need {(self.sizes[k + 1], self.sizes[k])} (out x in)")
        drawn = [np.abs(w).max() for w in self.weights if w is not None and w.size]
        scale = weight_scale if weight_scale is not None else max(drawn, default=0.0)

        self.neurons: list[list[Circle]] = []
        self.values: list[list[Text | None]] = []
        for k, n in enumerate(self.sizes):
            x = (k - (len(self.sizes) - 1) / 2) * layer_gap
            layer_values = values[k] if k < len(values) else None
            if layer_values is not None and len(layer_values) != n:
                raise ValueError(f"{value_paths[k]} has {len(layer_values)} values, layer {k} "
                                 f"has {n} neurons")
            circles, texts = [], []
            for i in range(n):
                circle = Circle(radius, stroke_color=theme.INK, stroke_width=2,
                                fill_color=theme.CELL_FILL, fill_opacity=1)
                circle.move_to([x, ((n - 1) / 2 - i) * neuron_gap, 0])
                text = None
                if layer_values is not None:
                    ref = cell_ref(value_paths[k], (i,), float(layer_values[i]), style)
                    text = _fit(theme.bound("{}", [ref], text_size), 1.6 * radius)
                    text.move_to(circle).set_z_index(1)
                circles.append(circle)
                texts.append(text)
            self.neurons.append(circles)
            self.values.append(texts)

        self.edges: list[list[list[Line]]] = []
        for k in range(len(self.sizes) - 1):
            w = self.weights[k] if k < len(self.weights) else None
            rows = []
            for j, target in enumerate(self.neurons[k + 1]):
                row = []
                for i, source in enumerate(self.neurons[k]):
                    line = Line(source.get_center(), target.get_center(), buff=radius)
                    if w is None:
                        line.set_stroke(theme.MUTED, MIN_STROKE, opacity=0.7)
                    else:
                        share = abs(w[j, i]) / scale if scale > 0 else 0.0
                        line.set_stroke(sign_color(w[j, i]),
                                        MIN_STROKE + (MAX_STROKE - MIN_STROKE) * min(share, 1.0))
                    row.append(line)
                rows.append(row)
            self.edges.append(rows)

        top = max(c.get_top()[1] for layer in self.neurons for c in layer)
        self.captions: list[Text | None] = []
        for k in range(len(self.sizes)):
            caption = captions[k] if k < len(captions) else None
            if caption is not None:
                caption.next_to([self.neurons[k][0].get_x(), top, 0], UP, buff=0.25)
            self.captions.append(caption)

        self.edge_group = VGroup(*[e for layer in self.edges for row in layer for e in row])
        self.neuron_group = VGroup(*[c for layer in self.neurons for c in layer])
        self.value_group = VGroup(*[t for layer in self.values for t in layer if t is not None])
        self.add(self.edge_group, self.neuron_group, self.value_group,
                 *[c for c in self.captions if c is not None])
        self.edge_labels: dict[tuple[int, int, int], Text] = {}
        for k, j, i in labelled:
            self.edge_labels[(k, j, i)] = self.edge_label(k, j, i)
            self.add(self.edge_labels[(k, j, i)])

    def layer(self, k: int) -> VGroup:
        """Layer k's circles and values."""
        return VGroup(*self.neurons[k], *[t for t in self.values[k] if t is not None])

    def edges_into(self, k: int, j: int) -> VGroup:
        """The connections into neuron j of layer k+1."""
        return VGroup(*self.edges[k][j])

    def edges_from(self, k: int, i: int) -> VGroup:
        """The connections out of neuron i of layer k."""
        return VGroup(*[row[i] for row in self.edges[k]])

    def edge_label(self, k: int, j: int, i: int, at: float = 0.5,
                   size: float | None = None) -> Text:
        """The weight of `edges[k][j][i]` as a bound Text at fraction `at` along the edge, on a
        background rectangle that masks the lines under it (not added to the widget)."""
        w = self.weights[k] if k < len(self.weights) else None
        if w is None:
            raise ValueError(f"connections {k} -> {k + 1} were drawn without weights")
        ref = cell_ref(self.weight_paths[k], (j, i), float(w[j, i]), self.weight_style)
        text = theme.bound("{}", [ref], size or self.text_size)
        text.add_background_rectangle(theme.BACKGROUND, opacity=0.9, buff=0.04)
        return text.move_to(self.edges[k][j][i].point_from_proportion(at)).set_z_index(1)
