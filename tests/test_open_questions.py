"""The "Open questions" page, first section: which tasks need attention.

The synthetic tasks are checked against their construction, the rule against hand-made
metrics whose intervals scipy computes independently, and the stage end to end on files.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from attnaudit.config import validate
from attnaudit.data import synthetic
from attnaudit.plan import Plan
from attnaudit.report import open_questions as questions
from attnaudit.stages.report import open_questions

NEEDLE = {"type": "synthetic", "task": "needle", "seed": 4, "n_train": 300, "n_dev": 50,
          "n_test": 50, "vocab_size": 200, "min_length": 5, "max_length": 60}  # fmt: skip
COUNTS = {**NEEDLE, "task": "counts", "n_classes": 3}
REPO = Path(__file__).resolve().parents[1]


def word_ids(text: str) -> list[int]:
    """Token ids back from pseudo-words ('waab' -> 1): base 26, most significant first."""
    ids = []
    for word in text.split():
        value = 0
        for letter in word[1:]:
            value = value * 26 + ord(letter) - ord("a")
        ids.append(value)
    return ids


def test_pseudo_word_ids_round_trip():
    assert word_ids(" ".join(synthetic.pseudo_word(i) for i in (0, 1, 25, 26, 700))) == [
        0, 1, 25, 26, 700]  # fmt: skip


def test_needle_documents_hold_one_word_of_their_class_or_none():
    df = synthetic.generate(NEEDLE)
    per_class = 10  # signal_tokens_per_class's default: class c's words are 10c .. 10c + 9
    lengths = df["text"].str.split().map(len)
    assert lengths.min() < 15 and lengths.max() > 50  # lengths vary widely
    assert set(df["label"]) == {0, 1}
    for row in df.itertuples(index=False):
        ids = np.array(word_ids(row.text))
        signal = np.flatnonzero(ids < 2 * per_class)
        if row.label == 0:
            assert signal.size == 0 and row.rationale == []
        else:
            assert signal.tolist() == row.rationale and len(signal) == 1
            assert ids[signal[0]] // per_class == row.label
        assert row.distractors == []


def test_counts_label_is_the_class_with_the_most_words():
    df = synthetic.generate(COUNTS)
    assert set(df["label"]) == {0, 1, 2}
    for row in df.itertuples(index=False):
        classes = np.array(word_ids(row.text)) // 10
        assert classes.max() < 3  # every token is a class word
        counts = np.bincount(classes, minlength=3)
        assert (counts == counts.max()).sum() == 1 and counts.argmax() == row.label
        assert row.rationale == np.flatnonzero(classes == row.label).tolist()
        assert row.distractors == np.flatnonzero(classes != row.label).tolist()


def test_the_default_task_draws_the_same_data_as_before_the_tasks_existed():
    """Planted signal words outnumbering their distractors, drawn in the original order:
    the embedded default's first document, fixed."""
    first = synthetic.generate({"seed": 0, "n_train": 1, "n_dev": 1, "n_test": 1})
    assert first.loc[0, "rationale"] == [0, 11] and first.loc[0, "distractors"] == [16]
    assert first.loc[0, "label"] == 1


@pytest.mark.parametrize(("options", "encoder", "answer"), [
    (NEEDLE, "average", "yes"), (NEEDLE, "lstm", None), (COUNTS, "average", "no"),
    (COUNTS, "lstm", "no"), ({"type": "synthetic"}, "average", None),
])  # fmt: skip
def test_built_in_need(options, encoder, answer):
    assert synthetic.built_in_need(options, encoder) == answer


def metrics(cells: dict[tuple[str, str], list[float]]) -> pd.DataFrame:
    """Hand-made metrics rows: (dataset, model) -> test F1 per seed 1, 2, ..."""
    rows = []
    for (dataset, model), f1s in cells.items():
        encoder, attention = model.split("-")
        rows += [{"dataset": dataset, "model": model, "encoder": encoder,
                  "attention": attention, "seed": s, "test_f1": f}
                 for s, f in enumerate(f1s, start=1)]  # fmt: skip
    return pd.DataFrame(rows)


RUNS = metrics({
    ("needle", "average-additive"): [0.95, 0.93, 0.96, 0.94],
    ("needle", "average-uniform"): [0.70, 0.66, 0.71, 0.69],
    ("counts", "average-additive"): [0.900, 0.905, 0.898, 0.902],
    ("counts", "average-uniform"): [0.901, 0.903, 0.899, 0.903],
    ("sst", "lstm-additive"): [0.83, 0.86, 0.80, 0.84],
    ("sst", "lstm-uniform"): [0.83, 0.82, 0.83, 0.80],
})  # fmt: skip
BUILT_IN = {"needle": {"average": "yes", "lstm": None}, "counts": {"average": "no"}}


