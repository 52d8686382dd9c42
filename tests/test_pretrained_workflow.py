"""The whole workflow on a never-seen pretrained checkpoint named by its directory alone:
a tiny random BERT with a WordPiece tokenizer trained on the synthetic words, saved with
`save_pretrained` (tests/tiny_bert.py). Every analysis family runs on its fine-tuned runs
and the report pages show words, not pieces."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from attnaudit.data.synthetic import pseudo_word
from tests.tiny_bert import make_tiny_bert
from tests.workflow_runner import planned_jobs, snakemake, write_config

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    work = tmp_path_factory.mktemp("pretrained")
    # whole words only for frequent ones (tests/tiny_bert.py): the rare words come in pieces
    words = [pseudo_word(i) for i in range(300)] * 3 + [pseudo_word(i) for i in range(300, 400)]
    checkpoint = make_tiny_bert(work / "my-checkpoint", words)
    write_config(work, {
        "datasets": {"synthetic": {"type": "synthetic", "seed": 0, "n_train": 200, "n_dev": 60,
                                   "n_test": 40, "vocab_size": 400, "min_length": 8,
                                   "max_length": 16}},
        "encoders": ["tinybert"],
        "attentions": ["cls", "clsuniform"],
        "seeds": [1, 2],
        "training": {"epochs": 2, "embedding_dim": 16},
        "pretrained": {"tinybert": {"checkpoint": str(checkpoint), "epochs": 2, "lr": 1.0e-3}},
        # the guided MLP on the fine-tuned model's attention mapped to words, and the
        # adversary fine-tuned from the same checkpoint against it
        "wiegreffe_pinter": {
            "guided_mlp": {"variants": ["base", "adversary"], "base": "tinybert-cls"},
            "adversarial": {"base": "tinybert-cls", "lambdas": [1.0], "epochs": 2},
        },
    })  # fmt: skip
    snakemake(work)
    return work


def test_every_family_runs_on_the_fine_tuned_checkpoint(finished):
    runs = finished / "results" / "synthetic"
    metrics = json.loads((runs / "tinybert-cls" / "seed1" / "metrics.json").read_text())
    assert metrics["embeddings"] == "pretrained" and metrics["best_epoch"] >= 1
    for family in ("jain_wallace", "serrano_smith", "faithfulness", "vashishth"):
        assert list((runs / "tinybert-cls" / "seed1" / family).glob("*.parquet")), family
    tau = pd.read_csv(finished / "results" / "report" / "jain_wallace" / "tau.csv")
    assert set(tau["model"]) == {"tinybert-cls"}
    verdicts = pd.read_csv(finished / "results" / "report" / "verdicts" / "verdicts.csv")
    assert set(verdicts["question"]) == {"needed", "faithful", "unique"}


def test_wiegreffe_pinter_runs_on_the_pretrained_base(finished):
    report = finished / "results" / "report" / "wiegreffe_pinter"
    guided = pd.read_csv(report / "guided_mlp.csv")
    assert set(guided["variant"]) == {"base", "adversary"}
    assert set(guided["guide"]) == {"tinybert-cls", "adversary-lambda1"}
    adversarial = pd.read_csv(report / "adversarial.csv")
    assert adversarial["base_model"].tolist() == ["tinybert-cls"]
    # the guide's attention is over the MLP's words, one weight per word, summing to 1
    guide = pd.read_parquet(
        finished / "results/synthetic/wiegreffe_pinter/guided/base/seed1/guide.parquet"
    )
    words = pd.read_parquet(finished / "results/synthetic/data/tokens.parquet").set_index("id")
    for ident, attention in zip(guide["id"], guide["attention"], strict=True):
        assert len(attention) == len(words.loc[ident, "tokens"])
        assert abs(sum(attention) - 1) < 1e-5


def test_items_are_word_pieces_without_cls_and_sep(finished):
    pieces = pd.read_parquet(finished / "results/synthetic/data/pieces/tinybert/tokens.parquet")
    importance = pd.read_parquet(
        finished / "results/synthetic/tinybert-cls/seed1/jain_wallace/importance.parquet"
    )
    lengths = pieces.set_index("id")["token_ids"].map(len) - 2  # [CLS], [SEP]
    for ident, attention in zip(importance["id"], importance["attention"], strict=True):
        assert len(attention) == lengths[ident]
        assert abs(sum(attention) - 1) < 1e-5
    # some rare words were split: the runs' items are pieces, not words
    assert (pieces["tokens"].map(len) > pieces["words"].map(lambda w: max(w) + 3)).any()


def test_the_examples_page_shows_words_with_their_pieces_joined(finished):
    page = (finished / "results/report/verdicts/synthetic-tinybert-cls-examples.html").read_text()
    shown = set(re.findall(r">\s*(wa[a-z]+)\s*<", page))
    assert shown, "no words on the page"
    assert "##" not in page and "[CLS]" not in page and "[SEP]" not in page
    assert shown <= {pseudo_word(i) for i in range(400)}


def test_a_finished_run_plans_nothing(finished):
    assert planned_jobs(finished) == {}
