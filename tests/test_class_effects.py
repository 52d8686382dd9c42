"""Effects beyond the decision: the class-effects analysis against a hand-built model's
numbers, and its measures, rule and findings on hand-made tables."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

from attnaudit.analyses import jain_wallace
from attnaudit.analyses.open_questions import class_effects
from attnaudit.config import ConfigError
from attnaudit.plan import Plan
from attnaudit.report import class_effects as effects
from tests.model_fixtures import hand_model, hand_output, rows_of, small_model, small_rows
from tests.workflow_runner import open_questions_config

THREE = ({10: (2.0, [3.0, 0.0, -1.0]), 11: (0.0, [-1.0, 1.0, 0.0]),
          12: (1.0, [0.5, 0.5, 2.0]), 13: (-1.0, [2.0, -2.0, 0.0]),
          14: (0.5, [-2.0, 1.5, 0.5])}, [0.1, -0.2, 0.0])  # fmt: skip
SEQUENCES = [(10, 11, 12, 13), (14, 12, 11), (13, 10), (12,), (11, 14, 14, 13, 10)]


def reference(tokens, bias, sequence) -> dict[str, np.ndarray]:
    """The per-class measures of one instance from the numbers: erasing item t with the
    rest renormalised is the softmax over the other items' scores (`hand_output` of the
    sequence without t)."""
    full = hand_output(tokens, sequence, bias)
    support = np.array([full - hand_output(tokens, sequence[:t] + sequence[t + 1:], bias)
                        for t in range(len(sequence))])  # fmt: skip
    scores = np.array([tokens[k][0] for k in sequence])
    alpha = np.exp(scores - scores.max()) / np.exp(scores - scores.max()).sum()
    lowering = support < 0
    return {
        "probability": full,
        "top_support": support[np.argmax(alpha)],
        "max_support": support.max(axis=0),
        "min_support": support.min(axis=0),
        "share_lowering": lowering.mean(axis=0),
        "attention_lowering": alpha @ lowering,
    }


def test_every_class_measure_is_the_hand_models():
    tokens, bias = THREE
    model = hand_model(tokens, bias=bias, n_classes=3)
    table = class_effects(model, rows_of(*SEQUENCES), {"n_permutations": 5})
    # one row per class of every instance with two or more items: the one-item instance is out
    assert table["id"].tolist() == [f"hand-{i}" for i in (0, 1, 2, 4) for _ in range(3)]
    assert table["cls"].tolist() == [0, 1, 2] * 4
    for i in (0, 1, 2, 4):
        ref = reference(tokens, bias, list(SEQUENCES[i]))
        rows = table[table["id"] == f"hand-{i}"]
        assert rows["pred"].iloc[0] == np.argmax(ref["probability"])
        for name, values in ref.items():
            assert rows[name].to_numpy() == pytest.approx(values, abs=1e-12), (i, name)


def test_permutation_is_jain_and_wallaces_per_class():
    """A binary model: both classes move by the TVD of Jain & Wallace's permutation (same
    seed, an odd count so that both medians are the middle value), in opposite directions;
    uniform attention does not move."""
    model = small_model("lstm")
    rows = small_rows(30)
    cfg = {"n_permutations": 21, "seed": 4}
    table = class_effects(model, rows, cfg)
    tvd = jain_wallace.permutation(model, rows, cfg).set_index("id")["median_change"]
    for cls in (0, 1):
        part = table[table["cls"] == cls].set_index("id")
        assert part["permutation_size"].to_numpy() == pytest.approx(
            tvd.loc[part.index].to_numpy(), abs=1e-6)  # fmt: skip
    by = table.pivot(index="id", columns="cls", values="permutation_median")
    assert by[0].to_numpy() == pytest.approx(-by[1].to_numpy(), abs=1e-6)
    flat = class_effects(small_model("lstm", attention="uniform"), rows, cfg)
    assert flat["permutation_size"].abs().max() < 1e-6
    assert flat["attention_lowering"].to_numpy() == pytest.approx(flat["share_lowering"], abs=1e-6)


# -- the measures and the rule, on hand-made rows -------------------------------------------
def rows(instances) -> pd.DataFrame:
    """Analysis rows of one run: per instance (pred, then per class (top_support,
    max_support, share_lowering, attention_lowering, permutation_size))."""
    out = []
    for i, (pred, classes) in enumerate(instances):
        for cls, (top, best, share, attn, moved) in enumerate(classes):
            out.append({"dataset": "d", "model": "m", "seed": 1, "id": f"i{i}", "pred": pred,
                        "cls": cls, "top_support": top, "max_support": best,
                        "share_lowering": share, "attention_lowering": attn,
                        "permutation_size": moved})  # fmt: skip
    return pd.DataFrame(out)


def test_instance_measures_by_hand():
    table = rows([
        # predicted 0: its top item supports 0 by 0.2, an item supports class 2 by 0.3
        (0, [(0.2, 0.4, 0.5, 0.1, 0.05), (-0.1, 0.1, 0.5, 0.5, 0.01), (0.0, 0.3, 0.4, 0.2, 0.2)]),
        # predicted 1: its top item supports it most; permutation moves class 1 the most
        (1, [(-0.3, 0.1, 0.6, 0.6, 0.02), (0.3, 0.3, 0.25, 0.05, 0.1), (0.0, 0.05, 0.7, 0.4, 0.1)]),
    ])  # fmt: skip
    per = effects.instance_measures(table).set_index("id")
    assert per["top_below_other"].tolist() == [1.0, 0.0]
    assert per["counter_attention"].tolist() == pytest.approx([0.1 - 0.5, 0.05 - 0.25])
    assert per["permutation_elsewhere"].tolist() == [1.0, 0.0]  # a tie is not "more"
    run = effects.run_measures(table).iloc[0]
    assert run["n_instances"] == 2 and run["top_below_other"] == 0.5


@pytest.mark.parametrize(("values", "answer"), [([-0.3, -0.2, -0.25], "avoids"),
                                                ([0.3, 0.2, 0.25], "seeks"),
                                                ([-0.3, 0.2, 0.05], "undecided")])  # fmt: skip
def test_the_rule_on_counter_evidence(values, answer):
    per_run = pd.DataFrame({"dataset": "d", "model": "m", "seed": [1, 2, 3],
                            "top_below_other": [0.1, 0.2, 0.3], "counter_attention": values,
                            "permutation_elsewhere": [0.0, 0.0, 0.0]})  # fmt: skip
    table = effects.summary(per_run)
    row = table.set_index("measure").loc["counter_attention"]
    assert row["answer"] == answer and row["mean"] == pytest.approx(np.mean(values))
    assert (table.set_index("measure").loc["top_below_other", "mean"]) == pytest.approx(0.2)
    (finding,) = effects.class_finding(table)
    assert finding.startswith("d / m: in 20.0 % (")
    assert {"avoids": "its attention avoids", "seeks": "goes to the items",
            "undecided": "the seeds cannot decide"}[answer] in finding  # fmt: skip


def test_per_class_names_each_class():
    table = rows([(0, [(0.2, 0.4, 0.5, 0.1, 0.0), (-0.1, 0.1, 0.25, 0.5, 0.0)])])
    table = pd.concat([table, table.assign(seed=2, share_lowering=table["share_lowering"] + 0.1)])
    out = effects.per_class(table, {"d": ["World", "Sports"]})
    assert out["class_name"].tolist() == ["World", "Sports"]
    assert out["gap"].tolist() == pytest.approx([0.1 - 0.55, 0.5 - 0.3])
    assert out["n_seeds"].tolist() == [2, 2]


# -- plan and config --------------------------------------------------------------------------
default_config = functools.partial(open_questions_config, "class_effects")


def test_the_plan_reads_every_learned_run_of_the_datasets():
    plan = Plan(default_config(datasets=["synthetic"], n_permutations=7))
    assert plan.class_effect_runs() == [
        f"results/synthetic/{m}/seed{s}/open_questions/class_effects.parquet"
        for m in ("lstm-additive", "average-additive") for s in (1, 2)]  # fmt: skip
    settings = plan.class_effect_settings()["open_questions"]["class_effects"]
    assert "datasets" not in settings and settings["n_permutations"] == 7
    assert "results/report/figures/open_questions_class_effects.png" in plan.targets()
    assert Plan(default_config()).class_effect_runs() == []


def test_an_unknown_dataset_is_refused():
    with pytest.raises(ConfigError, match="open_questions.class_effects.datasets"):
        default_config(datasets=["agnews"])
