"""Every per-run analysis family on a fine-tuned tiny BERT, in one process (fast): the same
library calls the workflow's jobs make (preprocess, pieces, train, run_analyses), with the
families' settings of a validated config."""

from __future__ import annotations

import numpy as np
import pytest

from attnaudit import io
from attnaudit.config import validate
from attnaudit.data.synthetic import pseudo_word
from attnaudit.plan import Plan, expand
from attnaudit.stages.analyses import run_analyses
from attnaudit.stages.data import preprocess
from attnaudit.stages.pretrained import pieces
from attnaudit.stages.training import train
from tests.tiny_bert import make_tiny_bert

SYNTHETIC = {"type": "synthetic", "seed": 0, "n_train": 80, "n_dev": 30, "n_test": 16,
             "vocab_size": 60, "min_length": 6, "max_length": 10}  # fmt: skip


@pytest.fixture(scope="module")
def analysed(tmp_path_factory, one_thread):
    work = tmp_path_factory.mktemp("analyses")
    checkpoint = make_tiny_bert(work / "ckpt", [pseudo_word(i) for i in range(60)] * 3)
    config = {
        "datasets": {"syn": SYNTHETIC},
        "encoders": ["tiny"],
        "attentions": ["cls", "clsuniform"],
        "seeds": [1],
        "training": {"epochs": 1, "embedding_dim": 8},
        "pretrained": {"tiny": {"checkpoint": str(checkpoint), "epochs": 1, "lr": 1.0e-3}},
        "jain_wallace": {"adversary": {"steps": 20}, "permutation": {"n_permutations": 10}},
    }
    validate(config)
    plan = Plan(config)
    data = {
        name: str(work / f"{name}") for name in ("tokens.parquet", "vocab.json", "summary.json")
    }
    preprocess(
        "syn", SYNTHETIC, [], data["tokens.parquet"], data["vocab.json"], data["summary.json"]
    )
    kinds = (("tokens", "parquet"), ("vocab", "json"), ("summary", "json"))
    piece = {k: str(work / f"pieces-{k}.{x}") for k, x in kinds}
    pieces("tiny", [str(checkpoint / "config.json")], 64, data["tokens.parquet"],
           data["summary.json"], piece)  # fmt: skip
    results = {}
    for attention, kind in (("cls", "learned"), ("clsuniform", "uniform")):
        run = work / attention
        names = {"checkpoint": "model.pt", "history": "epochs.csv", "metrics": "metrics.json",
                 "predictions": "predictions.parquet"}  # fmt: skip
        outputs = {k: str(run / name) for k, name in names.items()}
        training = {**plan.training_of("tiny"), "threads": 1, "device": "cpu"}
        train("syn", "tiny", attention, 1, training, piece["tokens"], piece["vocab"],
              piece["summary"], outputs, checkpoint=[str(checkpoint / "config.json")])  # fmt: skip
        tables = {
            key: str(work / expand(path, dataset="syn", encoder="tiny", attention=attention,
                                   seed=1)[0])
            for key, path in plan.analysis_outputs(kind).items()
        }  # fmt: skip
        results[attention] = run_analyses(outputs["checkpoint"], piece["tokens"],
                                          plan.analysis_settings(kind), tables)  # fmt: skip
    return results, io.read_table(piece["tokens"])


def test_every_family_of_the_learned_model_gives_its_tables(analysed):
    results, _ = analysed
    families = {key.split("_", 1)[0] for key in results["cls"]}
    assert {"jain", "serrano", "faithfulness", "vashishth"} <= families
    for key, table in results["cls"].items():
        assert len(table) and table["model"].eq("tiny-cls").all(), key


def test_rankings_are_over_the_pieces_of_each_test_instance(analysed):
    results, table = analysed
    importance = results["cls"]["jain_wallace_importance"]
    pieces_of = table.set_index("id")["token_ids"].map(len) - 2
    for column in ("attention", "gradient", "loo"):
        for ident, values in zip(importance["id"], importance[column], strict=True):
            assert len(values) == pieces_of[ident] and np.isfinite(values).all(), column


def test_the_uniform_control_gets_the_uniform_families(analysed):
    results, _ = analysed
    assert results["clsuniform"] and all(len(t) for t in results["clsuniform"].values())
    assert "jain_wallace_importance" not in results["clsuniform"]
