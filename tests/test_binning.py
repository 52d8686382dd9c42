"""Max-attention bins and histogram ranges: every value in range lands in exactly one bin.

Counts are written by hand: edges (0, 0.1, 0.25, 0.5, 0.75, 1), each bin closed on the
left, the last also on the right (its label reads '[0.75, 1]').
"""

import matplotlib.axes
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from attnaudit.report import figures, tables

LABELS = ["[0, 0.1)", "[0.1, 0.25)", "[0.25, 0.5)", "[0.5, 0.75)", "[0.75, 1]"]
# 0, every edge, 1.0 twice, a value just under an edge, and some interior values
VALUES = [0.0, 0.1, 0.25, 0.5, 0.75, 1.0, 1.0, np.nextafter(0.1, 0.0), 0.05, 0.3, 0.99]
COUNTS = {"[0, 0.1)": 3, "[0.1, 0.25)": 1, "[0.25, 0.5)": 2, "[0.5, 0.75)": 1, "[0.75, 1]": 4}


def test_every_value_in_zero_one_lands_in_exactly_one_bin():
    bins = tables.binned(pd.Series(VALUES))
    assert list(bins.cat.categories) == LABELS
    assert bins.notna().all()
    assert bins.value_counts().to_dict() == COUNTS
    assert list(bins[:6]) == [*LABELS, "[0.75, 1]"]  # an edge opens its bin; 1 closes the last


def test_values_outside_the_edges_and_nan_get_no_bin():
    bins = tables.binned(pd.Series([-0.01, 1.0 + 1e-9, np.nan, 0.5]))
    assert bins[:3].isna().all() and bins[3] == "[0.5, 0.75)"


def attention_table() -> pd.DataFrame:
    """Two seeds of the VALUES instances, one predicted class; `value` is known per row."""
    rows = []
    for seed in (1, 2):
        for i, m in enumerate(VALUES):
            rows.append({"dataset": "d", "model": "m", "seed": seed, "pred": 0,
                         "max_attention": m, "value": 10.0 * seed + i})  # fmt: skip
    return pd.DataFrame(rows)


def test_by_attention_bin_keeps_max_attention_one():
    table = attention_table()
    table.loc[5, "max_attention"] = np.float32(1.0) + np.float32(1e-7)  # float32 just above 1
    out = tables.by_attention_bin(table, "value").set_index("bin")
    assert list(out.index) == LABELS
    # last bin per seed: rows 4, 5, 6, 10 -> values 10 s + {4, 5, 6, 10}, median 10 s + 5.5;
    # the mean over seeds 1 and 2 is 20.5
    assert out.loc["[0.75, 1]", "mean"] == pytest.approx(20.5)
    assert out.loc["[0.75, 1]", "n"] == 2
    # first bin: rows 0, 7, 8 -> medians 10 s + 7 -> 22
    assert out.loc["[0, 0.1)", "mean"] == pytest.approx(22.0)


@pytest.fixture
def no_files(monkeypatch):
    """Figures drawn but not written."""
    monkeypatch.setattr(figures, "save", lambda fig, path: plt.close(fig))


def spy(monkeypatch, method: str) -> list:
    calls = []
    original = getattr(matplotlib.axes.Axes, method)

    def wrapper(self, x, *args, **kwargs):
        calls.append((x, kwargs))
        return original(self, x, *args, **kwargs)

    monkeypatch.setattr(matplotlib.axes.Axes, method, wrapper)
    return calls


def test_boxplots_by_bin_draw_every_instance(monkeypatch, no_files):
    calls = spy(monkeypatch, "boxplot")
    table = attention_table()
    figures.binned_boxplots(table, "value", "y", "title", "unused.png")
    drawn = [len(d) for x, _ in calls for d in x]
    assert sum(drawn) == len(table)  # 1.0 included
    assert drawn == [2 * COUNTS[b] for b in LABELS]


def test_histograms_keep_a_float32_jsd_of_ln2(monkeypatch, no_files):
    calls = spy(monkeypatch, "hist")
    top = float(np.float32(np.log(2.0)))  # 0.69314718246... > np.log(2)
    assert top > np.log(2.0)
    table = pd.DataFrame({"dataset": "d", "model": "m", "pred": [0, 0, 1],
                          "max_jsd": [0.0, top, 0.3]})  # fmt: skip
    figures.histograms(table, "max_jsd", "x", "title", "unused.png")
    counted = sum(np.histogram(x, bins=kw["bins"])[0].sum() for x, kw in calls)
    assert counted == 3
