"""The open questions' encoder comparison with its own models (open_questions.encoders):
the plan's runs, inputs and analysis settings, the config checks, and the comparison
through the workflow (what each edit reruns)."""

from __future__ import annotations

import functools
import json
from collections import Counter

import pandas as pd
import pytest
import yaml

from attnaudit.config import ConfigError, validate
from attnaudit.plan import Plan
from attnaudit.report import open_questions as questions
from tests.workflow_runner import (
    REPO,
    dry_run,
    open_questions_config,
    planned_jobs,
    snakemake,
    write_config,
)

default_config = functools.partial(open_questions_config, "encoders")


def test_the_plan_trains_the_blocks_models_in_the_runs_own_folders():
    plan = Plan(default_config(datasets=["synthetic"], models=["lstm-additive", "gru-additive"],
                               max_instances=40))  # fmt: skip
    assert plan.compares_encoders()
    inputs = plan.encoder_inputs()
    assert inputs["encoder_metrics"] == [
        f"results/synthetic/{m}/seed{s}/metrics.json"
        for m in ("lstm-additive", "gru-additive")
        for s in (1, 2)
    ]  # the grid's lstm-additive run is the same file: trained once
    assert inputs["importance"][-1] == (
        "results/synthetic/gru-additive/seed2/open_questions/encoders/jain_wallace/importance.parquet"
    )
    assert inputs["seed_variance"] == [
        "results/synthetic/lstm-additive/wiegreffe_pinter/seed_variance.parquet",
        "results/synthetic/gru-additive/wiegreffe_pinter/seed_variance.parquet",
    ]
    assert set(plan.encoder_analysis_outputs()) == {
        "jain_wallace_importance", "jain_wallace_permutation", "jain_wallace_adversary",
        "faithfulness_eraser", "vashishth_replacement",
    }  # fmt: skip
    blocks = plan.encoder_analysis_settings()
    assert blocks["jain_wallace"]["importance"]["integrated_gradients"] is True
    assert blocks["faithfulness"]["eraser"]["rankings"] == ["attention"]
    assert {b["max_instances"] for f in blocks.values() for b in f.values()} == {40}
    # the other blocks' settings are the config's (here the default config's permutations)
    given = plan.config["jain_wallace"]["permutation"]
    assert blocks["jain_wallace"]["permutation"]["n_permutations"] == given["n_permutations"]
    assert "results/report/figures/open_questions_encoders.png" in plan.targets()


def test_without_datasets_the_section_reads_the_grids_analysis_tables():
    plan = Plan(default_config())
    inputs = plan.encoder_inputs()  # config.yaml: lstm and average, every family analysed
    assert "encoder_metrics" not in inputs and plan.encoder_analysis_outputs() == {}
    assert inputs["importance"] == plan.family_tables("jain_wallace", "importance")
    assert inputs["replacement"] == plan.family_tables("vashishth", "replacement")
    one = default_config()
    one["encoders"] = ["lstm"]
    assert Plan(one).encoder_inputs() == {} and not Plan(one).compares_encoders()


@pytest.mark.parametrize(("block", "message"), [
    ({"datasets": ["sst"], "models": ["lstm-additive", "gru-additive"]}, "unknown name(s) ['sst']"),
    ({"datasets": ["synthetic"], "models": ["lstm-additive"]}, "needs two or more models"),
    ({"datasets": ["synthetic"], "models": ["lstm-additive", "gru-uniform"]}, "uniform attention"),
    ({"datasets": ["synthetic"], "models": ["lstm-additive", "lstm-additive"]}, "non-unique"),
    ({"datasets": ["synthetic"], "models": ["lstm-additive", "hangru-additive"]},
     "unknown name(s) ['hangru']"),
    ({"datasets": ["synthetic"], "models": ["lstm-additive", "minilm-cls"]},
     "unknown name(s) ['minilm']"),
    ({"datasets": ["synthetic"], "model": ["lstm-additive"]}, "model"),
])  # fmt: skip
def test_a_bad_comparison_is_refused_naming_the_key(block, message):
    with pytest.raises(ConfigError, match="open_questions.encoders") as err:
        default_config(**block)
    assert message in str(err.value)


