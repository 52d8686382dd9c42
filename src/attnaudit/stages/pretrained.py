"""The jobs of a pretrained encoder: a dataset in its word pieces, and what a training job
needs of its checkpoint."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from attnaudit import io
from attnaudit.data.checkpoints import verify_mirror_copy
from attnaudit.data.pieces import split_pieces

log = logging.getLogger("attnaudit")


def checkpoint_directory(inputs: Sequence[str]) -> str:
    """The checkpoint directory from a job's checkpoint inputs: the downloaded directory
    itself, or the files of a local or mirror one."""
    first = Path(inputs[0])
    return str(first if first.is_dir() else first.parent)


def pieces(checkpoint: str, inputs: Sequence[str], max_pieces: int, tokens: str, summary: str,
           outputs: dict[str, str]) -> dict[str, Any]:  # fmt: skip
    """tokens.parquet, vocab.json and summary.json of a dataset in the word pieces of
    `checkpoint` (its name in the config), read from its directory."""
    from transformers import AutoTokenizer

    directory = checkpoint_directory(inputs)
    checked = verify_mirror_copy(directory)
    if checked:
        log.info("%s: %s match the mirror's SHA256SUMS", directory, ", ".join(checked))
    tokenizer = AutoTokenizer.from_pretrained(directory)
    table, vocab, record = split_pieces(io.read_table(tokens), tokenizer, max_pieces)
    record = {**io.read_json(summary), **record, "checkpoint": checkpoint}
    io.write_table(outputs["tokens"], table)
    io.write_json(outputs["vocab"], vocab)
    io.write_json(outputs["summary"], record)
    log.info(
        "%d instances in %.2f pieces per word, %d cut at %d pieces", len(table),
        record["pieces_per_word"], record["cut_instances"], max_pieces,
    )  # fmt: skip
    return record
