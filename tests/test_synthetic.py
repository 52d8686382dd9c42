import numpy as np
import pytest

from attnaudit.data import synthetic


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
