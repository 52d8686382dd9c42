"""The plan (attnaudit.plan) of the shipped configs, against counts and paths worked out by
hand from the config files: runs, families, guides, adversaries, deception runs, targets.
In milliseconds, without Snakemake (the dry runs of test_workflow.py cover the rules)."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from attnaudit.config import validate
from attnaudit.plan import Plan, expand, guide_key

REPO = Path(__file__).resolve().parents[1]


def load(name: str, **overrides) -> dict:
    config = yaml.safe_load((REPO / name).read_text())
    config.update(overrides)
    validate(config)  # fills in the defaults, as common.smk does
    return config


@pytest.fixture(scope="module")
def default() -> Plan:
    return Plan(load("config.yaml"))


@pytest.fixture(scope="module")
def beyond() -> Plan:
    return Plan(load("configs/beyond.yaml"))


@pytest.fixture(scope="module")
def sst() -> Plan:
    return Plan(load("configs/sst.yaml", mirror="../shared/data"))


def test_expand_is_the_product_in_keyword_order_and_ignores_unused_keywords():
    assert expand("a/{x}/{y}", x=["1", "2"], y=["p", "q"], z=["unused"]) == [
        "a/1/p", "a/1/q", "a/2/p", "a/2/q",
    ]  # fmt: skip
    assert expand("s{seed}", seed=3) == ["s3"]
    assert expand("{{literal}}/{x}", x="v") == ["{literal}/v"]


def test_default_runs_in_dataset_encoder_attention_seed_order(default):
    metrics = default.runs("results/{dataset}/{encoder}-{attention}/seed{seed}/metrics.json")
    # 1 dataset x 2 encoders x 2 attentions x 2 seeds, the seed varying fastest
    assert metrics[:3] == [
        "results/synthetic/lstm-additive/seed1/metrics.json",
        "results/synthetic/lstm-additive/seed2/metrics.json",
        "results/synthetic/lstm-uniform/seed1/metrics.json",
    ]
    assert len(metrics) == 8
    assert default.learned == ["lstm-additive", "average-additive"]


def test_default_families_by_kind_of_model(default):
    assert default.analysis_families("learned") == [
        "jain_wallace", "serrano_smith", "faithfulness", "vashishth",
    ]  # fmt: skip
    assert default.analysis_families("sentences") == ["serrano_smith", "vashishth"]
    assert default.analysis_families("uniform") == ["faithfulness"]
    assert list(default.analysis_outputs("uniform")) == [
        "faithfulness_eraser", "faithfulness_planted",
    ]  # fmt: skip
    assert len(default.analysis_outputs("learned")) == 3 + 2 + 2 + 1
    # Jain & Wallace on the two learned models, faithfulness on all four, 2 seeds each
    assert len(default.family_tables("jain_wallace", "importance")) == 4
    assert default.family_tables("faithfulness", "eraser")[2] == (
        "results/synthetic/lstm-uniform/seed1/faithfulness/eraser.parquet"
    )
    assert len(default.family_tables("faithfulness", "eraser")) == 8


def test_default_guides_are_named_by_variant_and_seed(default):
    assert default.guides() == {
        "own": "average-additive", "base": "lstm-additive", "adversary": "adversary-lambda1",
    }  # fmt: skip
    checkpoints = default.guide_checkpoints("synthetic")
    assert checkpoints == {
        "own_guide_model_1": "results/synthetic/average-additive/seed1/model.pt",
        "base_guide_model_1": "results/synthetic/lstm-additive/seed1/model.pt",
        "adversary_guide_model_1":
            "results/synthetic/wiegreffe_pinter/adversary/lambda1/seed1/model.pt",
        "own_guide_model_2": "results/synthetic/average-additive/seed2/model.pt",
        "base_guide_model_2": "results/synthetic/lstm-additive/seed2/model.pt",
        "adversary_guide_model_2":
            "results/synthetic/wiegreffe_pinter/adversary/lambda1/seed2/model.pt",
    }  # fmt: skip
    assert guide_key("own", 2) == "own_guide_model_2"
    outputs = default.guided_outputs()
    assert len(outputs) == 2 * 3 * 5  # seeds x variants x (4 run files + the guide's attention)
    assert outputs["base_guide_2"] == (  # a rule's output pattern: {dataset} stays a wildcard
        "results/{dataset}/wiegreffe_pinter/guided/base/seed2/guide.parquet"
    )
    # the inputs' and outputs' names never collide (one job gets both as keywords)
    assert not set(outputs) & set(checkpoints)
    assert default.uniform_runs() == [
        "results/synthetic/average-uniform/seed1/metrics.json",
        "results/synthetic/average-uniform/seed2/metrics.json",
    ]


def test_default_adversaries_and_no_deception(default):
    assert default.adversaries("metrics.json") == [
        "results/synthetic/wiegreffe_pinter/adversary/lambda1/seed1/metrics.json",
        "results/synthetic/wiegreffe_pinter/adversary/lambda1/seed2/metrics.json",
    ]
    assert default.adversary_base_runs("model.pt")[1] == (
        "results/synthetic/lstm-additive/seed2/model.pt"
    )
    assert default.adversary_training()["epochs"] == 2  # `adversarial.epochs`, not training's 4
    assert default.adversary_training()["lr"] == 1.0e-3
    assert default.deception_runs() == [] and default.pruthi_outputs() == []


def test_default_targets(default):
    targets = default.targets()
    # 8 runs + 5 report files + Jain & Wallace 3 + Serrano & Smith 4 + Wiegreffe & Pinter 6
    # + faithfulness 5 + Vashishth 1 + verdicts (4 + 2 pages + 2 examples) + open questions 4;
    # no reproduction
    assert len(targets) == 8 + 5 + 3 + 4 + 6 + 5 + 1 + 8 + 4
    assert len(set(targets)) == len(targets)
    assert "results/report/verdicts/synthetic-average-additive-examples.html" in targets
    assert "results/report/wiegreffe_pinter/guided_mlp.md" in targets
    assert not [t for t in targets if "reproduction" in t or "pruthi" in t]


def test_default_verdict_pages_and_tables(default):
    assert default.verdict_pages() == [
        ("synthetic", "lstm-additive", 1), ("synthetic", "average-additive", 1),
    ]  # fmt: skip
    tables = default.verdict_tables()
    assert sorted(tables) == sorted([
        "learned_vs_uniform", "tau", "adversary", "decision_flips", "flip_fractions", "aopc",
        "planted", "seed_variance", "guided_mlp", "adversarial", "replacement",
    ])  # fmt: skip
    assert tables["adversary"] == "results/report/jain_wallace/adversary.csv"
    assert tables["adversarial"] == "results/report/wiegreffe_pinter/adversarial.csv"
    assert default.verdict_seed_pairs() == [
        "results/synthetic/lstm-additive/wiegreffe_pinter/seed_pairs.parquet",
        "results/synthetic/average-additive/wiegreffe_pinter/seed_pairs.parquet",
    ]
    assert len(default.verdict_trained_adversaries()) == 2


def test_one_seed_drops_seed_variance_and_the_unique_verdicts_seed_pairs():
    plan = Plan(load("config.yaml", seeds=[3]))
    assert plan.verdict_seed_pairs() == []
    assert "results/report/wiegreffe_pinter/seed_variance.md" not in plan.targets()
    assert "seed_variance" not in plan.verdict_tables()


def test_families_left_out_make_no_targets():
    plan = Plan(load("config.yaml", analyses=["serrano_smith"]))
    assert plan.analysis_outputs("uniform") == {} and plan.family_runs("faithfulness", "x") == []
    targets = plan.targets()
    assert not [t for t in targets if "jain_wallace" in t or "faithfulness" in t]
    assert "examples_0" not in plan.verdict_outputs()  # no token-level analyses to show


def test_beyond_plan(beyond):
    assert len(beyond.runs("{dataset}/{encoder}-{attention}/{seed}")) == 2 * 4 * 6 * 3
    # learned attentions: additive, sparsemax, entmax, cls; faithfulness also on the controls
    assert len(beyond.family_tables("jain_wallace", "adversary")) == 2 * 4 * 4 * 3
    assert len(beyond.family_tables("faithfulness", "planted")) == 2 * 4 * 6 * 3
    # deception on the synthetic dataset only: 2 models x 4 weights x 3 seeds
    runs = beyond.deception_runs()
    assert len(runs) == 2 * 4 * 3
    assert runs[0] == "results/synthetic/pruthi/deception/lstm-additive/weight0/seed1/metrics.json"
    assert runs[5] == (
        "results/synthetic/pruthi/deception/lstm-additive/weight0.01/seed3/metrics.json"
    )
    assert beyond.deception_runs("faithfulness/planted.parquet")[5] == runs[5].replace(
        "metrics.json", "faithfulness/planted.parquet"
    )
    assert beyond.deception_weights() == ["0", "0.01", "0.1", "1"]
    # no average encoder: the guided MLP's `own` guide is not a configured run
    targets = beyond.targets()
    assert "results/report/wiegreffe_pinter/guided_mlp.md" not in targets
    assert "results/report/reproduction.md" in targets  # SST is a dataset the papers report
    assert "results/report/pruthi/deception.md" in targets
    assert len(beyond.verdict_pages()) == 2 * 4 * 4
    # 144 runs + 5 + JW 3 + SS 4 + WP 5 + faithfulness 5 + Vashishth 1
    # + verdicts (4 + 32 pages + 32 examples) + reproduction 1 + Pruthi 2 + open questions 4
    assert len(targets) == 144 + 5 + 3 + 4 + 5 + 5 + 1 + 68 + 1 + 2 + 4


def test_sst_plan(sst):
    assert sst.datasets == ["sst"] and sst.seeds == [1, 2, 3, 4, 5]
    assert sst.lambdas == ["0", "0.01", "0.1", "1"]
    adversaries = sst.adversaries("comparison.parquet")
    assert len(adversaries) == 4 * 5
    assert (
        adversaries[6]
        == "results/sst/wiegreffe_pinter/adversary/lambda0.01/seed2/comparison.parquet"
    )
    assert len(sst.guide_checkpoints("sst")) == 3 * 5
    assert sst.reproduction_outputs() == ["results/report/reproduction.md"]
    assert sst.deception_runs() == []
    # 30 runs + 5 + JW 3 + SS 4 + WP 6 + faithfulness 5 + Vashishth 1
    # + verdicts (4 + 3 pages + 3 examples) + reproduction 1 + open questions 4
    assert len(sst.targets()) == 30 + 5 + 3 + 4 + 6 + 5 + 1 + 10 + 1 + 4


def test_the_plan_does_not_change_the_config(default):
    config = load("config.yaml")
    before = copy.deepcopy(config)
    Plan(config).targets()
    assert config == before


def test_planning_imports_neither_torch_nor_pandas():
    code = "import sys, attnaudit.plan; print(sorted({'torch', 'pandas'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={"PYTHONPATH": str(REPO / "src")})  # fmt: skip
    assert out.stdout.strip() == "[]"


def test_seeds_are_planned_in_order_whatever_order_the_config_lists_them():
    plan = Plan(load("config.yaml", seeds=[2, 1]))
    assert plan.seeds == [1, 2]
    assert plan.verdict_pages()[0] == ("synthetic", "lstm-additive", 1)  # the first seed's
    assert list(plan.guide_checkpoints("synthetic"))[0] == "own_guide_model_1"


def test_a_study_of_training_alone_plans_no_analysis_and_no_adversary():
    """`analyses: []` and `wiegreffe_pinter.adversarial.lambdas: []` (as
    configs/open_questions.yaml): the runs, their tables and pages, nothing analysed."""
    plan = Plan(load("config.yaml", analyses=[],
                     wiegreffe_pinter={"adversarial": {"lambdas": []}}))  # fmt: skip
    assert plan.analysis_outputs("learned") == {} and plan.analysis_outputs("uniform") == {}
    assert not plan.trains_adversaries()
    targets = plan.targets()
    assert not [t for t in targets if "jain_wallace" in t or "adversar" in t]
    assert "results/report/open_questions.html" in targets


def test_split_caps_name_each_capped_dataset_and_split(default):
    assert default.split_caps() == {}
    config = yaml.safe_load((REPO / "configs/open_questions.yaml").read_text())
    config["mirror"] = str(REPO.parent / "shared/data")
    validate(config)
    caps = Plan(config).split_caps()
    assert caps["imdb"] == {"train": 4000, "dev": 1000, "test": 4000}
    assert set(caps) == {"imdb", "imdbrating", "20news20"}
