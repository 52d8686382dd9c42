import pandas as pd

from attnaudit.data import tokens as tok
from attnaudit.data.prepare import DatasetError, tokenize_documents


def test_tokenize_lowercases_splits_punctuation_and_masks_digits():
    assert tok.tokenize("The 21st Century 's -LRB- co-writer\\/director -RRB- ,") == [
        "the", "qqq", "century", "s", "co", "writer", "director",
    ]  # fmt: skip
    assert tok.tokenize("Schütte's café") == ["schütte", "s", "café"]


def test_vocab_is_train_only_with_min_count_and_wrapped_sequences():
    docs = pd.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "text": ["good good film", "bad film", "unseen words", "dev dev good"],
            "label": [1, 0, 1, 0],
            "split": ["train", "train", "test", "dev"],
        }
    )
    table, vocab = tokenize_documents("toy", docs, min_count=2)
    assert vocab[:5] == list(tok.SPECIALS)
    assert vocab[5:] == ["film", "good"]  # 'bad' seen once; dev and test words never counted
    ids = table.set_index("id")["token_ids"]
    assert ids["c"] == [tok.SOS_ID, tok.UNK_ID, tok.UNK_ID, tok.EOS_ID]
    good = vocab.index("good")
    assert ids["d"] == [tok.SOS_ID, tok.UNK_ID, tok.UNK_ID, good, tok.EOS_ID]


def test_empty_document_is_a_clear_error():
    docs = pd.DataFrame(
        {"id": ["x", "y"], "text": ["fine", " ... "], "label": [0, 1], "split": ["train"] * 2}
    )
    try:
        tokenize_documents("toy", docs, min_count=1)
    except DatasetError as exc:
        assert "toy" in str(exc) and "ids: y" in str(exc)
    else:
        raise AssertionError("an empty document must be an error")