def test_a_pretrained_encoder_compares_with_its_cls_attention_only():
    config = yaml.safe_load((REPO / "configs/pretrained.yaml").read_text())
    config["mirror"] = str(REPO.parent / "shared/data")
    config["open_questions"] = {
        "encoders": {"datasets": ["sst"], "models": ["lstm-additive", "minilm-additive"]}
    }
    with pytest.raises(ConfigError, match="use minilm-cls"):
        validate(config)
    config["open_questions"]["encoders"]["models"] = ["lstm-additive", "minilm-cls"]
    validate(config)
    plan = Plan(config)
    assert plan.encoder_runs("metrics.json")[-1] == "results/sst/minilm-cls/seed2/metrics.json"


# -- through the workflow -----------------------------------------------------------------------
COMPARED = {
    "datasets": {
        "synthetic": {"type": "synthetic", "n_train": 200, "n_dev": 60, "n_test": 60,
                      "vocab_size": 120, "max_length": 16},
    },
    "encoders": ["average"],
    "attentions": ["additive", "uniform"],
    "seeds": [1, 2],
    "training": {"epochs": 2, "embedding_dim": 16,
                 "encoder_options": {"gru": {"hidden_size": 8}, "cnn": {"filters": 4}}},
    "analyses": [],
    "wiegreffe_pinter": {"guided_mlp": {"variants": ["uniform"]},
                         "adversarial": {"lambdas": []}},
    "jain_wallace": {"permutation": {"n_permutations": 20}, "adversary": {"steps": 30}},
    "open_questions": {"encoders": {"datasets": ["synthetic"], "max_instances": 25,
                                    "models": ["average-additive", "gru-additive"]}},
}  # fmt: skip


@pytest.mark.slow
def test_the_comparison_through_the_workflow(tmp_path):
    write_config(tmp_path, COMPARED)
    snakemake(tmp_path)
    run = tmp_path / "results/synthetic/gru-additive/seed1"
    importance = pd.read_parquet(run / "open_questions/encoders/jain_wallace/importance.parquet")
    assert importance["id"].nunique() == 25 and "tau_attn_ig" in importance
    eraser = pd.read_parquet(run / "open_questions/encoders/faithfulness/eraser.parquet")
    assert set(eraser["ranking"]) == {"attention"}
    report = tmp_path / "results/report"
    summary = pd.read_csv(report / "open_questions/encoders.csv")
    assert set(summary["model"]) == {"average-additive", "gru-additive"}
    assert set(summary["measure"]) == set(questions.ENCODER_MEASURES)
    f1 = summary.set_index(["measure", "model"]).loc[("test_f1", "gru-additive"), "mean"]
    by_seed = [json.loads(run.with_name(f"seed{s}").joinpath("metrics.json").read_text())
               ["test_f1"] for s in (1, 2)]  # fmt: skip
    assert f1 == pytest.approx(sum(by_seed) / 2)
    page = (report / "open_questions.html").read_text()
    assert "What does the encoder change?" in page
    # the cap reruns the comparison's analyses and the page, never training
    edited = json.loads(json.dumps(COMPARED))
    edited["open_questions"]["encoders"]["max_instances"] = 20
    write_config(tmp_path, edited)
    assert planned_jobs(tmp_path) == {"all": 1, "encoders_analyse": 4, "open_questions": 1}
    # a new model trains and analyses only its own runs
    edited["open_questions"]["encoders"]["max_instances"] = 25
    edited["open_questions"]["encoders"]["models"].append("cnn-additive")
    write_config(tmp_path, edited)
    jobs = dry_run(tmp_path)
    assert Counter(j.rule for j in jobs) == {
        "all": 1,
        "train": 2,
        "encoders_analyse": 2,
        "wp_seed_variance": 1,
        "open_questions": 1,
    }
    assert {j.wildcards["encoder"] for j in jobs if "encoder" in j.wildcards} == {"cnn"}
