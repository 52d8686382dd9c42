"""SST from the offline mirror: counts and token parity with Jain & Wallace's processed SST."""

import csv

import pytest

from attnaudit.data import tokens as tok
from attnaudit.data.prepare import load_documents
from tests.conftest import mirror_file

pytestmark = pytest.mark.mirror


@pytest.fixture(scope="module")
def sst():
    return load_documents("sst", {}, [mirror_file("trainDevTestTrees_PTB.zip")])


def test_binary_split_counts(sst):
    counts = sst.groupby("split")["label"].agg(["size", "sum"]).to_dict("index")
    assert counts["train"] == {"size": 6920, "sum": 3610}
    assert counts["dev"] == {"size": 872, "sum": 444}
    assert counts["test"] == {"size": 1821, "sum": 909}


def test_token_parity_with_jain_wallace(sst):
    reference = {"train": [], "dev": [], "test": []}
    with open(mirror_file("jain_wallace_sst_dataset.csv"), encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            # Their CSV keeps digits; their vectoriser maps them to qqq later, as we do here.
            words = ["qqq" if any(c.isdigit() for c in w) else w for w in row["text"].split()]
            reference[row["exp_split"]].append((words, int(row["label"])))
    differ = total = 0
    for split, expected in reference.items():
        ours = sst[sst["split"] == split]
        assert len(ours) == len(expected)
        for (words, label), text, our_label in zip(
            expected, ours["text"], ours["label"], strict=True
        ):
            total += 1
            differ += (tok.tokenize(text), our_label) != (words, label)
    print(f"SST parity: {differ} of {total} sentences differ from Jain & Wallace's tokens")
    assert differ / total <= 0.01