def test_task_needs_answers_each_cell_with_scipys_interval():
    table = questions.task_needs(RUNS, BUILT_IN, {"margin": 0.02, "level": 0.05})
    by = table.set_index(["dataset", "model"])
    assert list(by.index) == [("counts", "average-additive"), ("needle", "average-additive"),
                              ("sst", "lstm-additive")]  # fmt: skip
    for (dataset, model), row in by.iterrows():
        learned = RUNS[(RUNS["dataset"] == dataset) & (RUNS["model"] == model)]["test_f1"]
        uniform = RUNS[(RUNS["dataset"] == dataset) & (RUNS["model"] == row["control"])]
        d = learned.to_numpy() - uniform["test_f1"].to_numpy()
        low, high = stats.t.interval(0.95, len(d) - 1, d.mean(), stats.sem(d))
        assert row["difference"] == pytest.approx(d.mean(), abs=1e-12)
        assert (row["lower"], row["upper"]) == pytest.approx((low, high), abs=1e-12)
        assert row["n_seeds"] == 4
    assert by.loc[("needle", "average-additive"), "needed"] == "yes"
    assert str(by.loc[("needle", "average-additive"), "recovered"]) == "True"
    assert by.loc[("counts", "average-additive"), "needed"] == "no"
    assert str(by.loc[("counts", "average-additive"), "recovered"]) == "True"
    sst = by.loc[("sst", "lstm-additive")]
    assert sst["needed"] == "undecided" and sst["built_in"] == "" and math.isnan(sst["recovered"])
    assert sst["lower"] < 0.02 < sst["upper"] and sst["seeds_needed"] > 4


def test_a_contrary_verdict_is_reported_as_contradicting_the_built_in_answer():
    flat = metrics({("needle", "average-additive"): [0.700, 0.702, 0.699],
                    ("needle", "average-uniform"): [0.700, 0.701, 0.700]})  # fmt: skip
    table = questions.task_needs(flat, BUILT_IN, {"margin": 0.02, "level": 0.05})
    assert table.loc[0, "needed"] == "no" and str(table.loc[0, "recovered"]) == "False"
    findings = questions.task_finding(table)
    assert findings[0] == (
        "On the 1 synthetic cells whose answer is built in, the rule "
        "recovers 0 (none), contradicts 1 (needle / average-additive)."
    )


def test_findings_are_worded_from_the_table():
    table = questions.task_needs(RUNS, BUILT_IN, {"margin": 0.02, "level": 0.05})
    seeds = int(table.loc[table["dataset"] == "sst", "seeds_needed"].iloc[0])
    assert questions.task_finding(table) == [
        "On the 2 synthetic cells whose answer is built in, the rule recovers 2 "
        "(counts / average-additive, needle / average-additive).",
        "Attention is needed (margin 0.02 test F1) on needle / average-additive.",
        "Attention is not needed (margin 0.02 test F1) on counts / average-additive.",
        f"The seeds cannot decide sst / lstm-additive (its spread would need {seeds} seeds).",
    ]


def test_a_model_without_its_uniform_control_is_undecided():
    alone = metrics({("sst", "lstm-additive"): [0.8, 0.81]})
    table = questions.task_needs(alone, {}, None)
    assert table.loc[0, "needed"] == "undecided" and table.loc[0, "n_seeds"] == 0
    assert questions.task_finding(table) == [
        "The seeds cannot decide sst / lstm-additive (fewer than 2 paired seeds)."
    ]


