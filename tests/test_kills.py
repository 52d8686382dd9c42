"""A short kill campaign on the real workflow: SIGKILL the Snakemake process while a model
trains, and a running analysis job; each time the same command recovers (no --unlock), the
killed run's jobs are gone, and every table and metrics file equals a clean run's. The full
campaign (20 kills of the default config) is `python -m tests.kill_campaign`; its results
are in docs/guarantees.md."""

from __future__ import annotations

import json
from dataclasses import asdict

import pandas as pd
import pytest

from attnaudit import lifeline
from tests.kill_campaign import Kill, artifacts, kill_once, run
from tests.workflow_runner import dump_config

linux = pytest.mark.skipif(not lifeline.supported(), reason="needs Linux /proc")

# One learned-attention model: preprocessing, training, both analysis families, the tables.
SMALL = {
    "datasets": {"synthetic": {"type": "synthetic", "n_train": 200, "n_dev": 60, "n_test": 60,
                               "vocab_size": 120, "max_length": 16}},
    "encoders": ["lstm"],
    "attentions": ["additive"],
    "seeds": [1],
    "training": {"epochs": 2, "embedding_dim": 16,
                 "encoder_options": {"lstm": {"hidden_size": 16}}},
    "jain_wallace": {
        "importance": {"max_instances": 20},
        "permutation": {"max_instances": 20, "n_permutations": 10},
        "adversary": {"max_instances": 20, "steps": 100},
    },
    "serrano_smith": {
        "single_weight": {"max_instances": 20},
        "multi_weight": {"max_instances": 20, "n_random": 2, "ig_steps": 8},
    },
}  # fmt: skip


def test_the_comparison_ignores_wall_clock_timings_and_nothing_else(tmp_path):
    run_dir = tmp_path / "results" / "d" / "m" / "seed1"
    run_dir.mkdir(parents=True)
    metrics = {"accuracy": 0.75, "train_seconds": 1.5}
    epochs = pd.DataFrame({"epoch": [1, 2], "dev_f1": [0.5, 0.6], "seconds": [0.1, 0.2]})

    def write(metrics, epochs):
        (run_dir / "metrics.json").write_text(json.dumps(metrics))
        epochs.to_csv(run_dir / "epochs.csv", index=False)
        epochs.to_parquet(run_dir / "epochs.parquet")
        return artifacts(tmp_path)

    base = write(metrics, epochs)
    assert len(base) == 3
    assert write({**metrics, "train_seconds": 9.0}, epochs.assign(seconds=[5.0, 6.0])) == base
    changed = write({**metrics, "accuracy": 0.76}, epochs.assign(dev_f1=[0.5, 0.61]))
    assert {k for k in base if base[k] != changed[k]} == set(base)


@pytest.mark.slow
@linux
def test_a_killed_run_recovers_with_the_same_command_and_the_same_results(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(dump_config(SMALL))
    clean_dir = tmp_path / "clean"
    clean_dir.mkdir()
    (clean_dir / "config.yaml").write_text(config.read_text())
    assert run(clean_dir, 2, clean_dir / "campaign.log") == 0
    clean = artifacts(clean_dir)
    assert len(clean) >= 10 and any(k.endswith("metrics.json") for k in clean)

    kills = [
        Kill(0, "snakemake", 1.0, after_rule="train"),  # mid-training: the job is orphaned
        Kill(1, "job", 0.5, after_rule="analysis"),  # an analysis job dies, Snakemake stops
    ]
    for kill in kills:
        kill_once(kill, tmp_path / f"kill{kill.index}", config, 2, clean)
        result = asdict(kill)
        assert kill.killed == ("snakemake" if kill.target == "snakemake" else "analysis"), result
        assert kill.recoveries == 1 and kill.lock_errors == 0, result  # one command, no --unlock
        assert kill.orphans_after_kill == 0, result
        assert kill.differing == kill.missing == kill.extra == [], result
        assert kill.leftover_parts == [], result
    log = (tmp_path / "kill0" / "campaign.log").read_text()
    assert "attnaudit: removed the lock left by a killed run" in log
