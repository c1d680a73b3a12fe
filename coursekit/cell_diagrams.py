"""Diagrams of one step of the tanh RNN, the LSTM and the GRU, in the notation card's symbols.

Every text in a diagram is a symbol or a term exactly as `docs/NOTATION.md` writes it (so a
diagram never names a thing the card calls otherwise); data flows left to right, from the inputs
of step t ($x_t$, $h_{t-1}$, $c_{t-1}$) to its outputs. Boxes with a formula are the affine maps
(the card's terms, weights included), rounded boxes the activations ($\\sigma$, $\\tanh$), circles
the elementwise operations ($\\odot$, $+$); a dot is a junction where one value goes two ways.

    import matplotlib.pyplot as plt
    from coursekit.cell_diagrams import draw_lstm_cell
    draw_lstm_cell()
    plt.show()
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch
from matplotlib.path import Path

# (face colour, edge colour) of each kind of node
STYLES = {
    "affine": ("#dbe9f6", "#3a6d9a"),  # a box holding one of the card's affine terms
    "activation": ("#fdf0c2", "#a4811c"),  # sigma or tanh
    "operation": ("#ffffff", "#444444"),  # elementwise product or sum, a circle
    "value": (None, None),  # an input or output of the step: text alone
}
FONT_SIZE = 12
CIRCLE_RADIUS = 0.22
INCHES_PER_UNIT = 0.8  # the diagrams are laid out in data units of this size
PAD = 0.12  # between a box's text and its edge, in data units


@dataclass
class Node:
    """A drawn symbol: centre (x, y) and half its width and height (what arrows stop at)."""

    x: float
    y: float
    half_width: float
    half_height: float

    def edge(self, towards: tuple[float, float]) -> tuple[float, float]:
        """Where a straight, axis-parallel line from the centre towards `towards` leaves."""
        dx, dy = towards[0] - self.x, towards[1] - self.y
        if abs(dx) >= abs(dy):
            return (self.x + (self.half_width if dx > 0 else -self.half_width), self.y)
        return (self.x, self.y + (self.half_height if dy > 0 else -self.half_height))

    def left(self, offset: float = 0.0) -> tuple[float, float]:
        """A point on the left edge, `offset` above the middle (where a second input enters)."""
        return (self.x - self.half_width, self.y + offset)


class Diagram:
    """One axes of nodes joined by arrows, drawn in data units with an equal aspect."""

    def __init__(self, width: float, height: float, ax=None):
        if ax is None:
            _, ax = plt.subplots(figsize=(width * INCHES_PER_UNIT, height * INCHES_PER_UNIT))
        self.ax, self.figure = ax, ax.figure
        ax.set_xlim(0, width)
        ax.set_ylim(0, height)
        ax.set_aspect("equal")
        ax.axis("off")
        self._renderer = self.figure.canvas.get_renderer()

    def node(self, x: float, y: float, symbol: str, kind: str) -> Node:
        face, edge = STYLES[kind]
        text = self.ax.text(x, y, f"${symbol}$", ha="center", va="center", fontsize=FONT_SIZE)
        text.set_zorder(3)
        extent = text.get_window_extent(self._renderer).transformed(self.ax.transData.inverted())
        half_width, half_height = extent.width / 2, extent.height / 2
        if kind == "operation":
            radius = max(CIRCLE_RADIUS, half_width + 0.06)
            self.ax.add_patch(Circle((x, y), radius, facecolor=face, edgecolor=edge, zorder=2))
            return Node(x, y, radius, radius)
        if kind == "value":
            return Node(x, y, half_width + 0.05, half_height + 0.05)
        rounding = 0.12 if kind == "activation" else 0.02
        self.ax.add_patch(
            FancyBboxPatch(
                (x - half_width, y - half_height),
                2 * half_width,
                2 * half_height,
                boxstyle=f"round,pad={PAD},rounding_size={rounding}",
                facecolor=face,
                edgecolor=edge,
                zorder=2,
            )
        )
        return Node(x, y, half_width + PAD, half_height + PAD)

    def arrow(self, start, end, via=(), *, head: bool = True) -> None:
        """A line from `start` through the corners `via` to `end` (each a Node, which the line
        leaves or enters at its edge, or a point), with an arrow head at `end` if `head`."""
        corners = [tuple(point) for point in via]
        first = corners[0] if corners else _centre(end)
        last = corners[-1] if corners else _centre(start)
        points = [
            start.edge(first) if isinstance(start, Node) else tuple(start),
            *corners,
            end.edge(last) if isinstance(end, Node) else tuple(end),
        ]
        path = Path(points, [Path.MOVETO] + [Path.LINETO] * (len(points) - 1))
        self.ax.add_patch(
            FancyArrowPatch(
                path=path,
                arrowstyle="-|>" if head else "-",
                mutation_scale=14,
                linewidth=1.3,
                color="#333333",
                shrinkA=0,
                shrinkB=0,
                zorder=1,
            )
        )

    def junction(self, x: float, y: float) -> tuple[float, float]:
        """A dot where a value goes two ways (lines that cross without a dot do not meet)."""
        self.ax.plot([x], [y], "o", color="#333333", markersize=4.5, zorder=2)
        return (x, y)

    def label(self, x: float, y: float, symbol: str, **options) -> None:
        """A symbol beside a line, naming the value it carries."""
        self.ax.text(x, y, f"${symbol}$", fontsize=FONT_SIZE - 1, color="#222222", **options)


def _centre(item) -> tuple[float, float]:
    return (item.x, item.y) if isinstance(item, Node) else tuple(item)


def draw_rnn_cell(ax=None) -> Figure:
    """One step of the tanh RNN: a_t = x_t W_x + h_{t-1} W_h + b, h_t = tanh(a_t), and the
    output y_t = h_t W_y + b_y. Draws on `ax` (a new figure if None); returns the figure."""
    d = Diagram(9.0, 4.2, ax)
    h_prev = d.node(0.45, 1.6, "h_{t-1}", "value")
    x = d.node(0.45, 0.6, "x_t", "value")
    affine = d.node(3.0, 1.1, "x_t W_x + h_{t-1} W_h + b", "affine")
    d.arrow(h_prev, affine.left(0.1), via=[(1.3, 1.6), (1.3, 1.2)])
    d.arrow(x, affine.left(-0.1), via=[(1.3, 0.6), (1.3, 1.0)])
    activation = d.node(5.6, 1.1, r"\tanh", "activation")
    d.arrow(affine, activation)
    d.label(4.85, 1.2, "a_t", ha="center", va="bottom")
    h = d.node(8.55, 1.1, "h_t", "value")
    branch = d.junction(6.7, 1.1)
    d.arrow(activation, h)
    output = d.node(6.7, 2.45, "h_t W_y + b_y", "affine")
    d.arrow(branch, output)
    y = d.node(6.7, 3.7, "y_t", "value")
    d.arrow(output, y)
    return d.figure


def draw_lstm_cell(ax=None) -> Figure:
    """One LSTM step as the card writes it: one product makes the four pre-activations
    [a^i, a^f, a^g, a^o]; the gates i_t, f_t, o_t (sigma) and the candidate g_t (tanh) make
    c_t = f_t * c_{t-1} + i_t * g_t and h_t = o_t * tanh(c_t). Returns the figure."""
    d = Diagram(11.0, 5.6, ax)
    top = 4.9  # the cell state's line
    c_prev = d.node(0.5, top, "c_{t-1}", "value")
    h_prev = d.node(0.5, 2.6, "h_{t-1}", "value")
    x = d.node(0.5, 1.6, "x_t", "value")
    affine = d.node(3.0, 2.1, "x_t W_x + h_{t-1} W_h + b", "affine")
    d.arrow(h_prev, affine.left(0.1), via=[(1.2, 2.6), (1.2, 2.2)])
    d.arrow(x, affine.left(-0.1), via=[(1.2, 1.6), (1.2, 2.0)])
    # the four blocks of the product, each to its activation (top to bottom: f, i, g, o)
    rows = {"f": 4.1, "i": 3.3, "g": 2.5, "o": 1.0}
    column = 6.2
    activations = {
        gate: d.node(column, row, r"\tanh" if gate == "g" else r"\sigma", "activation")
        for gate, row in rows.items()
    }
    split = affine.x + affine.half_width + 0.35
    d.arrow(affine, (split, affine.y), head=False)
    for gate, row in rows.items():
        d.arrow((split, affine.y), activations[gate], via=[(split, row)])
        d.label(split + 0.12, row + 0.07, f"a^{gate}", ha="left", va="bottom")
    # c_t = f_t * c_{t-1} + i_t * g_t
    forget = d.node(7.3, top, r"\odot", "operation")
    add = d.node(8.4, top, "+", "operation")
    write = d.node(8.4, rows["i"], r"\odot", "operation")
    d.arrow(c_prev, forget)
    d.arrow(forget, add)
    d.arrow(activations["f"], forget, via=[(forget.x, rows["f"])])
    d.label(6.75, rows["f"] + 0.07, "f_t", ha="center", va="bottom")
    d.arrow(activations["i"], write)
    d.label(7.2, rows["i"] + 0.07, "i_t", ha="center", va="bottom")
    d.arrow(activations["g"], write, via=[(write.x, rows["g"])])
    d.label(7.2, rows["g"] + 0.07, "g_t", ha="center", va="bottom")
    d.arrow(write, add)
    # h_t = o_t * tanh(c_t)
    c = d.node(10.5, top, "c_t", "value")
    branch = d.junction(9.5, top)
    d.arrow(add, c)
    squash = d.node(9.5, 2.5, r"\tanh", "activation")
    d.arrow(branch, squash)
    show = d.node(9.5, rows["o"], r"\odot", "operation")
    d.arrow(squash, show)
    d.arrow(activations["o"], show)
    d.label(7.75, rows["o"] + 0.07, "o_t", ha="center", va="bottom")
    h = d.node(10.5, rows["o"], "h_t", "value")
    d.arrow(show, h)
    return d.figure


def draw_gru_cell(ax=None) -> Figure:
    """One GRU step in torch.nn.GRU's convention, as the card writes it: r_t and z_t (sigma),
    the candidate n_t = tanh(x_t W_x^n + b_x^n + r_t * (h_{t-1} W_h^n + b_h^n)) and
    h_t = (1 - z_t) * n_t + z_t * h_{t-1}. Returns the figure."""
    d = Diagram(13.7, 5.8, ax)
    top = 5.1  # the state's line, h_{t-1} to h_t
    rows = {"z": 4.1, "r": 3.2, "hn": 2.3, "xn": 1.1}
    h_prev = d.node(0.5, top, "h_{t-1}", "value")
    x = d.node(0.5, 0.35, "x_t", "value")
    h_bus, x_bus = 1.2, 1.6  # the vertical lines that carry h_{t-1} and x_t to the products
    boxes = {
        "z": d.node(4.3, rows["z"], "x_t W_x^z + b_x^z + h_{t-1} W_h^z + b_h^z", "affine"),
        "r": d.node(4.3, rows["r"], "x_t W_x^r + b_x^r + h_{t-1} W_h^r + b_h^r", "affine"),
        "hn": d.node(4.3, rows["hn"], "h_{t-1} W_h^n + b_h^n", "affine"),
        "xn": d.node(4.3, rows["xn"], "x_t W_x^n + b_x^n", "affine"),
    }
    d.arrow(h_prev, (h_bus, rows["hn"]), via=[(h_bus, top)], head=False)
    d.junction(h_bus, top)
    d.arrow(x, (x_bus, rows["z"] - 0.1), via=[(x_bus, x.y)], head=False)
    for row, box in boxes.items():
        if row in ("z", "r"):  # both inputs: h_{t-1} above, x_t below the middle
            d.arrow(d.junction(h_bus, box.y + 0.1), box.left(0.1))
            d.arrow(d.junction(x_bus, box.y - 0.1), box.left(-0.1))
        elif row == "hn":
            d.arrow((h_bus, box.y), box)
        else:
            d.arrow(d.junction(x_bus, box.y), box)
    sigma_z = d.node(7.6, rows["z"], r"\sigma", "activation")
    sigma_r = d.node(7.6, rows["r"], r"\sigma", "activation")
    d.arrow(boxes["z"], sigma_z)
    d.arrow(boxes["r"], sigma_r)
    # n_t = tanh(x_t W_x^n + b_x^n + r_t * (h_{t-1} W_h^n + b_h^n))
    reset = d.node(8.6, rows["hn"], r"\odot", "operation")
    d.arrow(boxes["hn"], reset)
    d.arrow(sigma_r, reset, via=[(reset.x, rows["r"])])
    d.label(8.2, rows["r"] + 0.07, "r_t", ha="center", va="bottom")
    add_n = d.node(9.5, rows["hn"], "+", "operation")
    d.arrow(reset, add_n)
    d.arrow(boxes["xn"], add_n, via=[(add_n.x, rows["xn"])])
    candidate = d.node(10.5, rows["hn"], r"\tanh", "activation")
    d.arrow(add_n, candidate)
    # h_t = (1 - z_t) * n_t + z_t * h_{t-1}
    keep = d.node(9.5, top, r"\odot", "operation")
    mix = d.node(11.7, rows["hn"], r"\odot", "operation")
    add_h = d.node(12.5, top, "+", "operation")
    z_branch = d.junction(keep.x, rows["z"])
    d.arrow(sigma_z, z_branch, head=False)
    d.label(8.35, rows["z"] + 0.07, "z_t", ha="center", va="bottom")
    d.arrow(z_branch, keep)
    one_minus = d.node(mix.x, rows["r"], "1 - z_t", "affine")
    d.arrow(z_branch, one_minus, via=[(mix.x, rows["z"])])
    d.arrow(one_minus, mix)
    d.arrow(candidate, mix)
    d.label(11.1, rows["hn"] + 0.07, "n_t", ha="center", va="bottom")
    d.arrow(h_prev, keep)
    d.arrow(keep, add_h)
    d.arrow(mix, add_h, via=[(add_h.x, mix.y)])
    h = d.node(13.25, top, "h_t", "value")
    d.arrow(add_h, h)
    return d.figure
