"""Word pieces in the project's id space (data.pieces) and checkpoints found, checked and
refused by name (data.checkpoints), on a tiny offline checkpoint."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from attnaudit.data import checkpoints
from attnaudit.data.checkpoints import CheckpointError, check_entry, locate, verify_mirror_copy
from attnaudit.data.pieces import join_pieces, piece_order, project_ids, split_pieces
from tests.tiny_bert import make_tiny_bert

WORDS = ["the", "good", "bad", "movie", "great", "awful", "film", "plot", "acting"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return make_tiny_bert(tmp_path_factory.mktemp("tiny"), WORDS * 5)


def test_the_order_puts_the_specials_first_and_leaves_slot_4_empty():
    # BERT's layout: [PAD] 0, [UNK] 100, [CLS] 101, [SEP] 102 in a vocabulary of 105
    order = piece_order(105, [0, 100, 101, 102])
    assert order[:5].tolist() == [0, 100, 101, 102, -1]
    assert order[5:].tolist() == list(range(1, 100)) + [103, 104]
    inverse = project_ids(order)
    assert inverse[[0, 100, 101, 102, 1, 104]].tolist() == [0, 1, 2, 3, 5, 105]


def test_split_pieces_maps_specials_to_sos_eos_and_cuts_long_inputs(tiny):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny)
    table = pd.DataFrame({
        "id": ["a", "b"], "split": ["train", "test"], "label": [0, 1],
        "tokens": [["the", "good", "movie"], ["awful", "zzz", "acting", "the", "plot", "film"]],
        "token_ids": [[0], [0]],
    })  # fmt: skip
    out, vocab, summary = split_pieces(table, tokenizer, max_pieces=5)
    first, second = out["token_ids"]
    assert first[0] == 2 and first[-1] == 3 and len(first) == 5  # <SOS> ... <EOS>
    assert len(second) == 5 and second[-1] == 3  # cut to 5 pieces, [SEP] kept last
    truncated = tokenizer(list(table["tokens"][1]), is_split_into_words=True, truncation=True,
                          max_length=5)  # the tokenizer's own cut  # fmt: skip
    assert out["tokens"][1] == tokenizer.convert_ids_to_tokens(truncated["input_ids"])
    assert out["words"][1] == [-1 if w is None else w for w in truncated.word_ids()]
    assert summary["cut_instances"] == 1 and summary["max_pieces"] == 5
    assert out["words"][0] == [-1, 0, 1, 2, -1]
    # each project id names the checkpoint's piece: vocab[p] is the piece at order[p]
    assert [vocab[i] for i in first[1:-1]] == ["the", "good", "movie"]
    assert vocab[:5] == ["<PAD>", "<UNK>", "<SOS>", "<EOS>", "<SEP>"]
    assert "zzz" not in vocab and second[2] == 1  # unknown word -> <UNK>


def test_join_pieces_joins_a_words_pieces_whatever_the_scheme():
    assert join_pieces(["[CLS]", "un", "##bel", "##ie", "good", "[SEP]"], [-1, 0, 0, 0, 1, -1]) == [
        (0, "unbelie"),
        (1, "good"),
    ]
    assert join_pieces(["<s>", "\u0120un", "bel", "\u2581go", "od", "</s>"],
                       [-1, 0, 0, 1, 1, -1]) == [(0, "unbel"), (1, "good")]  # fmt: skip


def entry(checkpoint, revision=None):
    return {"checkpoint": checkpoint, "revision": revision}


def test_a_hub_checkpoint_needs_org_name_and_a_revision():
    with pytest.raises(CheckpointError, match="pretrained.m.revision"):
        check_entry("m", entry("org/name"), None)
    with pytest.raises(CheckpointError, match="neither a local directory nor a hub id"):
        check_entry("m", entry("a/b/c", "0" * 40), None)
    # without a mirror copy it is downloaded by the workflow, into resources/hf/<name>
    assert locate("m", entry("org/name", "0" * 40), None) == ("resources/hf/m", True)


def test_a_local_directory_without_safetensors_is_refused_with_why(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "pytorch_model.bin").write_bytes(b"pickle")
    with pytest.raises(CheckpointError, match="lacks model.safetensors.*never a pickle"):
        check_entry("m", entry(str(tmp_path)), None)
    with pytest.raises(CheckpointError, match="no directory"):
        check_entry("m", entry(str(tmp_path / "nowhere")), None)


def test_the_mirror_serves_a_hub_checkpoint_and_its_checksums_are_checked(tmp_path, tiny):
    folder = tmp_path / "hf" / "org--tiny"
    folder.mkdir(parents=True)
    for name in ("config.json", "model.safetensors", "tokenizer.json"):
        (folder / name).write_bytes((tiny / name).read_bytes())
    digest = hashlib.sha256((folder / "model.safetensors").read_bytes()).hexdigest()
    sums = tmp_path / "SHA256SUMS"
    sums.write_text(f"{digest}  ./hf/org--tiny/model.safetensors\n")
    assert locate("m", entry("org/tiny", "0" * 40), str(tmp_path)) == (str(folder), False)
    check_entry("m", entry("org/tiny", "0" * 40), str(tmp_path))
    assert verify_mirror_copy(folder) == ["model.safetensors"]
    sums.write_text(f"{'0' * 64}  ./hf/org--tiny/model.safetensors\n")
    with pytest.raises(CheckpointError, match="model.safetensors: SHA-256"):
        verify_mirror_copy(folder)


def test_offline_the_download_names_the_checkpoint_and_the_mirror(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    import huggingface_hub

    def offline(*args, **kwargs):
        raise huggingface_hub.errors.OfflineModeIsEnabled("offline mode is enabled")

    monkeypatch.setattr(huggingface_hub, "snapshot_download", offline)
    with pytest.raises(CheckpointError) as caught:
        checkpoints.download("org/name", "a" * 40, tmp_path / "out")
    message = str(caught.value)
    assert "org/name" in message and "a" * 40 in message and "HF_HUB_OFFLINE" in message
    assert "mirror=" in message and "hf/org--name" in message


def test_the_piece_order_inverse_is_a_bijection_on_the_checkpoint_ids():
    order = piece_order(50, [1, 0, 3, 2])
    inverse = project_ids(order)
    assert np.array_equal(order[inverse], np.arange(50))


def test_a_guides_attention_over_pieces_is_summed_per_word():
    from attnaudit.analyses.wiegreffe_pinter import words_attention

    pieces = pd.DataFrame({"id": ["a", "b"], "words": [[-1, 0, 0, 1, -1], [-1, 0, 1, 1, 1, -1]]})
    # b had 3 words; its third was cut by max_pieces: 0 attention there
    words = pd.DataFrame({"id": ["a", "b"], "tokens": [["un", "good"], ["x", "y", "z"]]})
    attention = [np.array([0.2, 0.3, 0.5]), np.array([0.1, 0.2, 0.3, 0.4])]
    guide = pd.DataFrame({"id": ["a", "b"], "split": ["test", "test"], "attention": attention})
    mapped = words_attention(guide, pieces, words)
    assert np.allclose(mapped["attention"][0], [0.5, 0.5])
    assert np.allclose(mapped["attention"][1], [0.1, 0.9, 0.0])
    assert mapped["split"].tolist() == ["test", "test"]
