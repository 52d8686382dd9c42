"""The open questions' transfer matrix: its rule and findings on hand-made F1, the plan's
cells, the config checks, and a donor's attention frozen into a student."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from attnaudit import io
from attnaudit.config import ConfigError
from attnaudit.plan import GUIDED_FILES, Plan
from attnaudit.report import transfer
from attnaudit.stages.wiegreffe_pinter import train_transfer
from attnaudit.training_settings import Training
from tests.model_fixtures import small_model
from tests.workflow_runner import open_questions_config


def metrics(f1: dict[str, list[float]]) -> pd.DataFrame:
    """The config's runs on dataset d: model -> test F1 of seeds 1, 2, 3."""
    return pd.DataFrame([{"dataset": "d", "model": m, "seed": s + 1, "test_f1": v}
                         for m, values in f1.items() for s, v in enumerate(values)])  # fmt: skip


def cells(f1: dict[tuple[str, str], list[float]]) -> pd.DataFrame:
    return pd.DataFrame([{"dataset": "d", "donor": donor, "student": student, "seed": s + 1,
                          "test_f1": v}
                         for (donor, student), values in f1.items()
                         for s, v in enumerate(values)])  # fmt: skip


OWN = {"lstm": "lstm-additive", "average": "average-additive"}
UNIFORM = {"lstm": "lstm-uniform", "average": "average-uniform"}
RUNS = metrics({"lstm-additive": [0.90, 0.91, 0.92], "lstm-uniform": [0.80, 0.81, 0.80],
                "average-additive": [0.85, 0.86, 0.85],
                "average-uniform": [0.84, 0.85, 0.86]})  # fmt: skip


def test_each_cell_is_two_needed_verdicts_paired_by_seed():
    grid = cells({
        ("lstm-additive", "average"): [0.95, 0.96, 0.95],  # gains 0.10 over uniform
        ("lstm-additive", "lstm"): [0.90, 0.91, 0.92],  # its own F1: no loss, gains 0.107
        ("average-additive", "lstm"): [0.80, 0.81, 0.80],  # uniform's: no gain, loses
    })  # fmt: skip
    table = transfer.transfer_table(grid, RUNS, OWN, UNIFORM, {"margin": 0.02, "level": 0.05})
    row = table.set_index(["donor", "student"])
    first = row.loc[("lstm-additive", "average")]
    assert first["over_uniform"] == pytest.approx(np.mean([0.11, 0.11, 0.09]))
    assert first["gains"] == "yes" and first["loses"] == "no" and first["n_seeds"] == 3
    diagonal = row.loc[("lstm-additive", "lstm")]
    assert diagonal["own_minus_guided"] == pytest.approx(0.0) and diagonal["loses"] == "no"
    assert diagonal["gains"] == "yes"
    worst = row.loc[("average-additive", "lstm")]
    assert worst["gains"] == "no" and worst["loses"] == "yes"
    assert worst["own_f1"] == pytest.approx(0.91) and worst["uniform_f1"] == pytest.approx(
        0.8033, abs=1e-4
    )
    (finding,) = transfer.transfer_finding(table)
    assert "gains over uniform attention (margin 0.02 test F1): lstm-additive into average, " \
        "lstm-additive into lstm" in finding  # fmt: skip
    assert "the student loses against its own attention: average-additive into lstm" in finding


def test_a_straddling_interval_is_undecided_and_said_so():
    grid = cells({("lstm-additive", "average"): [0.80, 0.95, 0.86]})
    table = transfer.transfer_table(grid, RUNS, OWN, UNIFORM)
    assert table["gains"].iloc[0] == "undecided"
    assert "undecided in one comparison or both: lstm-additive into average" in \
        transfer.transfer_finding(table)[0]  # fmt: skip


def plan(**block) -> Plan:
    return Plan(open_questions_config("transfer", **block))


