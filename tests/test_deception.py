"""Deception training (Pruthi et al. 2020) against hand computations: the penalty
-lambda ln(1 - m), the planted positions among the real tokens, the loss it adds, the mass
measured on stored attention (on the planted tokens and on the distractors), the per-model
and per-weight table, and that training with the penalty moves attention off the planted
tokens; the workflow plans one job per model, weight and seed."""

import json

import numpy as np
import pandas as pd
import pytest
import torch
from scipy import stats

from attnaudit import io
from attnaudit.analyses.deception import (
    DeceptionPenalty,
    chosen_mask,
    chosen_mass,
    chosen_positions,
)
from attnaudit.data.prepare import load_documents, tokenize_documents
from attnaudit.data.tokens import EOS_ID, SEP_ID, SOS_ID, UNK_ID
from attnaudit.models import ModelConfig, build_model
from attnaudit.report.tables import deception
from attnaudit.stages.deception import train_deceptive
from attnaudit.train import label_loss, make_loss
from tests.workflow_runner import REPO, planned_jobs, write_config

pytestmark = pytest.mark.usefixtures("one_thread")


def test_planted_positions_count_real_tokens_only():
    """Positions are among the real tokens (<UNK> is one, <SEP> is not); positions cut off
    by max_length are dropped."""
    table = pd.DataFrame(
        {
            "id": ["a", "b"],
            "token_ids": [[SOS_ID, 7, UNK_ID, SEP_ID, 9, EOS_ID], [SOS_ID, 7, 8, EOS_ID]],
            "rationale": [[1, 2, 3, 6], [0, 2, 3, 5]],
        }
    )
    chosen = chosen_positions(table)  # a: 3 items, b: 2 (positions 3 and 2 are the first cut)
    assert chosen["a"].tolist() == [1, 2] and chosen["b"].tolist() == [0]
    mask = torch.tensor([[0, 1, 1, 0, 1, 0], [0, 1, 1, 0, 0, 0]]).bool()
    expected = torch.tensor([[0, 0, 1, 0, 1, 0], [0, 1, 0, 0, 0, 0]]).bool()
    assert torch.equal(chosen_mask(["a", "b"], mask, chosen), expected)
    with pytest.raises(ValueError, match="rationale"):
        chosen_positions(table.drop(columns="rationale"))


def test_penalty_by_hand():
    """m = 0.5 + 0.2 = 0.7: R = -2 ln 0.3; no planted token: 0; all mass planted: clamped
    at 1 - m = 1e-10, R = -2 ln 1e-10."""
    weights = torch.tensor([[0.0, 0.5, 0.3, 0.2, 0.0], [0.0, 0.6, 0.4, 0.0, 0.0],
                            [0.0, 1.0, 0.0, 0.0, 0.0]], dtype=torch.float64)  # fmt: skip
    mask = torch.tensor([[0, 1, 1, 1, 0], [0, 1, 1, 0, 0], [0, 1, 1, 0, 0]]).bool()
    chosen = {"a": np.array([0, 2]), "b": np.array([], dtype=int), "c": np.array([0])}
    got = DeceptionPenalty(2.0, chosen)(weights, mask, ["a", "b", "c"])
    np.testing.assert_allclose(got.numpy(), [-2 * np.log(0.3), 0.0, -2 * np.log(1e-10)])


def test_the_penalty_adds_its_batch_mean_to_the_label_loss():
    torch.manual_seed(0)
    model = build_model(ModelConfig(vocab_size=30, encoder="average", embedding_dim=4)).double()
    tokens = torch.tensor([[SOS_ID, 7, 8, 9, EOS_ID], [SOS_ID, 10, 11, EOS_ID, 0]])
    ids, target = ["a", "b"], torch.tensor([1, 0])
    chosen = {"a": np.array([1]), "b": np.array([0, 1])}
    loss_fn = make_loss(np.array([0, 1]), 2, weighted=True, device=torch.device("cpu"))
    plain = label_loss(model, loss_fn, tokens, ids, target).item()
    deceived = label_loss(model, loss_fn, tokens, ids, target, None,
                          DeceptionPenalty(0.5, chosen)).item()  # fmt: skip
    with torch.no_grad():
        _, weights = model(tokens)
    masses = [float(weights[0, 2]), float(weights[1, 1] + weights[1, 2])]
    assert masses[1] == pytest.approx(1.0)  # all of b's mass is planted: clamped
    expected = np.mean([-0.5 * np.log(1 - masses[0]), -0.5 * np.log(1e-10)])
    assert deceived - plain == pytest.approx(expected, rel=1e-9)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    opts = {"seed": 0, "n_train": 300, "n_dev": 60, "n_test": 60, "vocab_size": 80}
    table, vocab = tokenize_documents("synthetic", load_documents("synthetic", opts, []), 1)
    root = tmp_path_factory.mktemp("deception")
    paths = {"tokens": root / "tokens.parquet", "vocab": root / "vocab.json",
             "summary": root / "summary.json"}  # fmt: skip
    io.write_table(paths["tokens"], table)
    io.write_json(paths["vocab"], vocab)
    io.write_json(paths["summary"], {"n_classes": 2})
    return table, {k: str(v) for k, v in paths.items()}, root


