"""MiniLM from the offline mirror fine-tuned on a slice of SST through the workflow's own
stages (pieces, train): the checkpoint loads from safetensors, learns the task, and its
analyses' attention covers the pieces only."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from attnaudit import io
from attnaudit.stages.data import preprocess
from attnaudit.stages.pretrained import pieces
from attnaudit.stages.training import train
from tests.conftest import SHARED_DATA, mirror_file

pytestmark = [pytest.mark.slow, pytest.mark.mirror]
MINILM = SHARED_DATA / "hf" / "sentence-transformers--all-MiniLM-L6-v2"
SLICE = {"train": 800, "dev": 200, "test": 300}


def test_minilm_fine_tunes_on_a_slice_of_sst(tmp_path):
    if not (MINILM / "model.safetensors").is_file():
        pytest.skip(f"the mirror's MiniLM checkpoint {MINILM} is not present")
    words = {k: str(tmp_path / f"words.{k}") for k in ("parquet", "json", "summary.json")}
    preprocess("sst", {"type": "sst", "min_count": 1}, [mirror_file("trainDevTestTrees_PTB.zip")],
               words["parquet"], words["json"], words["summary.json"])  # fmt: skip
    table = io.read_table(words["parquet"])
    # a seeded sample of each split: SST's files come sorted by label, its heads one-sided
    parts = [table[table["split"] == s].sample(n, random_state=0) for s, n in SLICE.items()]
    io.write_table(words["parquet"], pd.concat(parts, ignore_index=True))
    out = {"tokens": str(tmp_path / "p.parquet"), "vocab": str(tmp_path / "v.json"),
           "summary": str(tmp_path / "s.json")}  # fmt: skip
    record = pieces("sentence-transformers/all-MiniLM-L6-v2", [str(MINILM / "config.json")], 128,
                    words["parquet"], words["summary.json"], out)  # fmt: skip
    assert record["checkpoint_vocabulary"] == 30522 and record["cut_instances"] == 0
    run = {"checkpoint": "model.pt", "history": "epochs.csv", "metrics": "metrics.json",
           "predictions": "predictions.parquet"}  # fmt: skip
    run = {k: str(tmp_path / v) for k, v in run.items()}
    training = {"epochs": 2, "batch_size": 32, "lr": 5.0e-5, "weight_decay": 0.01,
                "class_weighted": True, "embedding_dim": 384, "embeddings": None,
                "encoder_options": {}, "threads": 2, "device": "cpu"}  # fmt: skip
    metrics = train("sst", "minilm", "cls", 1, training, out["tokens"], out["vocab"],
                    out["summary"], run, checkpoint=[str(MINILM / "config.json")])  # fmt: skip
    print(json.dumps({k: metrics[k] for k in ("test_accuracy", "test_f1", "train_seconds")}))
    # a random-initialised model of this size stays near 0.5 on 800 sentences in 2 epochs
    assert metrics["test_accuracy"] >= 0.75
    assert metrics["embedding_dim"] == 384 and metrics["embeddings"] == "pretrained"
