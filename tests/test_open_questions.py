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
    datasets = {"needle": NEEDLE, "counts": COUNTS, "sst": {"type": "sst"}}
    table = open_questions(paths, datasets, {"margin": 0.02, "level": 0.05}, **out)
    assert list(table["recovered"][:2]) == [True, True]
    page = (tmp_path / "page.html2").read_text()
    for finding in questions.task_finding(table):
        assert finding.replace("&", "&amp;") in page
    assert "sst: the offline mirror holds only the test split" in page
    assert 'src="data:image/png;base64,' in page
    assert (tmp_path / "figure.png").read_bytes()[:4] == b"\x89PNG"
    assert pd.read_csv(out["csv"])["needed"].tolist() == ["no", "yes", "undecided"]


def test_the_page_is_planned_only_where_a_model_has_its_uniform_control():
    def plan(attentions):
        config = yaml.safe_load((REPO / "config.yaml").read_text())
        config["attentions"] = attentions
        validate(config)
        return Plan(config)

    assert plan(["additive"]).open_questions_outputs() == []
    assert plan(["additive", "uniform"]).open_questions_outputs() == [
        "results/report/open_questions/needs.md", "results/report/figures/open_questions_needs.png",
        "results/report/open_questions.html"]  # fmt: skip