def test_deceptive_training_moves_attention_off_the_planted_tokens(synthetic):
    """Weight 0 against weight 1, same seed: the planted mass falls; the run's files are an
    ordinary run's, predictions' planted_mass is the attention summed at the rationale
    positions, and test_planted_mass its mean."""
    table, paths, root = synthetic
    training = {"epochs": 4, "batch_size": 16, "lr": 1.0e-2, "embedding_dim": 16,
                "encoder_options": {"average": {"hidden_size": 16}}}  # fmt: skip
    results = {}
    for weight in (0.0, 1.0):
        run = root / f"w{weight:g}"
        outputs = {k: str(run / n) for k, n in (("checkpoint", "model.pt"),
                   ("history", "epochs.csv"), ("metrics", "metrics.json"),
                   ("predictions", "predictions.parquet"))}  # fmt: skip
        results[weight] = train_deceptive("synthetic", weight, 1, "average-additive", training,
                                          **paths, **outputs)  # fmt: skip
        predictions = io.read_table(outputs["predictions"])
        test = table[table["split"] == "test"].set_index("id")
        for row in predictions.itertuples(index=False):
            by_hand = float(np.sum(row.attention[np.asarray(test.loc[row.id, "rationale"])]))
            assert row.planted_mass == pytest.approx(by_hand, abs=1e-12)
            others = np.asarray(test.loc[row.id, "distractors"], dtype=int)
            assert row.n_distractors == len(others)
            assert row.distractor_mass == pytest.approx(float(np.sum(row.attention[others])),
                                                        abs=1e-12)  # fmt: skip
        assert (predictions["n_distractors"] > 0).any()
        metrics = json.loads((run / "metrics.json").read_text())
        assert metrics["test_planted_mass"] == pytest.approx(predictions["planted_mass"].mean())
        assert metrics["test_distractor_mass"] == pytest.approx(
            predictions["distractor_mass"].mean()
        )
        assert metrics["deception_weight"] == weight and (run / "model.pt").is_file()
    honest, deceived = results[0.0], results[1.0]
    assert honest["test_planted_mass"] > 0.2
    assert deceived["test_planted_mass"] < 0.5 * honest["test_planted_mass"]


def test_chosen_mass_of_stored_attention():
    predictions = pd.DataFrame({"id": ["a"], "attention": [np.array([0.1, 0.6, 0.3])]})
    assert chosen_mass(predictions, {"a": np.array([1, 2])}).tolist() == [pytest.approx(0.9)]


def test_deception_table_by_hand():
    """Mean and Student-t half-width over seeds per weight."""
    metrics = pd.DataFrame(
        {
            "dataset": "s", "base_model": "lstm-additive",
            "deception_weight": [0.0, 0.0, 0.0, 1.0, 1.0, 1.0],
            "test_accuracy": [0.9, 0.92, 0.88, 0.85, 0.9, 0.86],
            "test_planted_mass": [0.6, 0.5, 0.7, 0.05, 0.1, 0.03], "seed": [1, 2, 3] * 2,
            "test_distractor_mass": [0.1, 0.2, 0.15, 0.3, 0.4, 0.2],
        }
    )  # fmt: skip
    table = deception(metrics)
    assert table["weight"].tolist() == [0.0, 1.0]
    for row, sub in zip(table.itertuples(), (metrics.iloc[:3], metrics.iloc[3:]), strict=True):
        mass = sub["test_planted_mass"].to_numpy()
        half = stats.t.ppf(0.975, 2) * mass.std(ddof=1) / np.sqrt(3)
        assert row.planted_mass == pytest.approx(mass.mean())
        assert row.planted_mass_ci95 == pytest.approx(half)
        assert row.accuracy == pytest.approx(sub["test_accuracy"].mean())
        assert row.distractor_mass == pytest.approx(sub["test_distractor_mass"].mean())
        assert row.n_seeds == 3


def test_deception_table_keeps_each_models_recovery_apart():
    """Two models at one weight, 2 seeds: each row's precision is the mean over its own
    model's seeds of the per-seed mean over instances (lstm: seed 1 (0.5 + 1) / 2 = 0.75,
    seed 2 0.25: 0.5; average: 0.0 and 0.5: 0.25), never the other model's."""
    metrics = pd.DataFrame({"dataset": "s", "base_model": ["lstm-additive"] * 2
                            + ["average-additive"] * 2, "deception_weight": 1.0,
                            "seed": [1, 2, 1, 2], "test_accuracy": 0.9,
                            "test_planted_mass": 0.1, "test_distractor_mass": 0.2})  # fmt: skip
    planted = pd.DataFrame({"dataset": "s", "deception_weight": 1.0, "ranking": "gradient",
                            "base_model": ["lstm-additive"] * 3 + ["average-additive"] * 2,
                            "seed": [1, 1, 2, 1, 2],
                            "precision_at_k": [0.5, 1.0, 0.25, 0.0, 0.5]})  # fmt: skip
    table = deception(metrics, planted).set_index("model")
    assert table.loc["lstm-additive", "precision_gradient"] == pytest.approx(0.5)
    assert table.loc["average-additive", "precision_gradient"] == pytest.approx(0.25)


def test_the_workflow_plans_one_job_per_model_weight_and_seed(tmp_path):
    import yaml

    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["pruthi"] = {
        "deception": {"weights": [0.0, 0.5, 2.0], "models": ["lstm-sparsemax", "average-additive"]}
    }
    write_config(tmp_path, config)
    jobs = planned_jobs(tmp_path)
    assert jobs["pruthi_deception"] == 2 * 3 * len(config["seeds"])
    assert jobs["pruthi_planted"] == 2 * 3 * len(config["seeds"])
    assert jobs["pruthi_deception_report"] == 1