def test_the_stage_writes_the_page_table_and_figure(tmp_path):
    paths = []
    for i, row in enumerate(RUNS.to_dict("records")):
        path = tmp_path / f"metrics{i}.json"
        path.write_text(json.dumps({**row, "resplit_from_test": row["dataset"] == "sst"}))
        paths.append(str(path))
    out = {k: str(tmp_path / f"{k}.{ext}") for k, ext in
           [("csv", "csv"), ("markdown", "md"), ("html", "html"), ("figure", "png"),
            ("page", "html2")]}  # fmt: skip
    out |= {k: str(tmp_path / f"{k}.{k.rsplit('_', 1)[1]}") for k in
            ["encoders_csv", "encoders_html", "differences_csv", "differences_html"]}  # fmt: skip
    out["encoders_figure"] = str(tmp_path / "encoders.png")
    datasets = {"needle": NEEDLE, "counts": COUNTS, "sst": {"type": "sst"}}
    summaries = []
    for name, train in (("needle", 2000), ("sst", 4000)):  # sst's training split capped
        summary = tmp_path / f"summary-{name}.json"
        summary.write_text(json.dumps({"dataset": name, "splits": {
            "train": {"n": 2000, "n_before_cap": train}, "test": {"n": 500, "n_before_cap": 500},
        }}))  # fmt: skip
        summaries.append(str(summary))
    open_questions(paths, datasets, {"margin": 0.02, "level": 0.05}, summaries=summaries, **out)
    built_in = questions.built_in_answers(datasets, ["average", "lstm"])
    table = questions.task_needs(RUNS.assign(resplit_from_test=False), built_in)
    assert list(table["recovered"][:2]) == [True, True]
    page = (tmp_path / "page.html2").read_text()
    for finding in questions.task_finding(table):
        assert finding.replace("&", "&amp;") in page
    assert "sst: the offline mirror holds only the test split" in page
    assert "Table 2 has them: imdb, agnews, 20news (the config says why)" in page
    assert "sst: a seeded stratified subset of each capped split (train 2,000 of 4,000;" in page
    assert "needle: a seeded" not in page
    assert 'src="data:image/png;base64,' in page
    assert (tmp_path / "figure.png").read_bytes()[:4] == b"\x89PNG"
    assert pd.read_csv(out["csv"])["needed"].tolist() == ["no", "yes", "undecided"]
    # one learned encoder per dataset: nothing to compare, said so; F1 per encoder still shown
    assert "Fewer than two encoders with learned attention on any dataset" in page
    assert "Not compared, their analysis tables absent: " in page
    assert "; mean Kendall tau-b of attention with the gradient (importance);" in page
    assert set(pd.read_csv(out["encoders_csv"])["measure"]) == {"test_f1"}
    assert (tmp_path / "encoders.png").read_bytes()[:4] == b"\x89PNG"
    # without the encoder section's outputs (the plan has one encoder): one section
    alone = {k: v.replace(".", "-alone.") for k, v in out.items() if "encoder" not in k and
             "differences" not in k}  # fmt: skip
    open_questions(paths, datasets, {"margin": 0.02, "level": 0.05}, **alone)
    page = Path(alone["page"]).read_text()
    assert "Which tasks need attention?" in page and "What does the encoder change?" not in page


def test_the_page_is_planned_where_a_section_has_something_to_answer():
    def plan(attentions, encoders=("lstm", "average")):
        config = yaml.safe_load((REPO / "config.yaml").read_text())
        config["attentions"], config["encoders"] = attentions, list(encoders)
        validate(config)
        return Plan(config)

    page, encoders = (
        "results/report/open_questions.html",
        "results/report/figures/open_questions_encoders.png",
    )
    assert plan(["additive"], ["lstm"]).open_questions_outputs() == []  # nothing to answer
    # no uniform control: the encoders alone (config.yaml: lstm and average)
    assert plan(["additive"]).open_questions_outputs() == [encoders, page]
    assert plan(["additive", "uniform"], ["lstm"]).open_questions_outputs() == [
        "results/report/open_questions/needs.md", "results/report/figures/open_questions_needs.png",
        page]  # fmt: skip
    assert plan(["additive", "uniform"]).open_questions_outputs()[2:] == [encoders, page]


