"""Bring your own data and vectors: a CSV of a dataset the project has never seen, and a
vectors file, run end to end through the workflow from config entries alone."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pandas as pd
import pytest

from tests.workflow_runner import planned_jobs, snakemake, write_config

pytestmark = pytest.mark.slow

BILLING = ["invoice", "charged", "refund", "payment", "card", "receipt", "price", "twice"]
OUTAGE = ["down", "error", "timeout", "crash", "offline", "server", "login", "broken"]
SHARED = ["please", "help", "my", "account", "since", "today", "the", "is", "again"]


def write_tickets(path, n=120, seed=0):
    """A support-ticket triage table: free text in `body`, the team in `team` (strings), an
    extra column, no split column (the workflow makes a stratified 80/10/10 split)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        team = "billing" if i % 2 else "outage"
        own = BILLING if team == "billing" else OUTAGE
        words = list(rng.choice(SHARED, 5)) + list(rng.choice(own, 3))
        rng.shuffle(words)
        rows.append({"ticket": f"T{i:04d}", "body": " ".join(words).capitalize() + ".",
                     "team": team, "priority": int(rng.integers(1, 4))})  # fmt: skip
    pd.DataFrame(rows).to_csv(path, index=False)


def write_vectors(path, words, dim=8):
    """A tiny GloVe-format file (gzipped) with vectors for some of the words."""
    rng = np.random.default_rng(1)
    with gzip.open(path, "wt") as fh:
        for word in words:
            fh.write(word + " " + " ".join(f"{v:.4f}" for v in rng.normal(size=dim)) + "\n")


def config(oov="zero"):
    return {
        "datasets": {
            "tickets": {
                "type": "table",
                "path": "tickets.csv",
                "text_column": "body",
                "label_column": "team",
                "id_column": "ticket",
            },
        },  # fmt: skip
        "embeddings": {"tiny": {"type": "file", "path": "vectors.txt.gz", "oov": oov}},
        "encoders": ["lstm"],
        "attentions": ["additive"],
        "seeds": [1],
        "training": {"epochs": 1, "embedding_dim": 16, "embeddings": "tiny"},
    }


@pytest.fixture(scope="module")
def byo_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("byo")
    write_tickets(workdir / "tickets.csv")
    write_vectors(workdir / "vectors.txt.gz", BILLING[:4] + OUTAGE[:4] + ["zzz"])
    write_config(workdir, config())
    snakemake(workdir)
    return workdir


def test_a_never_seen_csv_runs_end_to_end(byo_run):
    results = byo_run / "results"
    summary = json.loads((results / "tickets/data/summary.json").read_text())
    assert [summary["splits"][s]["n"] for s in ("train", "dev", "test")] == [96, 12, 12]
    assert summary["n_classes"] == 2 and summary["splits"]["train"]["class_counts"] == [48, 48]
    metrics = json.loads((results / "tickets/lstm-additive/seed1/metrics.json").read_text())
    assert metrics["dataset"] == "tickets" and 0.0 <= metrics["test_accuracy"] <= 1.0
    assert (metrics["embeddings"], metrics["embeddings_type"]) == ("tiny", "file")
    assert (metrics["embeddings_found"], metrics["embedding_dim"]) == (8, 8)
    assert metrics["resplit_from_test"] is False
    preds = pd.read_parquet(results / "tickets/lstm-additive/seed1/predictions.parquet")
    assert len(preds) == 12 and preds["id"].str.startswith("T").all()
    record = json.loads((results / "tickets/data/embeddings/tiny.json").read_text())
    assert record["found"] == 8 and record["oov"] == "zero" and record["dim"] == 8
    assert np.load(results / "tickets/data/embeddings/tiny.npy").shape == (
        summary["vocab_size"],
        8,
    )
    table = (results / "report/dataset_statistics.md").read_text()
    assert "| tickets | 2 |" in table and "| 96 | 12 | 12 | 48 / 48 |" in table
    assert (results / "report/learned_vs_uniform.csv").is_file()


def test_editing_the_vectors_entry_rebuilds_the_matrix_and_retrains_only(byo_run):
    write_config(byo_run, config(oov="random"))
    try:
        jobs = planned_jobs(byo_run)
        assert jobs["embedding_matrix"] == 1 and jobs["train"] == 1
        assert "preprocess" not in jobs and "dataset_statistics" not in jobs
    finally:
        write_config(byo_run, config())
    assert planned_jobs(byo_run) == {}


def test_a_bad_vectors_name_is_one_clear_error(tmp_path):
    bad = config()
    bad["training"]["embeddings"] = "glove"
    write_config(tmp_path, bad)
    proc = snakemake(tmp_path, "-n", check=False)
    assert proc.returncode != 0
    assert (
        "invalid config: config key 'training.embeddings': 'glove' is not a name in the "
        "top-level `embeddings:` section (names: ['tiny'])" in proc.stderr + proc.stdout
    )