def test_the_plan_pairs_every_donor_with_every_student():
    p = plan(datasets=["synthetic"])
    assert p.transfer_donors() == ["lstm-additive", "average-additive"]
    assert p.transfer_students() == ["lstm", "average"]
    assert len(p.transfer_cells()) == 2 * 2 * 2  # donors x students x seeds
    assert p.transfer_files("metrics.json")[0] == (
        "results/synthetic/open_questions/transfer/lstm-additive/lstm/seed1/metrics.json"
    )
    assert p.transfer_pieces("synthetic", "lstm-additive") == {}
    params = p.transfer_params()
    assert params["own"] == OWN and params["uniform"] == UNIFORM
    assert "results/report/figures/open_questions_transfer.png" in p.targets()
    assert plan().transfer_cells() == [] and plan().transfer_params() is None
    only = plan(datasets=["synthetic"], donors=["average-additive"], students=["lstm"])
    assert only.transfer_cells() == [("synthetic", "average-additive", "lstm", 1),
                                     ("synthetic", "average-additive", "lstm", 2)]  # fmt: skip


@pytest.mark.parametrize(("block", "message"), [
    ({"datasets": ["sst"]}, "open_questions.transfer.datasets"),
    ({"datasets": ["synthetic"], "donors": ["lstm-uniform"]}, "open_questions.transfer.donors"),
    ({"datasets": ["synthetic"], "students": ["cnn"]}, "open_questions.transfer.students"),
])  # fmt: skip
def test_a_bad_matrix_is_refused_naming_the_key(block, message):
    with pytest.raises(ConfigError, match=message):
        plan(**block)


def test_the_student_trains_with_the_donors_attention_frozen(tmp_path):
    """The guide file holds the donor's own attention on every split, and the trained
    student attends with exactly it (its attention module is the frozen guide)."""
    rng = np.random.default_rng(0)
    rows = [{"id": f"{s}-{i}", "split": s, "label": int(rng.integers(0, 2)),
             "tokens": ["w"] * n, "token_ids": np.array([2, *rng.integers(5, 60, n), 3])}
            for s, count in (("train", 40), ("dev", 12), ("test", 12))
            for i, n in enumerate(rng.integers(2, 9, count))]  # fmt: skip
    paths = {k: str(tmp_path / k) for k in ("tokens.parquet", "vocab.json", "summary.json",
                                             "donor.pt")}  # fmt: skip
    io.write_table(paths["tokens.parquet"], pd.DataFrame(rows))
    io.write_json(paths["vocab.json"], [f"w{i}" for i in range(60)])
    io.write_json(paths["summary.json"], {"n_classes": 2})
    donor = small_model("lstm")
    io.save_checkpoint(paths["donor.pt"], {"config": donor.config.to_dict(),
                                           "state_dict": donor.state_dict(), "dataset": "d",
                                           "model": "lstm-additive", "seed": 1})  # fmt: skip
    out = {k: str(tmp_path / name) for k, name in GUIDED_FILES.items()}
    training = {**Training().params(), "epochs": 1, "embedding_dim": 12}
    result = train_transfer(
        "d", "lstm-additive", "average", 1, training,
        paths["tokens.parquet"], paths["vocab.json"], paths["summary.json"], paths["donor.pt"],
        **out,
    )  # fmt: skip
    assert result["donor"] == "lstm-additive" and result["attention"] == "fixed"
    guide = io.read_table(out["guide"]).set_index("id")
    first = pd.DataFrame(rows).iloc[0]
    with torch.no_grad():
        ids = torch.as_tensor(first["token_ids"]).unsqueeze(0)
        hidden, mask = donor.encode(ids)
        expected = donor.attend(hidden, mask)[0][mask[0]].numpy()
    assert np.asarray(guide.loc[first["id"], "attention"]) == pytest.approx(expected, abs=1e-6)
    predictions = io.read_table(out["predictions"]).set_index("id")
    for ident, weights in predictions["attention"].items():  # the test split's
        assert np.asarray(weights) == pytest.approx(np.asarray(guide.loc[ident, "attention"]),
                                                    abs=1e-6)  # fmt: skip