# -- what the encoder changes -----------------------------------------------------------------
def analysis_tables() -> dict[str, pd.DataFrame]:
    """Per-instance rows of two runs (lstm-additive and average-additive, seed 1) and what
    each measure is for them, by hand."""
    key = {"dataset": "d", "seed": 1}
    lstm, avg = {**key, "model": "lstm-additive"}, {**key, "model": "average-additive"}
    return {
        "importance": pd.DataFrame([
            {**lstm, "tau_attn_grad": 0.2, "tau_attn_loo": 0.1, "tau_attn_ig": 0.3},
            # an undefined tau is left out
            {**lstm, "tau_attn_grad": 0.4, "tau_attn_loo": np.nan, "tau_attn_ig": -0.1},
            {**avg, "tau_attn_grad": 0.9, "tau_attn_loo": 0.5, "tau_attn_ig": 0.7},
        ]),
        "permutation": pd.DataFrame([{**lstm, "median_change": v} for v in (0.1, 0.5, 0.2)]
                                    + [{**avg, "median_change": 0.3}]),
        "adversary": pd.DataFrame([{**lstm, "max_jsd": 0.6}, {**lstm, "max_jsd": 0.2},
                                   {**avg, "max_jsd": 0.1}]),
        "eraser": pd.DataFrame([
            {**lstm, "ranking": "attention", "ordering": 0, "aopc_comprehensiveness": 0.3},
            {**lstm, "ranking": "random", "ordering": 0, "aopc_comprehensiveness": 0.9},
            {**lstm, "ranking": "attention", "ordering": 1, "aopc_comprehensiveness": 0.9},
            {**avg, "ranking": "attention", "ordering": 0, "aopc_comprehensiveness": 0.1},
        ]),
        "replacement": pd.DataFrame([
            {**lstm, "replacement": "removed", "replaced_pred": 1, "label": 1},
            {**lstm, "replacement": "removed", "replaced_pred": 0, "label": 1},
            {**lstm, "replacement": "uniform", "replaced_pred": 0, "label": 0},
            {**avg, "replacement": "removed", "replaced_pred": 1, "label": 1},
        ]),
    }  # fmt: skip


def test_run_measures_summarise_each_runs_instances_as_each_measure_says():
    runs = metrics({("d", "lstm-additive"): [0.8], ("d", "average-additive"): [0.7],
                    ("d", "lstm-uniform"): [0.79]})  # fmt: skip
    runs["test_conicity"] = [0.5, 0.4, 0.3]
    per_run = questions.run_measures(runs, analysis_tables()).set_index("model")
    assert list(per_run.index) == ["average-additive", "lstm-additive"]  # learned only
    assert per_run.loc["lstm-additive"].to_dict() | {"dataset": "d"} == {
        "dataset": "d", "seed": 1, "encoder": "lstm", "test_f1": 0.8, "conicity": 0.5,
        "tau_attention_gradient": pytest.approx(0.3), "tau_attention_loo": 0.1,
        "tau_attention_ig": pytest.approx(0.1), "permutation_tvd": 0.2,
        "adversary_jsd": pytest.approx(0.4),
        "aopc_comprehensiveness": 0.3, "accuracy_attention_removed": 0.5,
    }  # fmt: skip
    assert per_run.loc["average-additive", "tau_attention_gradient"] == 0.9


def test_seed_variance_is_each_other_seeds_mean_jsd_to_the_base():
    runs = metrics({("d", "lstm-additive"): [0.8, 0.81, 0.82]})
    table = pd.DataFrame({"dataset": "d", "model": "lstm-additive", "seed": 1,
                          "other_seeds": [[2, 3], [2, 3]],
                          "jsd": [[0.1, 0.3], [0.2, 0.5]]})  # fmt: skip
    per_run = questions.run_measures(runs, {"seed_variance": table}).set_index("seed")
    assert np.isnan(per_run.loc[1, "seed_jsd"])  # the base seed has no JSD to itself
    assert per_run.loc[[2, 3], "seed_jsd"].tolist() == pytest.approx([0.15, 0.4])


def test_encoder_differences_are_scipys_paired_tests_with_holm():
    rng = np.random.default_rng(3)
    seeds = range(1, 6)
    rows = [{"dataset": "d", "model": m, "seed": s, "encoder": m.split("-")[0],
             "test_f1": base + rng.normal(0, 0.01)}
            for m, base in (("lstm-additive", 0.80), ("cnn-additive", 0.79),
                            ("average-additive", 0.70)) for s in seeds]  # fmt: skip
    per_run = pd.DataFrame(rows)
    got = questions.encoder_differences(per_run).set_index(["first", "second"])
    wide = per_run.pivot(index="seed", columns="model", values="test_f1")
    p = {}
    for a, b in [("average-additive", "cnn-additive"), ("average-additive", "lstm-additive"),
                 ("cnn-additive", "lstm-additive")]:  # fmt: skip
        p[(a, b)] = stats.ttest_rel(wide[a], wide[b]).pvalue
        assert got.loc[(a, b), "p_paired"] == pytest.approx(p[(a, b)], rel=1e-12)
        assert got.loc[(a, b), "difference"] == pytest.approx((wide[a] - wide[b]).mean())
    # Holm by hand: sorted p against 0.05/3, 0.05/2, 0.05/1, stopping at the first miss
    order = sorted(p, key=p.get)
    expected, going = {}, True
    for rank, pair in enumerate(order):
        going = going and p[pair] <= 0.05 / (3 - rank)
        expected[pair] = going
    assert {pair: bool(got.loc[pair, "differ"]) for pair in p} == expected
    assert expected[("average-additive", "lstm-additive")]  # 0.10 apart at spread 0.01


