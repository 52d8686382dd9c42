"""rationales.jsonl against ERASER's own definitions: every line is checked the way ERASER's
scorer (jayded/eraserbenchmark, rationale_benchmark/metrics.py at commit 36467f1, its
`--results` help, `verify_instance(s)` and `compute_aopc_scores`) reads it, and the AOPC
that scorer would compute from `thresholded_scores` is recomputed here, independently of
the analysis, and compared with the reported `aopc_comprehensiveness` / `aopc_sufficiency`.
"""

from __future__ import annotations

import json
import math
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from attnaudit.analyses import faithfulness as faith
from attnaudit.report import faithfulness as report
from tests.model_fixtures import hand_model, rows_of

# ERASER's default `--aopc_thresholds` (metrics.py main()): fractions, matched with `in`
ERASER_THRESHOLDS = [0.01, 0.05, 0.1, 0.2, 0.5]
SEQUENCES = [
    (10, 11, 12, 13),
    (14, 12, 11),
    (13, 10),
    (10, 11, 12, 13, 14, 10, 11, 12, 13, 14, 12, 11),
]
BINARY = ({10: (2.0, 3.0), 11: (0.0, -1.0), 12: (1.0, 0.5), 13: (-1.0, 2.0), 14: (0.5, -2.0)},
          -0.25, 2)  # fmt: skip
THREE = ({10: (2.0, [3.0, 0.0, -1.0]), 11: (0.0, [-1.0, 1.0, 0.0]),
          12: (1.0, [0.5, 0.5, 2.0]), 13: (-1.0, [2.0, -2.0, 0.0]),
          14: (0.5, [-2.0, 1.5, 0.5])}, [0.1, -0.2, 0.0], 3)  # fmt: skip
RANKINGS = {"rankings": ["attention", "gradient", "loo", "random"], "n_random": 1}


def check_scores(scores, classes: set[str]) -> None:
    """ERASER's `classification_scores` and its reduced-input kin: a dict over every class
    (names as strings), a normalized distribution."""
    assert isinstance(scores, dict) and set(scores) == classes
    assert all(isinstance(v, float) and 0.0 <= v <= 1.0 for v in scores.values())
    assert sum(scores.values()) == pytest.approx(1.0, abs=1e-6)  # float32 models


def check_eraser_file(records: list[dict], lengths: dict[str, int], classes: set[str]) -> None:
    """One file as ERASER's scorer verifies it: unique annotation ids; per rationale a known
    docid once, hard spans [start, end) inside the document and not overlapping, one soft
    score per document token; classification a string among the classes; every score dict
    a distribution over all classes; every instance the same thresholds, each with both
    reduced-input distributions; optional fields present for all instances or none."""
    ids = [r["annotation_id"] for r in records]
    assert all(isinstance(i, str) for i in ids) and len(set(ids)) == len(ids)
    thresholds = {s["threshold"] for s in records[0]["thresholded_scores"]}
    fields = {"classification", "classification_scores", "comprehensiveness_classification_scores",
              "sufficiency_classification_scores", "thresholded_scores"}  # fmt: skip
    for record in records:
        assert fields <= set(record)
        docids = Counter(r["docid"] for r in record["rationales"])
        assert all(d in lengths and n == 1 for d, n in docids.items())
        for rationale in record["rationales"]:
            n = lengths[rationale["docid"]]
            spans = rationale["hard_rationale_predictions"]
            for span in spans:
                assert set(span) == {"start_token", "end_token"}
                assert all(isinstance(v, int) for v in span.values())
                assert 0 <= span["start_token"] < span["end_token"] <= n
            covered = [t for s in spans for t in range(s["start_token"], s["end_token"])]
            assert len(covered) == len(set(covered))  # no two spans overlap
            soft = rationale["soft_rationale_predictions"]
            assert len(soft) == n and all(isinstance(v, float) for v in soft)
        assert isinstance(record["classification"], str) and record["classification"] in classes
        for key in ("classification_scores", "comprehensiveness_classification_scores",
                    "sufficiency_classification_scores"):  # fmt: skip
            check_scores(record[key], classes)
        assert {s["threshold"] for s in record["thresholded_scores"]} == thresholds
        for entry in record["thresholded_scores"]:
            assert isinstance(entry["threshold"], float)
            check_scores(entry["comprehensiveness_classification_scores"], classes)
            check_scores(entry["sufficiency_classification_scores"], classes)


def eraser_instance_aopc(record: dict, thresholds: list[float], key: str) -> float:
    """ERASER's `_instances_aopc` for one instance: the predicted class's score on the full
    input minus its score at each threshold of `thresholds` (sorted, matched exactly), and
    the mean of these deltas; every threshold must be found."""
    kls = record["classification"]
    beta_0 = record["classification_scores"][kls]
    entries = sorted(record["thresholded_scores"], key=lambda s: s["threshold"])
    deltas = [beta_0 - s[key][kls] for s in entries if s["threshold"] in thresholds]
    assert len(deltas) == len(thresholds)
    return sum(deltas) / len(deltas)


def split_runs(records: list[dict]) -> dict[tuple, list[dict]]:
    """The combined file split into ERASER files by (dataset, model, seed, ranking)."""
    out: dict[tuple, list[dict]] = {}
    for r in records:
        out.setdefault((r["dataset"], r["model"], r["seed"], r["ranking"]), []).append(r)
    return out


