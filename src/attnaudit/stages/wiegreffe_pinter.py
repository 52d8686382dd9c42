"""Wiegreffe & Pinter (2019) training jobs: the guided MLPs of one dataset and seed, and an
adversarial model (their seed variance is `attnaudit.stages.seed_variance`).

Each training run writes the files of an ordinary run (checkpoint, epochs.csv, metrics.json,
predictions.parquet) through `stages.training.train`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import torch

from attnaudit import io
from attnaudit.analyses import wiegreffe_pinter
from attnaudit.stages.analyses import load_model
from attnaudit.stages.training import run_arguments, train

log = logging.getLogger("attnaudit")


def _run(
    training: dict[str, Any],
    threads: int,
    device: str,
    embeddings: Sequence[str] | None,
    **outputs: str,
) -> dict[str, Any]:
    """The keyword arguments of `train` shared by the guided, transfer and adversarial runs."""
    return {**run_arguments(training, threads, device, embeddings), "outputs": outputs}


def train_guided(
    dataset: str,
    seeds: Sequence[int],
    guides: Mapping[str, str],
    encoder: str,
    training: dict[str, Any],
    tokens: str,
    vocab: str,
    summary: str,
    embeddings: Sequence[str] | None = None,
    batch_size: int = 256,
    threads: int = 1,
    device: str = "cpu",
    **files: str,
) -> dict[tuple[int, str], dict[str, Any]]:
    """The token-level MLP (`encoder`, no attention parameters) trained from scratch with its
    attention frozen to each guide's weights on train, dev and test, one run per seed and
    variant.

    `guides`: variant -> the guide model's name; `files`: `<variant>_<kind>_<seed>` -> path,
    named by variant and seed (never matched by order): `guide_model` the guide's checkpoint
    (an input, `plan.guide_key`), and the outputs, the kinds of a run (checkpoint, history,
    metrics, predictions) and `guide` (the guide's attention on every split). The guided
    MLPs of a dataset share one job: each trains in a second or two, less than a job's start.
    A pretrained guide reads its word pieces (`<variant>_guide_pieces`), and its attention
    over them is mapped to the MLP's words by summing each word's pieces.
    """
    torch.set_num_threads(threads)
    table = io.read_table(tokens)
    pieces = {v: io.read_table(files[f"{v}_guide_pieces"])
              for v in guides if f"{v}_guide_pieces" in files}  # fmt: skip
    results = {}
    for seed in seeds:
        for variant, guide_model in guides.items():
            model = load_model(files[f"{variant}_guide_model_{seed}"])[0]
            guide = guide_over_words(model, table, pieces.get(variant), batch_size)
            io.write_table(files[f"{variant}_guide_{seed}"], guide)
            run = {k: files[f"{variant}_{k}_{seed}"]
                   for k in ("checkpoint", "history", "metrics", "predictions")}  # fmt: skip
            results[seed, variant] = train(
                dataset, encoder, "uniform", seed, tokens=tokens, vocab=vocab,
                summary=summary, model=f"guided-{variant}",
                fit_options={"fixed_attention": wiegreffe_pinter.fixed_guide(guide)},
                extra_metrics={"variant": variant, "guide": guide_model, "attention": "fixed"},
                **_run(training, threads, device, embeddings, **run),
            )  # fmt: skip
    return results


def guide_over_words(model, words, pieces=None, batch_size: int = 256):
    """A guide model's attention on every split, over the words of `words` (a tokens
    table): a pretrained guide reads its word `pieces` and its attention over them is
    summed per word."""
    if pieces is None:
        return wiegreffe_pinter.guide_attention(model, words, batch_size)
    guide = wiegreffe_pinter.guide_attention(model, pieces, batch_size)
    return wiegreffe_pinter.words_attention(guide, pieces, words)


def train_transfer(
    dataset: str,
    donor: str,
    student: str,
    seed: int,
    training: dict[str, Any],
    tokens: str,
    vocab: str,
    summary: str,
    donor_model: str,
    checkpoint: str,
    history: str,
    metrics: str,
    predictions: str,
    guide: str,
    donor_pieces: str | None = None,
    embeddings: Sequence[str] | None = None,
    batch_size: int = 256,
    threads: int = 1,
    device: str = "cpu",
) -> dict[str, Any]:
    """The open questions' transfer matrix, one cell and seed: the `student` encoder
    (no attention parameters) trained from scratch with its attention frozen to the donor
    run's weights (`donor_model`, its checkpoint; `donor_pieces`, a pretrained donor's word
    pieces) on train, dev and test, as the guided MLP is to its guide."""
    torch.set_num_threads(threads)
    weights = guide_over_words(
        load_model(donor_model)[0], io.read_table(tokens),
        io.read_table(donor_pieces) if donor_pieces else None, batch_size,
    )  # fmt: skip
    io.write_table(guide, weights)
    fixed = wiegreffe_pinter.fixed_guide(weights)
    return train(
        dataset, student, "uniform", seed, tokens=tokens, vocab=vocab, summary=summary,
        model=f"transfer-{donor}", fit_options={"fixed_attention": fixed},
        extra_metrics={"donor": donor, "student": student, "attention": "fixed"},
        **_run(training, threads, device, embeddings, checkpoint=checkpoint, history=history,
               metrics=metrics, predictions=predictions),
    )  # fmt: skip


def train_adversary(
    dataset: str,
    lam: float,
    seed: int,
    training: dict[str, Any],
    tokens: str,
    vocab: str,
    summary: str,
    base: str,
    base_predictions: str,
    checkpoint: str,
    history: str,
    metrics: str,
    predictions: str,
    comparison: str,
    embeddings: Sequence[str] | None = None,
    pretrained: Sequence[str] = (),
    threads: int = 1,
    device: str = "cpu",
) -> dict[str, Any]:
    """Train the adversary of the base model `base` (a checkpoint) with one lambda; then per
    test instance its TVD and JSD to the base (`comparison`), their means in metrics.json.
    `pretrained`: a pretrained base's checkpoint files: the adversary is fine-tuned from
    the same checkpoint as the base was."""
    model, state = load_model(base)
    config = state["config"]
    against = wiegreffe_pinter.adversary_against(model, lam, seed)
    base_model = f"{config['encoder']}-{config['attention']}"
    extra = {"lambda": float(lam), "base_model": base_model, "selection": "lowest dev loss",
             "init_seed": against.init_seed}  # fmt: skip
    result = train(
        dataset, config["encoder"], config["attention"], seed, tokens=tokens, vocab=vocab,
        summary=summary, model=f"adversary-{base_model}", fit_options={"against": against},
        extra_metrics=extra, checkpoint=list(pretrained) or None,
        **_run(training, threads, device, embeddings, checkpoint=checkpoint,
               history=history, metrics=metrics, predictions=predictions),
    )  # fmt: skip
    table = wiegreffe_pinter.compare_to_base(
        io.read_table(predictions), io.read_table(base_predictions)
    )
    ident = {"dataset": dataset, "base_model": base_model, "lambda": float(lam), "seed": seed}
    for key, value in reversed(ident.items()):
        table.insert(0, key, value)
    io.write_table(comparison, table)
    result.update(mean_tvd=float(table["tvd_to_base"].mean()),
                  mean_jsd=float(table["jsd_to_base"].mean()))  # fmt: skip
    io.write_json(metrics, result)
    log.info("adversary lambda %g: mean TVD %.4f, mean JSD %.4f, test F1 %.4f", lam,
             result["mean_tvd"], result["mean_jsd"], result["test_f1"])  # fmt: skip
    return result
