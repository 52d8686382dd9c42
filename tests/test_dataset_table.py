"""The dataset table (the papers' Table 1), and every real dataset of the mirror through the
preprocessing job with the papers' counts."""

from __future__ import annotations

import json

import pytest

from attnaudit.report.tables import dataset_statistics, dataset_statistics_markdown
from attnaudit.stages.data import preprocess
from attnaudit.stages.report import dataset_statistics as dataset_statistics_job
from tests.conftest import mirror_file


def summary(name, train, dev, test, vocab=100, resplit=False, lengths=(10.0, 8.0, 20.0, 50)):
    mean, median, p90, longest = lengths

    def split(counts):
        return {
            "n": sum(counts),
            "class_counts": list(counts),
            "mean_length": mean,
            "median_length": median,
            "p90_length": p90,
            "max_length": longest,
        }

    return {
        "dataset": name,
        "type": name,
        "n_classes": len(train),
        "vocab_size": vocab,
        "splits": {"train": split(train), "dev": split(dev), "test": split(test)},
        "resplit_from_test": resplit,
    }


def test_table_rows_balance_lengths_and_resplit_note(tmp_path):
    summaries = [
        summary("zeta", (30, 10), (3, 1), (6, 2), resplit=True),
        summary("alpha", (5, 5, 10), (1, 1, 2), (2, 2, 4), vocab=40, lengths=(4.0, 3.0, 7.0, 9)),
    ]
    table = dataset_statistics(summaries)
    assert list(table["dataset"]) == ["alpha", "zeta"]
    zeta = table.iloc[1]
    assert (zeta["n_train"], zeta["n_dev"], zeta["n_test"], zeta["n_total"]) == (40, 4, 8, 52)
    assert zeta["train_classes"] == "30 / 10" and zeta["test_classes"] == "6 / 2"
    assert zeta["majority_share"] == pytest.approx(39 / 52)
    assert zeta["mean_length"] == pytest.approx(10.0) and zeta["max_length"] == 50
    assert zeta["resplit_from_test"] and not table.iloc[0]["resplit_from_test"]
    assert table.iloc[0]["n_classes"] == 3 and table.iloc[0]["train_classes"] == "5 / 5 / 10"
    text = dataset_statistics_markdown(table)
    assert "| alpha | 3 | 40 | 20 | 4 | 8 | 5 / 5 / 10 |" in text
    assert "test-only re-split: not comparable" in text and "| 8 / 20 |" in text
    old = summary("old", (2, 2), (1, 1), (1, 1))  # a summary from before median/p90 existed
    del old["splits"]["train"]["median_length"], old["resplit_from_test"]
    assert "n/a" in dataset_statistics_markdown(dataset_statistics([old]))

    paths = []
    for s in summaries:
        paths.append(tmp_path / f"{s['dataset']}.json")
        paths[-1].write_text(json.dumps(s))
    out = {k: str(tmp_path / f"t.{k}") for k in ("csv", "markdown", "html")}
    dataset_statistics_job([str(p) for p in paths], **out)
    assert (tmp_path / "t.csv").read_text().startswith("dataset,type,n_classes,vocab_size,")
    assert "Datasets after preprocessing" in (tmp_path / "t.markdown").read_text()
    page = (tmp_path / "t.html").read_text()
    assert "Datasets after preprocessing" in page and "<td>5 / 5 / 10</td>" in page
    assert "<td>yes</td>" in page  # zeta's re-split


# Each real dataset through attnaudit.stages.data.preprocess (the preprocess job), read
# straight from the mirror: (type, options, mirror files, sizes train/dev/test, n classes).
REAL = {
    "sst": ("sst", {}, ["trainDevTestTrees_PTB.zip"], (6_920, 872, 1_821)),
    "sst2": ("sst2", {}, ["SST-2/train.tsv", "SST-2/dev.tsv"], (60_612, 6_735, 872)),
    "agnews": (
        "agnews",
        {"test_only_resplit": True},
        ["ag_news_csv/test.csv"],
        (2_660, 380, 760),
    ),
    "20news": ("20news", {}, ["20news-bydate.reconstructed.tar.gz"], (1_236, 309, 386)),
    "imdb": ("imdb", {}, ["aclImdb_v1.reconstructed.tar.gz"], (17_214, 4_304, 21_723)),
}


@pytest.fixture(scope="module")
def real_summaries(tmp_path_factory):
    out = tmp_path_factory.mktemp("real")
    summaries = {}
    for name, (kind, options, files, _) in REAL.items():
        paths = [str(mirror_file(f)) for f in files]
        target = {k: str(out / f"{name}.{k}") for k in ("tokens", "vocab", "summary")}
        target["tokens"] += ".parquet"
        preprocess(name, {"type": kind, **options}, paths, **target)
        summaries[name] = json.loads((out / f"{name}.summary").read_text())
    return summaries


@pytest.mark.slow
@pytest.mark.mirror
@pytest.mark.parametrize("name", list(REAL))
def test_real_dataset_preprocesses_with_the_papers_counts(real_summaries, name):
    s = real_summaries[name]
    sizes = tuple(s["splits"][k]["n"] for k in ("train", "dev", "test"))
    assert sizes == REAL[name][3]
    assert s["n_classes"] == 2 and s["vocab_size"] > 1_000
    assert s["resplit_from_test"] == (name == "agnews")
    for split in s["splits"].values():
        assert sum(split["class_counts"]) == split["n"]
        assert 0 < split["median_length"] <= split["p90_length"] <= split["max_length"]
    if name == "agnews":  # 1,900 World + 1,900 Business rows of test.csv, re-split 70/10/20
        assert sum(sum(v["class_counts"][c] for v in s["splits"].values()) for c in (0, 1)) == 3800
    if name == "imdb":  # Jain & Wallace keep documents under 400 tokens
        assert s["splits"]["test"]["max_length"] < 400


@pytest.mark.slow
@pytest.mark.mirror
def test_table_of_the_real_datasets(real_summaries):
    table = dataset_statistics(list(real_summaries.values()))
    assert list(table["dataset"]) == sorted(REAL)
    row = table.set_index("dataset").loc["sst"]
    assert (row["n_train"], row["n_dev"], row["n_test"]) == (6_920, 872, 1_821)
    assert row["train_classes"] == "3310 / 3610"  # Jain & Wallace's SST: 3,310 neg, 3,610 pos
    assert "test-only re-split" in dataset_statistics_markdown(table)