@pytest.mark.parametrize(("differences", "p"), [
    ([0.1, 0.1, 0.1], 0.0), ([0.0, 0.0], 1.0), ([0.3], 1.0), ([], 1.0),
])  # fmt: skip
def test_paired_p_without_spread(differences, p):
    assert questions.paired_p(np.array(differences, dtype=float)) == p


def test_encoder_finding_words_each_measure():
    pairs = pd.DataFrame([
        {"dataset": "d", "measure": "test_f1", "first": "average-additive",
         "second": "lstm-additive", "n_seeds": 5, "difference": -0.1, "p_paired": 0.001,
         "differ": True},
        {"dataset": "d", "measure": "conicity", "first": "average-additive",
         "second": "lstm-additive", "n_seeds": 5, "difference": 0.01, "p_paired": 0.4,
         "differ": False},
    ])  # fmt: skip
    assert questions.encoder_finding(pairs) == [
        "d, test F1: average-additive below lstm-additive (-0.100).",
        "d, mean conicity of the hidden states on test (Mohankumar et al.): no two encoders "
        "differ at these seeds.",
    ]


def test_the_stage_compares_encoders_from_the_analysis_tables_on_disk(tmp_path):
    """Two encoders x 2 seeds with every analysis table written as the jobs write them: the
    encoder table holds each measure by hand, the page words each measure's pairs."""
    paths, tables = [], {name: [] for name in analysis_tables()}
    for seed, shift in ((1, 0.0), (2, 0.01)):
        for model, f1 in (("lstm-additive", 0.8), ("average-additive", 0.7)):
            path = tmp_path / f"metrics-{model}-{seed}.json"
            path.write_text(json.dumps({"dataset": "d", "model": model, "seed": seed,
                                        "encoder": model.split("-")[0], "attention": "additive",
                                        "test_f1": f1 + shift, "test_conicity": 0.5}))  # fmt: skip
            paths.append(str(path))
        for name, table in analysis_tables().items():
            out = tmp_path / f"{name}-{seed}.parquet"
            table.assign(seed=seed).to_parquet(out)
            tables[name].append(str(out))
    suffixes = {"csv": "csv", "markdown": "md", "html": "html", "figure": "png",
                "page": "page", "encoders_csv": "csv", "encoders_html": "html",
                "differences_csv": "csv", "differences_html": "html",
                "encoders_figure": "png"}  # fmt: skip
    out = {k: str(tmp_path / f"{k}.{suffix}") for k, suffix in suffixes.items()}
    for model, jsd in (("lstm-additive", 0.3), ("average-additive", 0.1)):  # one per model
        variance = tmp_path / f"seed_variance-{model}.parquet"
        pd.DataFrame({"dataset": "d", "model": model, "seed": 1, "other_seeds": [[2]],
                      "jsd": [[jsd]]}).to_parquet(variance)  # fmt: skip
        tables.setdefault("seed_variance", []).append(str(variance))
    open_questions(paths, {"d": {"type": "table"}}, None, **out, **tables)
    summary = pd.read_csv(out["encoders_csv"]).set_index(["measure", "model"])
    assert summary.loc[("permutation_tvd", "lstm-additive"), "mean"] == pytest.approx(0.2)
    assert summary.loc[("test_f1", "average-additive"), "mean"] == pytest.approx(0.705)
    assert summary.loc[("seed_jsd", "lstm-additive"), "n_seeds"] == 1  # seed 2 only
    assert len(summary) == 2 * len(questions.ENCODER_MEASURES)
    pairs = pd.read_csv(out["differences_csv"]).set_index("measure")
    # F1 0.1 apart at both seeds: no spread, a nonzero difference: they differ
    assert pairs.loc["test_f1", "differ"] and pairs.loc["test_f1", "p_paired"] == 0.0
    assert not pairs.loc["conicity", "differ"]
    page = (tmp_path / "page.page").read_text()
    assert "d, test F1: average-additive below lstm-additive (-0.100)." in page
    assert "Not compared" not in page  # every measure's analysis ran
    assert "permutation_tvd, median output change (TVD) when attention is permuted;" in page
