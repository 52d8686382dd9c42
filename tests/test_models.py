import numpy as np
import pytest
import torch

from attnaudit.data.batching import bucketed_batches, pad
from attnaudit.data.tokens import EOS_ID, SOS_ID
from attnaudit.data.vectors import load_vectors
from attnaudit.models import ModelConfig, build_model
from attnaudit.models.attention import masked_softmax
from tests.conftest import mirror_file

ENCODERS = ["lstm", "gru", "cnn", "average"]
ATTENTIONS = ["additive", "dot", "uniform", "sparsemax", "entmax"]


def sequences(n=6, vocab=50, seed=0):
    rng = np.random.default_rng(seed)
    return [
        [SOS_ID, *rng.integers(5, vocab, int(rng.integers(1, 12))).tolist(), EOS_ID]
        for _ in range(n)
    ]


def test_masked_softmax_is_zero_outside_the_mask_and_sums_to_one():
    scores = torch.randn(3, 6)
    mask = torch.tensor([[0, 1, 1, 1, 0, 0], [0, 1, 0, 0, 0, 0], [0, 1, 1, 1, 1, 0]]).bool()
    w = masked_softmax(scores, mask)
    assert torch.all(w[~mask] == 0)
    torch.testing.assert_close(w.sum(-1), torch.ones(3))


@pytest.mark.parametrize("encoder", ENCODERS)
def test_uniform_attention_is_exactly_one_over_real_length(encoder):
    torch.manual_seed(0)
    model = build_model(ModelConfig(vocab_size=50, encoder=encoder, attention="uniform"))
    seqs = sequences()
    _, weights = model(pad(seqs))
    for row, seq in zip(weights, seqs, strict=True):
        real = len(seq) - 2
        assert torch.all(row[1 : 1 + real] == 1.0 / real)
        assert row[0] == 0 and torch.all(row[1 + real :] == 0)
    assert list(model.attention.parameters()) == []


@pytest.mark.parametrize("encoder", ENCODERS)
@pytest.mark.parametrize("attention", ATTENTIONS)
def test_padding_does_not_change_outputs(encoder, attention):
    """A document's output and attention are the same alone and in a padded batch."""
    torch.manual_seed(0)
    model = build_model(
        ModelConfig(vocab_size=50, encoder=encoder, attention=attention, embedding_dim=16)
    ).eval()
    seqs = sequences()
    with torch.no_grad():
        batch_logits, batch_w = model(pad(seqs))
        for i, seq in enumerate(seqs):
            logits, w = model(pad([seq]))
            torch.testing.assert_close(logits[0], batch_logits[i], atol=1e-5, rtol=1e-5)
            torch.testing.assert_close(w[0], batch_w[i, : len(seq)], atol=1e-6, rtol=1e-5)


def test_multiclass_decoder_gives_distributions():
    model = build_model(ModelConfig(vocab_size=50, n_classes=5, embedding_dim=8))
    logits, _ = model(pad(sequences()))
    probs = model.probabilities(logits)
    assert probs.shape == (6, 5)
    torch.testing.assert_close(probs.sum(-1), torch.ones(6))


def test_bucketed_batches_cover_every_index_once_with_similar_lengths():
    lengths = np.random.default_rng(0).integers(1, 100, 1000)
    batches = bucketed_batches(lengths, 32, np.random.default_rng(1))
    assert sorted(np.concatenate(batches).tolist()) == list(range(1000))
    spread = [np.ptp(lengths[b]) for b in batches]
    assert np.median(spread) <= 3


def test_glove_reader_on_real_vectors(tmp_path):
    path = mirror_file("glove.6B.50d.top20k.txt.gz")
    vocab = ["<PAD>", "<UNK>", "<SOS>", "<EOS>", "the", "movie", "zzzznotaword"]
    matrix, found = load_vectors(path, vocab)
    assert matrix.shape == (7, 50) and found == 2
    assert matrix[4, 0] == pytest.approx(0.418)  # first value of 'the' in GloVe 6B 50d
    assert np.all(matrix[6] == 0) and np.all(matrix[0] == 0)


def test_fasttext_header_is_skipped_and_bad_width_is_an_error(tmp_path):
    good = tmp_path / "vec.txt"
    good.write_text("2 3\nfilm 1 2 3\ngood 4 5 6\n")
    matrix, found = load_vectors(good, ["film", "bad"])
    assert found == 1 and matrix.tolist() == [[1, 2, 3], [0, 0, 0]]
    bad = tmp_path / "bad.txt"
    bad.write_text("film 1 2 3\ngood 4 5\n")
    with pytest.raises(ValueError, match="bad.txt:2: expected 3 values"):
        load_vectors(bad, ["film"])


def test_the_catalog_names_exactly_the_model_classes():
    """The workflow checks names against the torch-free catalog; each is a real class."""
    from attnaudit.models import catalog
    from attnaudit.models.attention import ATTENTIONS as ATTENTION_CLASSES
    from attnaudit.models.encoders import BiGRUEncoder
    from attnaudit.models.transformer import TransformerEncoder

    assert catalog.encoder_class("gru") is BiGRUEncoder
    assert catalog.encoder_class("transformer") is TransformerEncoder
    for name in catalog.flat_encoders():
        assert issubclass(catalog.encoder_class(name), torch.nn.Module), name
    assert catalog.hierarchical_encoders() == ["hangru", "hancnn", "hanaverage"]
    assert [catalog.base_encoder(n) for n in ("hancnn", "cnn")] == ["cnn", "cnn"]
    with pytest.raises(ValueError, match="unknown encoder 'hangru'"):
        catalog.encoder_class("hangru")  # built by HierarchicalClassifier from its base
    assert set(catalog.ATTENTIONS) == set(ATTENTION_CLASSES)
