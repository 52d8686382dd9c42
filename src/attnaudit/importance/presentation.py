"""How the report shows each ranking of `registry.RANKINGS`: a label and a colour, in the
report's order (the registry's).

Torch-free on purpose: the report never loads a model, and importing the registry would
import the rankings' code and torch with it. tests/test_rankings.py checks that this names
exactly the registry's rankings, in its order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Look:
    """`label`: the ranking on a figure's axis or legend (short: box plots rotate it);
    `color`: its colour wherever rankings share an axis."""

    label: str
    color: str


LOOKS: dict[str, Look] = {
    "attention": Look("attention", "#1f77b4"),
    "attention_gradient": Look("attn. grad.", "#8c564b"),
    "gradient": Look("gradient", "#ff7f0e"),
    "grad_x_attention": Look("grad × attn", "#2ca02c"),
    "loo": Look("LOO", "#d62728"),
    "integrated_gradients": Look("int. grad.", "#9467bd"),
    "random": Look("random", "#7f7f7f"),
    "attention_heads": Look("heads", "#17becf"),
    "norm_attention": Look("norm attn.", "#bcbd22"),
    "rollout": Look("rollout", "#e377c2"),
    "attention_flow": Look("flow", "#393b79"),
}


def ordered(names: Iterable[str]) -> list[str]:
    """The distinct `names` in the report's order; a name without a look after, sorted."""
    names = set(names)
    return [n for n in LOOKS if n in names] + sorted(names - LOOKS.keys())


def label(name: str) -> str:
    """The ranking's label; a ranking without a look under its name."""
    return LOOKS[name].label if name in LOOKS else name


def color(name: str) -> str | None:
    """The ranking's colour; None (matplotlib's next) for a ranking without a look."""
    return LOOKS[name].color if name in LOOKS else None
