"""Word vectors to download or read: the registry of pre-trained vectors, their files, the
`embeddings:` config section, and reading GloVe/fastText text files
(`attnaudit.models.embeddings` builds a dataset's embedding matrix from them).

Config: a top-level `embeddings:` section maps a name to options, and `training.embeddings`
picks one entry by name (null: random initialisation, per training seed). Options:
- `type`: a key of `VECTORS`: `glove_6b_{50,100,200,300}d` and `fasttext_wiki_simple`
  (downloaded from the official address, mirror first, like dataset files), `file` (a local
  GloVe/fastText text file, option `path`), or `word2vec` (trained on the dataset's train
  split with gensim: `dim`, `window`, `epochs`, `sg`, `min_count`, `seed`).
- `files`: per-file mirror overrides, exactly as for datasets:
  `{<filename>: {mirror_name: ..., mirror_sha256: ...}}`.
- `oov`, `seed`: the OOV policy of the matrix (`attnaudit.models.embeddings`).

Text files are GloVe or fastText format (`word v1 ... vD`, a fastText "count dim" header
line is skipped), plain or gzipped (detected from the bytes, not the name).
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from attnaudit.data.errors import DatasetError
from attnaudit.data.remote import UNKNOWN, RemoteFile, override_files
from attnaudit.errors import ConfigError

COMMON_OPTIONS = ("type", "oov", "seed")
GLOVE_6B_URL = "http://nlp.stanford.edu/data/glove.6B.zip"


@dataclass(frozen=True)
class VectorSpec:
    """One kind of word vectors: "download" (files by official address), "file" (a local
    text file, option `path`) or "word2vec" (trained on the train split)."""

    name: str
    kind: str
    description: str
    files: tuple[RemoteFile, ...] = ()
    dim: int | None = None
    options: tuple[str, ...] = ()  # options beyond COMMON_OPTIONS


def _glove_6b(dim: int) -> VectorSpec:
    member = f"glove.6B.{dim}d.txt"
    return VectorSpec(
        name=f"glove_6b_{dim}d",
        kind="download",
        files=(RemoteFile(GLOVE_6B_URL, UNKNOWN, member, member=member, archive_sha256=UNKNOWN),),
        dim=dim,
        options=("files",),
        description=f"GloVe 6B (Wikipedia 2014 + Gigaword 5, 400k lower-cased words), {dim}-d: "
        f"member {member} of {GLOVE_6B_URL} (822 MB). SHA-256 of the zip and of the member "
        "UNKNOWN (none published): the download is not verified and its SHA-256 is logged; "
        "a mirror copy is checked against the `files` override's mirror_sha256.",
    )


VECTORS: dict[str, VectorSpec] = {
    **{f"glove_6b_{d}d": _glove_6b(d) for d in (50, 100, 200, 300)},
    "fasttext_wiki_simple": VectorSpec(
        name="fasttext_wiki_simple",
        kind="download",
        files=(
            RemoteFile(
                "https://dl.fbaipublicfiles.com/fasttext/vectors-wiki/wiki.simple.vec",
                UNKNOWN,
                "wiki.simple.vec",
            ),
        ),
        dim=300,
        options=("files",),
        description="fastText wiki.simple (Simple English Wikipedia, 111k words), 300-d: the "
        "vectors Jain & Wallace used. SHA-256 UNKNOWN (none published): the download is not "
        "verified and its SHA-256 is logged.",
    ),
    "file": VectorSpec(
        name="file",
        kind="file",
        options=("path",),
        description="Your own GloVe/fastText text file (option `path`, .txt or gzipped).",
    ),
    "word2vec": VectorSpec(
        name="word2vec",
        kind="word2vec",
        options=("dim", "window", "epochs", "sg", "min_count"),
        description="word2vec (gensim) trained on the dataset's train split, deterministic "
        "(one worker, a seed and a stable hash); Serrano & Smith used 200-d.",
    ),
}


def get_vectors(vector_type: str) -> VectorSpec:
    try:
        return VECTORS[vector_type]
    except KeyError:
        raise DatasetError(
            f"unknown embeddings type {vector_type!r}; known types: {sorted(VECTORS)}"
        ) from None


def resolve_vector_files(spec: VectorSpec, options: dict[str, Any]) -> list[RemoteFile]:
    """The files to download for these options, with the `files` option's mirror overrides."""
    return override_files(
        f"embeddings type {spec.name!r}", spec.files, spec.files, options.get("files")
    )


