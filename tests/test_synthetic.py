import hashlib

import numpy as np
import pytest

from attnaudit.data import synthetic
from attnaudit.data.prepare import tokenize_documents


def test_generation_is_deterministic_and_seed_dependent():
    a = synthetic.generate({"seed": 3, "n_train": 50, "n_dev": 10, "n_test": 10})
    b = synthetic.generate({"seed": 3, "n_train": 50, "n_dev": 10, "n_test": 10})
    c = synthetic.generate({"seed": 4, "n_train": 50, "n_dev": 10, "n_test": 10})
    assert a.equals(b)
    assert not a["text"].equals(c["text"])
    assert a["split"].value_counts().to_dict() == {"train": 50, "dev": 10, "test": 10}


def test_rationale_marks_signal_tokens_of_the_label_class():
    opts = {"seed": 0, "n_classes": 3, "signal_tokens_per_class": 4, "label_noise": 0.0}
    df = synthetic.generate(opts)
    words = {synthetic.pseudo_word(i): i for i in range(3 * 4)}
    for text, label, rationale in zip(df["text"], df["label"], df["rationale"], strict=True):
        tokens = text.split()
        assert rationale, "every document has at least one deciding signal"
        for pos in rationale:
            assert words[tokens[pos]] // 4 == label
        own = sum(1 for t in tokens if t in words and words[t] // 4 == label)
        assert own == len(rationale)  # distractors come from other classes only


def test_label_noise_flips_about_the_requested_share():
    df = synthetic.generate({"seed": 1, "n_train": 4000, "label_noise": 0.2})
    words = {synthetic.pseudo_word(i): i for i in range(20)}
    signal_class = [
        words[text.split()[r[0]]] // 10 for text, r in zip(df["text"], df["rationale"], strict=True)
    ]
    flipped = np.mean(np.array(signal_class) != df["label"].to_numpy())
    assert flipped == pytest.approx(0.2, abs=0.02)


def test_impossible_options_are_rejected():
    with pytest.raises(ValueError, match="vocab_size"):
        synthetic.generate({"vocab_size": 10})


def digest(df) -> str:
    """sha256 of every row's text, label and rationale, in order."""
    h = hashlib.sha256()
    for text, label, rationale in zip(df["text"], df["label"], df["rationale"], strict=True):
        h.update(f"{text}|{label}|{list(rationale)}\n".encode())
    return h.hexdigest()[:16]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, "53118482ba35b5e1"),
        ({"seed": 0, "n_train": 600, "n_dev": 150, "n_test": 100, "vocab_size": 400,
          "min_length": 8, "max_length": 24, "label_noise": 0.05}, "3184df48c19067fa"),
        ({"seed": 2, "n_classes": 3, "n_train": 100, "n_dev": 10, "n_test": 10,
          "label_noise": 0.3, "sentence_length": 5}, "43038b22c6c3d21c"),
    ],
)  # fmt: skip
def test_texts_labels_and_rationales_are_those_generated_before_distractors_were_saved(
    options, expected
):
    # hashes computed before the `distractors` and `label_flipped` columns were added:
    # saving them draws nothing, so the same seed still gives the same data
    assert digest(synthetic.generate(options)) == expected


def test_distractors_are_the_other_signal_words_and_flags_mark_replaced_labels():
    opts = {"seed": 5, "n_classes": 3, "signal_tokens_per_class": 4, "label_noise": 0.3,
            "n_train": 300, "n_dev": 10, "n_test": 10}  # fmt: skip
    df = synthetic.generate(opts)
    words = {synthetic.pseudo_word(i): i for i in range(3 * 4)}
    assert df["label_flipped"].dtype == bool
    for row in df.itertuples(index=False):
        tokens = row.text.split()
        signal = [p for p, t in enumerate(tokens) if t in words]
        assert sorted(row.rationale + row.distractors) == signal
        assert set(row.rationale).isdisjoint(row.distractors)
        assert len(row.distractors) < len(row.rationale)
        drawn_for = {words[tokens[p]] // 4 for p in row.rationale}
        assert len(drawn_for) == 1
        assert drawn_for.isdisjoint(words[tokens[p]] // 4 for p in row.distractors)
        assert row.label_flipped == (row.label not in drawn_for)
    assert 0.2 < df["label_flipped"].mean() < 0.4
    assert (df["distractors"].map(len) > 0).any()


def test_token_table_carries_distractors_and_flags():
    docs = synthetic.generate({"seed": 1, "n_train": 40, "n_dev": 5, "n_test": 5,
                               "label_noise": 0.3})  # fmt: skip
    table, _ = tokenize_documents("synthetic", docs, min_count=1, max_length=12)
    for column in ("rationale", "distractors", "label_flipped"):
        assert [list(np.atleast_1d(v)) for v in table[column]] == [
            list(np.atleast_1d(v)) for v in docs[column]
        ]
