"""Word-vector jobs: fetch a vectors file once; build one dataset's embedding matrix once."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from attnaudit import io
from attnaudit.data import download
from attnaudit.data.remote import RemoteFile
from attnaudit.data.vectors import get_vectors
from attnaudit.models.embeddings import build_matrix

log = logging.getLogger("attnaudit")


def download_vectors(name: str, remote: dict[str, str] | RemoteFile, dest: str, mirror) -> str:
    """Fetch one vectors file (`remote`: a RemoteFile or its fields, as the rule's params)."""
    if isinstance(remote, dict):
        remote = RemoteFile(**remote)
    source = download.fetch(name, remote, dest, mirror, kind="embeddings")
    log.info("embeddings %s: %s <- %s", name, dest, source)
    return source


def embedding_matrix(
    dataset: str,
    name: str,
    options: dict[str, Any],
    tokens: str,
    vocab: str,
    sources: Sequence[str],
    matrix: str,
    info: str,
) -> dict[str, Any]:
    """Write the (vocabulary x dim) matrix (.npy) of vectors `name` for `dataset`, and a
    json record of the vectors, the OOV policy and the words found and missing."""
    words = io.read_json(vocab)
    sentences = None
    if get_vectors(options["type"]).kind == "word2vec":
        table = io.read_table(tokens)
        sentences = [list(t) for t in table.loc[table["split"] == "train", "tokens"]]
    values, record = build_matrix(name, options, words, sources, sentences)
    record = {"dataset": dataset, **record}
    io.write_array(matrix, values)
    io.write_json(info, record)
    log.info(
        "embeddings %s for %s: %d x %d, %d of %d words found (%.1f%%), oov %s",
        name,
        dataset,
        *values.shape,
        record["found"],
        record["found"] + record["missing"],
        100 * record["found_fraction"],
        record["oov"],
    )
    return record
