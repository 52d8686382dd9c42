"""Small untrained-but-seeded models and split rows for engine and analysis tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch

from attnaudit.data.tokens import EOS_ID, SOS_ID
from attnaudit.models import AttentionClassifier, ModelConfig, build_model


def small_model(encoder: str, seed: int = 0, attention: str = "additive", n_classes: int = 2):
    torch.manual_seed(seed)
    config = ModelConfig(
        vocab_size=60, n_classes=n_classes, encoder=encoder, attention=attention,
        embedding_dim=12,
    )  # fmt: skip
    model = build_model(config).eval()
    with torch.no_grad():  # sharper attention than the near-uniform initialisation
        for p in model.attention.parameters():
            p.mul_(8.0)
    return model


def small_rows(n: int = 40, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    lengths = [1, 2, *rng.integers(1, 15, n - 2).tolist()]
    return pd.DataFrame(
        {
            "id": [f"test-{i:03d}" for i in range(n)],
            "label": rng.integers(0, 2, n),
            "token_ids": [[SOS_ID, *rng.integers(5, 60, k).tolist(), EOS_ID] for k in lengths],
        }
    )


def hand_model(tokens: dict[int, tuple[float, float | Sequence[float]]], bias=0.0,
               n_classes: int = 2, dtype=torch.float64) -> AttentionClassifier:  # fmt: skip
    """A float64 (or `dtype`) no-encoder model whose answers can be computed by hand: token
    id k with `tokens[k] = (s_k, c_k)` gets attention score s_k and logit contribution c_k
    (k-class: one per class), so for a sequence the attention is softmax(s) over its real
    tokens and the logits are sum_t alpha_t c_t + bias (binary: one logit, p = sigmoid).
    Ids not in `tokens` score 0 and contribute 0.

    Built from the real modules: embedding e_k = atanh(h_k), the encoder's projection the
    identity so h_k = tanh(e_k) = [s_k, c_k] / S, dot attention w = [S sqrt(H), 0, ...] and
    a decoder [0, S I]. Attention depends on the input (through e_k's first entry)."""
    values = 1 if n_classes == 2 else n_classes
    size = 1 + values
    table = {k: np.array([s, *np.atleast_1d(np.asarray(c, dtype=np.float64))])
             for k, (s, c) in tokens.items()}  # fmt: skip
    assert all(len(v) == size for v in table.values())
    scale = 2.0 * max(1.0, *(np.abs(v).max() for v in table.values()))
    config = ModelConfig(vocab_size=60, n_classes=n_classes, encoder="average",
                         attention="dot", embedding_dim=size,
                         encoder_options={"hidden_size": size})  # fmt: skip
    model = build_model(config).double().eval()
    with torch.no_grad():
        model.embedding.weight.zero_()
        for k, v in table.items():
            model.embedding.weight[k] = torch.from_numpy(np.arctanh(v / scale))
        model.encoder.proj.weight.copy_(torch.eye(size))
        model.encoder.proj.bias.zero_()
        model.attention.w.weight.zero_()
        model.attention.w.weight[0, 0] = scale * np.sqrt(size)
        model.decoder.weight.zero_()
        model.decoder.weight[:, 1:] = scale * torch.eye(values)
        model.decoder.bias.copy_(torch.as_tensor(np.atleast_1d(bias), dtype=torch.float64))
    return model.to(dtype)


def rows_of(*sequences: Sequence[int], labels: Sequence[int] | None = None) -> pd.DataFrame:
    """Split rows for hand-written token sequences (wrapped in <SOS> ... <EOS>)."""
    return pd.DataFrame(
        {
            "id": [f"hand-{i}" for i in range(len(sequences))],
            "label": list(labels) if labels is not None else [0] * len(sequences),
            "token_ids": [[SOS_ID, *s, EOS_ID] for s in sequences],
        }
    )


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + np.exp(-z))


def hand_output(tokens: dict, sequence: Sequence[int], bias=0.0, attention=None) -> np.ndarray:
    """The output distribution of `hand_model(tokens, bias)` on `sequence` (real tokens only),
    in numpy from the numbers: softmax of the scores (or `attention` given), then the
    weighted contributions."""
    scores = np.array([tokens.get(k, (0.0, 0.0))[0] for k in sequence], dtype=np.float64)
    if attention is None:
        attention = np.exp(scores - scores.max()) / np.exp(scores - scores.max()).sum()
    contributions = np.array(
        [np.atleast_1d(tokens.get(k, (0.0, 0.0))[1]) for k in sequence], dtype=np.float64
    )
    logits = np.asarray(attention) @ contributions + np.atleast_1d(bias)
    if logits.size == 1:
        p = sigmoid(float(logits[0]))
        return np.array([1.0 - p, p])
    e = np.exp(logits - logits.max())
    return e / e.sum()


@torch.no_grad()
def loo_by_rerun(model: AttentionClassifier, sequence: Sequence[int]) -> np.ndarray:
    """Leave-one-out the slow way, the reference for the fast one: the TVD between the
    outputs on `sequence` (<SOS> ... <EOS>) and on it without each real token in turn, one
    whole-model run per deletion; NaN for a single real token."""
    from attnaudit.data.batching import pad

    seq = list(sequence)
    n = len(seq) - 2
    if n == 1:
        return np.array([np.nan])
    base = model.probabilities(model(pad([seq]))[0])[0]
    out = []
    for t in range(1, n + 1):
        p = model.probabilities(model(pad([seq[:t] + seq[t + 1 :]]))[0])[0]
        out.append(0.5 * float((p - base).abs().sum()))
    return np.array(out)
