"""The report's figures: means as dots with intervals (no bars on a cut axis), legends
outside every panel, a labelled colour bar on every hexbin, panels that wrap."""

from __future__ import annotations

import matplotlib.axes
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from attnaudit.report import figures, seeds, tables


@pytest.fixture
def drawn(monkeypatch):
    """The figures drawn (each drawn to the canvas), instead of written."""
    figs = []

    def keep(fig, path):
        fig.canvas.draw()
        figs.append(fig)

    monkeypatch.setattr(figures, "save", keep)
    yield figs
    plt.close("all")


def instances(datasets=("d",), models=("m-additive", "n-additive"), n=20) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = [
        {"dataset": d, "model": m, "seed": s, "pred": int(rng.integers(2)),
         "max_attention": rng.random(), "max_jsd": 0.69 * rng.random(),
         "median_change": rng.random(), "delta_attention": rng.random(),
         "delta_jsd": rng.normal(0.05, 0.05), "ranking": "attention", "jsd": 0.6 * rng.random(),
         "tvd": rng.random()}
        for d in datasets for m in models for s in (1, 2) for _ in range(n)
    ]  # fmt: skip
    return pd.DataFrame(rows)


def metrics() -> pd.DataFrame:
    return pd.DataFrame(
        [{"dataset": "d", "encoder": enc, "attention": att, "seed": s, "test_f1": f1}
         for enc in ("average", "lstm") for att, base in (("additive", 0.85), ("uniform", 0.8))
         for s, f1 in zip((1, 2, 3), (base, base + 0.01, base + 0.03), strict=True)]
    )  # fmt: skip


def assert_legends_outside(fig):
    """Every legend belongs to the figure and overlaps no panel."""
    axes = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert all(ax.get_legend() is None for ax in axes)
    renderer = fig.canvas.get_renderer()
    for legend in fig.legends:
        box = legend.get_window_extent(renderer)
        for ax in axes:
            assert not box.overlaps(ax.get_window_extent(renderer)), ax.get_title()


def test_learned_vs_uniform_is_dots_and_intervals_not_bars(monkeypatch, drawn):
    bars, errorbars = [], []
    monkeypatch.setattr(matplotlib.axes.Axes, "bar", lambda *a, **k: bars.append(a))
    original = matplotlib.axes.Axes.errorbar

    def spy(self, x, y, *args, **kwargs):
        errorbars.append((y, kwargs.get("yerr")))
        return original(self, x, y, *args, **kwargs)

    monkeypatch.setattr(matplotlib.axes.Axes, "errorbar", spy)
    data = metrics()
    figures.learned_vs_uniform(data, "unused.png")
    assert not bars
    expected = data.groupby(["encoder", "attention"])["test_f1"].apply(seeds.interval)
    got = sorted((round(y, 9), round(e, 9)) for y, e in errorbars)
    want = sorted(
        (round(expected[(e, a, "mean")], 9), round(expected[(e, a, "ci95")], 9))
        for e in ("average", "lstm") for a in ("additive", "uniform")
    )  # fmt: skip
    assert got == want
    assert_legends_outside(drawn[0])


def test_every_panel_figure_keeps_its_legend_outside_the_panels(drawn):
    data = instances()
    figures.binned_boxplots(data, "median_change", "y", "t", "unused.png")
    figures.binned_boxplots(data.assign(source=np.where(data["seed"] == 1, "a", "b")), "jsd",
                            "y", "t", "unused.png", hue="source")  # fmt: skip
    figures.histograms(data, "max_jsd", "x", "t", "unused.png")
    figures.jsd_vs_tvd(data, "jsd", "tvd", "x", "y", "t", "unused.png")
    multi = data.assign(ranking=np.where(data.index % 2, "attention", "random"),
                        fraction=data["max_attention"], flipped=True,
                        n_erased=1, id=data.index // 2)  # fmt: skip
    figures.flip_fraction_boxplots(multi, tables.flip_fractions(multi), "unused.png")
    table = pd.DataFrame({"dataset": "d", "lambda": [0.0, 1.0], "jsd": [0.1, 0.6],
                          "jsd_std": [0.01, 0.02], "tvd": [0.1, 0.4],
                          "tvd_std": [0.02, 0.01]})  # fmt: skip
    reference = pd.DataFrame({"dataset": ["d"], "model": ["m"], "jsd": [0.1], "tvd": [0.1],
                              "n_seeds": [2]})  # fmt: skip
    figures.adversarial_curve(table, reference, "unused.png")
    assert len(drawn) == 6
    for fig in drawn:
        assert fig.legends
        assert_legends_outside(fig)


def test_hexbins_share_one_labelled_log_colour_bar(drawn):
    figures.delta_jsd_hexbins(instances(), "unused.png")
    fig = drawn[0]
    bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(bars) == 1 and bars[0].get_ylabel() == "instances per hexagon"
    norms = {id(c.norm) for ax in fig.axes for c in ax.collections if c.get_array() is not None}
    assert len(norms) == 1


def test_panels_wrap_and_the_figure_grows_downwards(monkeypatch):
    drawn = []
    monkeypatch.setattr(figures, "save", lambda fig, path: drawn.append(fig))
    figures.histograms(instances(datasets=("a", "b"), models=list("pqrst")), "max_jsd", "x", "t",
                       "unused.png")  # fmt: skip
    fig = drawn[0]
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert len(panels) == 10
    width, height = fig.get_size_inches()
    assert width <= figures.MAX_WIDTH + 0.01 and height > width
    # each dataset starts a row: b's first model sits in the first column
    columns = {ax.get_title(): ax.get_subplotspec().colspan.start for ax in panels}
    assert columns["b / p"] == 0 and columns["a / s"] == 0
    plt.close(fig)