def check_config(config: dict[str, Any]) -> None:
    """The `embeddings:` section and `training.embeddings`, one clear error per problem."""
    section = config.get("embeddings") or {}
    for name, options in section.items():
        where = f"embeddings.{name}"
        try:
            spec = get_vectors(options.get("type", ""))
        except DatasetError as exc:
            raise ConfigError(f"config key '{where}.type': {exc}") from None
        allowed = (*COMMON_OPTIONS, *spec.options)
        extra = sorted(set(options) - set(allowed))
        if extra:
            raise ConfigError(
                f"config key '{where}.{extra[0]}' does not apply to embeddings type "
                f"{spec.name!r}; its options: {sorted(allowed)}"
            )
        if spec.kind == "file" and not options.get("path"):
            raise ConfigError(f"config key '{where}.path' is required by type 'file'")
        try:
            resolve_vector_files(spec, options)
        except DatasetError as exc:
            raise ConfigError(f"config key '{where}.files': {exc}") from None
    selected = (config.get("training") or {}).get("embeddings")
    if selected is not None and selected not in section:
        hint = ""
        if "/" in selected or "." in selected:
            hint = (
                " (a file path is no longer accepted here: add "
                f"`embeddings: {{mine: {{type: file, path: {selected}}}}}` and set "
                "training.embeddings: mine)"
            )
        raise ConfigError(
            f"config key 'training.embeddings': {selected!r} is not a name in the top-level "
            f"`embeddings:` section (names: {sorted(section)}); null trains from random "
            f"initialisation{hint}"
        )
    if "embeddings" in (config.get("datasets") or {}):
        raise ConfigError(
            "config key 'datasets.embeddings': the name 'embeddings' is reserved "
            "(resources/embeddings/ holds the word vectors); rename the dataset"
        )


# ---------------------------------------------------------------- reading vector files


def _open_text(path: Path):
    with open(path, "rb") as fh:
        gzipped = fh.read(2) == b"\x1f\x8b"
    if gzipped:  # by content: a mirror copy may be gzipped under the official name
        return gzip.open(path, "rt", encoding="utf-8", errors="replace")
    return open(path, encoding="utf-8", errors="replace")


def read_vectors(path: str | Path, vocab: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """A (len(vocab), dim) float32 matrix for `vocab` (zeros where the file has no vector)
    and a boolean mask of the vocabulary words the file has.

    A fastText header line ("count dim") is skipped; lines of the wrong width are an error.
    """
    path = Path(path)
    index = {w: i for i, w in enumerate(vocab)}
    matrix: np.ndarray | None = None
    present = np.zeros(len(vocab), dtype=bool)
    with _open_text(path) as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.rstrip()
            if not line:
                continue
            word, _, values = line.partition(" ")
            width = values.count(" ") + 1
            if lineno == 1 and width == 1 and word.isdigit() and values.isdigit():
                continue  # fastText header
            if matrix is None:
                matrix = np.zeros((len(vocab), width), dtype=np.float32)
            if width != matrix.shape[1]:
                raise ValueError(f"{path}:{lineno}: expected {matrix.shape[1]} values, got {width}")
            row = index.get(word)
            if row is not None:
                matrix[row] = np.asarray(values.split(" "), dtype=np.float32)
                present[row] = True
    if matrix is None:
        raise ValueError(f"{path}: no vectors found")
    return matrix, present


def load_vectors(path: str | Path, vocab: list[str]) -> tuple[np.ndarray, int]:
    """Return a (len(vocab), dim) float32 matrix for `vocab` and how many words were found.

    Words missing from the file get a zero vector, as in Jain & Wallace.
    """
    matrix, present = read_vectors(path, vocab)
    return matrix, int(present.sum())
