"""The registry of token rankings: its names are the settings' names, every entry keeps the
one signature, the Serrano & Smith attention gradient's old name still reads, and
Integrated Gradients' convergence delta is the completeness gap."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import typing
from pathlib import Path

import numpy as np
import pytest
import yaml

from attnaudit import config, settings
from attnaudit.importance import presentation, registry
from attnaudit.importance.integrated_gradients import integrated_gradients
from attnaudit.importance.scores import Options
from tests.model_fixtures import hand_model, hand_output, rows_of, small_model, small_rows

REPO = Path(__file__).resolve().parents[1]


def test_the_settings_name_exactly_the_registrys_rankings():
    single, multi, faith = (set(typing.get_args(t)) for t in (
        settings.SingleRanking, settings.MultiRanking, settings.FaithRanking))  # fmt: skip
    assert single | multi | faith == set(registry.RANKINGS)
    # by default every ranking but a pretrained transformer's own (opt-in: flow is costly)
    transformer = list(typing.get_args(settings.TransformerRanking))
    assert [r for r in typing.get_args(settings.FaithRanking) if r not in transformer] == (
        settings.ALL_FAITH_RANKINGS
    )
    assert {r for r in registry.RANKINGS if registry.RANKINGS[r].needs_layers} == set(transformer)
    # single-weight erasure ranks the topmost attention's items
    assert all(registry.RANKINGS[r].on_items for r in single)
    for renamed in settings.RENAMED_RANKINGS.values():
        assert set(renamed.values()) <= set(registry.RANKINGS)


def test_each_ranking_has_one_look_in_the_registrys_order_and_the_report_reads_it_torch_free():
    assert list(presentation.LOOKS) == list(registry.RANKINGS)
    colors = [look.color for look in presentation.LOOKS.values()]
    assert len(set(colors)) == len(colors)  # rankings sharing an axis stay apart
    # the report's order: the registry's, a ranking without a look after, sorted
    got = presentation.ordered(["zeta", "random", "loo", "alpha", "attention", "loo"])
    assert got == ["attention", "loo", "random", "alpha", "zeta"]
    assert (presentation.label("loo"), presentation.label("zeta")) == ("LOO", "zeta")
    assert (presentation.color("random"), presentation.color("zeta")) == ("#7f7f7f", None)
    code = ("import sys, attnaudit.report.faithfulness, attnaudit.report.figures; "
            "print('torch' in sys.modules)")  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=REPO, env=env)  # fmt: skip
    assert out.stdout.strip() == "False"


def test_every_entry_scores_each_item_of_each_instance_in_row_order():
    """One signature for all: per instance of a flat model, one score per real token (one
    row per ordering for random); the scores follow the rows, not their batches."""
    model, rows = small_model("lstm"), small_rows(n=9, seed=4)
    opts = Options(batch_size=4, ig_batch_size=3, ig_steps=4, n_random=3)
    counts = [len(ids) - 2 for ids in rows["token_ids"]]
    for name, ranking in registry.RANKINGS.items():
        if ranking.needs_layers:  # a pretrained transformer's: tests/test_pretrained_model.py
            continue
        assert "=" in ranking.doc or "~" in ranking.doc, f"{name}: its docstring states the math"
        got = registry.score(name, model, rows, opts)
        shapes = [np.shape(v) for v in got.values]
        assert shapes == [(3, n) if name == "random" else (n,) for n in counts], name
        alone = registry.score(name, model, rows.iloc[[5]].reset_index(drop=True), opts)
        np.testing.assert_allclose(alone.values[0], got.values[5], rtol=1e-5, atol=1e-7)


def test_an_unknown_ranking_is_named():
    with pytest.raises(ValueError, match="unknown ranking 'saliency'; known: "):
        registry.entry("saliency")


def test_serrano_smiths_old_gradient_name_reads_as_attention_gradient_with_a_warning():
    """A config that still writes `gradient` in serrano_smith.*.rankings is read as
    attention_gradient, with a warning naming the key, the old and the new name; the
    faithfulness `gradient` (the embeddings' gradient) stays what it is."""
    given = yaml.safe_load((REPO / "config.yaml").read_text())
    given["serrano_smith"]["multi_weight"]["rankings"] = ["attention", "gradient"]
    given["faithfulness"] = {"eraser": {"rankings": ["gradient", "random"]}}
    loaded = copy.deepcopy(given)
    with pytest.warns(FutureWarning) as caught:
        config.check_schema(loaded)
    (message,) = [str(w.message) for w in caught]
    for part in ("'serrano_smith.multi_weight.rankings'", "'gradient'", "'attention_gradient'"):
        assert part in message
    assert loaded["serrano_smith"]["multi_weight"]["rankings"] == [
        "attention",
        "attention_gradient",
    ]
    assert loaded["faithfulness"]["eraser"]["rankings"] == ["gradient", "random"]
    with pytest.raises(settings.SettingsError, match="'gradient' is not one of"):
        settings.MultiWeight.of({"rankings": ["gradient"]})  # the library takes the new name


# binary hand model: token -> (attention score, logit contribution); p = sigmoid(sum a c)
TOKENS = {10: (2.0, 3.0), 11: (0.0, -2.0), 12: (1.0, 0.5), 13: (0.5, 4.0)}


@pytest.mark.parametrize("steps", [1, 2, 200])
def test_integrated_gradients_convergence_delta_is_the_completeness_gap(steps):
    """delta = sum_t IG_t - (p_yhat(x) - p_yhat(0)), with p by hand: the all-zero embedding
    baseline gives tanh(0) = 0 states, uniform attention, logit 0, so p_yhat(0) = 1/2; the
    special tokens' embeddings are zero, so the real tokens hold every attribution. Small
    for enough steps, not for one."""
    sequences = [[10, 11, 11], [12, 13, 11, 10], [11, 12]]
    got = integrated_gradients(hand_model(TOKENS), rows_of(*sequences), Options(ig_steps=steps))
    deltas = got.columns["convergence_delta"]
    for seq, scores, delta in zip(sequences, got.values, deltas, strict=True):
        p = hand_output(TOKENS, seq).max()
        assert delta == pytest.approx(scores.sum() - (p - 0.5), abs=1e-9)
    if steps == 200:
        assert max(abs(d) for d in deltas) < 1e-5
    if steps == 1:
        assert max(abs(d) for d in deltas) > 1e-3  # the column is not a constant 0


def test_the_eraser_table_carries_the_convergence_delta_of_integrated_gradients():
    from attnaudit.analyses import faithfulness

    sequences = [[10, 11, 11], [12, 13, 11, 10]]
    params = {"rankings": ["attention", "integrated_gradients"], "ig_steps": 3,
              "percents": [50.0]}  # fmt: skip
    out = faithfulness.eraser(hand_model(TOKENS), rows_of(*sequences), params)
    ig = out[out["ranking"] == "integrated_gradients"]
    expected = integrated_gradients(hand_model(TOKENS), rows_of(*sequences), Options(ig_steps=3))
    np.testing.assert_allclose(ig["convergence_delta"], expected.columns["convergence_delta"])
    assert out.loc[out["ranking"] == "attention", "convergence_delta"].isna().all()