def written(table: pd.DataFrame, tmp_path) -> list[dict]:
    path = tmp_path / "rationales.jsonl"
    report.write_rationales(table, str(path))
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.parametrize("spec", [BINARY, THREE], ids=["binary", "three-class"])
def test_every_line_is_what_erasers_scorer_reads_and_its_aopc_is_ours(spec, tmp_path):
    tokens, bias, n_classes = spec
    model = hand_model(tokens, bias=bias, n_classes=n_classes)
    rows = rows_of(*SEQUENCES)
    table = faith.eraser(model, rows, RANKINGS)  # default percents 1, 5, 10, 20, 50
    both = pd.concat([table.assign(seed=1), table.assign(seed=2)], ignore_index=True)
    records = written(both.assign(dataset="d", model="m"), tmp_path)
    runs = split_runs(records)
    assert len(runs) == 2 * 4 and all(len(r) == len(SEQUENCES) for r in runs.values())
    lengths = {f"hand-{i}": len(s) for i, s in enumerate(SEQUENCES)}
    classes = {str(c) for c in range(n_classes)}
    rows_by = table.set_index(["ranking", "id"])
    for (_, _, _, ranking), instances in runs.items():
        check_eraser_file(instances, lengths, classes)
        for record in instances:
            row = rows_by.loc[(ranking, record["annotation_id"])]
            assert {s["threshold"] for s in record["thresholded_scores"]} == set(ERASER_THRESHOLDS)
            comp = eraser_instance_aopc(
                record, ERASER_THRESHOLDS, "comprehensiveness_classification_scores"
            )
            suff = eraser_instance_aopc(
                record, ERASER_THRESHOLDS, "sufficiency_classification_scores"
            )
            assert comp == pytest.approx(row["aopc_comprehensiveness"], abs=1e-12)
            assert suff == pytest.approx(row["aopc_sufficiency"], abs=1e-12)
            # ERASER's top-level comprehensiveness / sufficiency: at the exported 20 % bin
            kls = record["classification"]
            beta_0 = record["classification_scores"][kls]
            drop = beta_0 - record["comprehensiveness_classification_scores"][kls]
            assert drop == pytest.approx(row["comprehensiveness_20"], abs=1e-12)
            drop = beta_0 - record["sufficiency_classification_scores"][kls]
            assert drop == pytest.approx(row["sufficiency_20"], abs=1e-12)
            spans = record["rationales"][0]["hard_rationale_predictions"]
            covered = sum(s["end_token"] - s["start_token"] for s in spans)
            assert covered == math.ceil(0.2 * lengths[record["annotation_id"]])
        # ERASER's file-level AOPC (mean over instances and thresholds) is the reported figure
        file_aopc = np.mean(
            [eraser_instance_aopc(r, ERASER_THRESHOLDS, "comprehensiveness_classification_scores")
             for r in instances]
        )  # fmt: skip
        summary = report.eraser_summary(both.assign(dataset="d", model="m")).set_index("ranking")
        assert file_aopc == pytest.approx(summary.loc[ranking, "aopc_comprehensiveness"])


def test_datasets_of_two_class_counts_share_one_file(tmp_path):
    """A binary and a three-class dataset in one study: each record keeps its own classes
    (the rows of both are written in one pass, the class counts mixed in a chunk)."""
    tables = []
    for name, (tokens, bias, n_classes) in (("two", BINARY), ("three", THREE)):
        model = hand_model(tokens, bias=bias, n_classes=n_classes)
        table = faith.eraser(model, rows_of(*SEQUENCES), {"rankings": ["attention"]})
        tables.append(table.assign(dataset=name, model="m", seed=0))
    records = written(pd.concat(tables, ignore_index=True), tmp_path)
    lengths = {f"hand-{i}": len(s) for i, s in enumerate(SEQUENCES)}
    for (dataset, *_), instances in split_runs(records).items():
        classes = {"0", "1"} if dataset == "two" else {"0", "1", "2"}
        check_eraser_file(instances, lengths, classes)


def test_the_bins_as_thresholds_keep_the_exact_floats_erasers_defaults_match(tmp_path):
    """ERASER keeps a threshold only if it is `in` its list: 0.01 ... 0.5 exactly, and with
    other bins their fractions (percent / 100)."""
    model = hand_model(BINARY[0], bias=BINARY[1])
    table = faith.eraser(model, rows_of(*SEQUENCES), {"rankings": ["attention"],
                                                      "percents": [50.0, 12.5]})  # fmt: skip
    records = written(table.assign(dataset="d", model="m", seed=0), tmp_path)
    for record in records:
        assert [s["threshold"] for s in record["thresholded_scores"]] == [0.125, 0.5]
        assert eraser_instance_aopc(
            record, [0.125, 0.5], "comprehensiveness_classification_scores"
        ) == pytest.approx(
            table.set_index("id").loc[record["annotation_id"], "aopc_comprehensiveness"]
        )
        with pytest.raises(AssertionError):  # a threshold ERASER does not find
            eraser_instance_aopc(record, [0.1, 0.5], "comprehensiveness_classification_scores")


def test_an_annotation_id_twice_in_one_run_is_refused(tmp_path):
    model = hand_model(BINARY[0], bias=BINARY[1])
    table = faith.eraser(model, rows_of(*SEQUENCES[:2]), {"rankings": ["attention"]})
    twice = pd.concat([table, table], ignore_index=True).assign(dataset="d", model="m", seed=0)
    with pytest.raises(ValueError, match="annotation ids repeated"):
        report.write_rationales(twice, str(tmp_path / "rationales.jsonl"))
