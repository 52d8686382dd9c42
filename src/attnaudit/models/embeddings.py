"""Word vectors for the embedding layer: a registry of pre-trained vectors, word2vec trained on
a dataset's train split, and the matrix for a dataset's vocabulary with its OOV policy.

Config: a top-level `embeddings:` section maps a name to options, and `training.embeddings`
picks one entry by name (null: random initialisation, per training seed). Options:
- `type`: a key of `VECTORS`: `glove_6b_{50,100,200,300}d` and `fasttext_wiki_simple`
  (downloaded from the official address, mirror first, like dataset files), `file` (a local
  GloVe/fastText text file, option `path`), or `word2vec` (trained on the dataset's train
  split with gensim: `dim`, `window`, `epochs`, `sg`, `min_count`, `seed`).
- `files`: per-file mirror overrides, exactly as for datasets:
  `{<filename>: {mirror_name: ..., mirror_sha256: ...}}`.
- `oov`: what a vocabulary word without a vector gets: "zero" (default; Jain & Wallace's
  paper: unknown words zero) or "random" (N(0, 1) per dimension, seeded by `seed`, as their
  code's vectorizer does). `<PAD>` is always zero. The policy, the number of words found and
  the most frequent missing words are recorded beside the matrix.

Text files are GloVe or fastText format (`word v1 ... vD`, a fastText "count dim" header
line is skipped), plain or gzipped (detected from the bytes, not the name). The vectors are
fine-tuned with the model.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from attnaudit.data.errors import DatasetError
from attnaudit.data.remote import UNKNOWN, RemoteFile, override_files
from attnaudit.data.tokens import PAD
from attnaudit.errors import ConfigError

OOV_POLICIES = ("zero", "random")
COMMON_OPTIONS = ("type", "oov", "seed")
WORD2VEC_DEFAULTS = {"dim": 300, "window": 5, "epochs": 5, "sg": 0, "min_count": 1, "seed": 0}
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


# ---------------------------------------------------------------- word2vec


def stable_hash(text: str) -> int:
    """A hash that does not change between Python processes (gensim seeds each word's
    initial vector with it; the built-in hash() is randomised per process)."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:4], "little")


def train_word2vec(
    sentences: Sequence[list[str]], vocab: list[str], **options: Any
) -> tuple[np.ndarray, np.ndarray]:
    """word2vec vectors for `vocab` trained on `sentences`; the same inputs and options give
    the same matrix (one worker, seeded, stable hash). Returns (matrix, mask of words found)."""
    from gensim.models import Word2Vec

    cfg = {**WORD2VEC_DEFAULTS, **options}
    model = Word2Vec(
        vector_size=int(cfg["dim"]),
        window=int(cfg["window"]),
        min_count=int(cfg["min_count"]),
        sg=int(cfg["sg"]),
        seed=int(cfg["seed"]),
        workers=1,
        hashfxn=stable_hash,
    )
    corpus = [list(s) for s in sentences]
    model.build_vocab(corpus)
    model.train(corpus, total_examples=model.corpus_count, epochs=int(cfg["epochs"]))
    matrix = np.zeros((len(vocab), int(cfg["dim"])), dtype=np.float32)
    present = np.zeros(len(vocab), dtype=bool)
    for row, word in enumerate(vocab):
        if word in model.wv.key_to_index:
            matrix[row] = model.wv[word]
            present[row] = True
    return matrix, present


# ---------------------------------------------------------------- the cached matrix


def apply_oov(matrix: np.ndarray, missing: np.ndarray, policy: str, seed: int) -> np.ndarray:
    """Fill the rows of words without a vector by the OOV policy; <PAD> (row 0) stays zero."""
    if policy not in OOV_POLICIES:
        raise ValueError(f"unknown oov policy {policy!r}; known: {list(OOV_POLICIES)}")
    matrix = matrix.copy()
    rows = np.flatnonzero(missing)
    if policy == "random" and rows.size:
        rng = np.random.default_rng(seed)
        matrix[rows] = rng.standard_normal((rows.size, matrix.shape[1])).astype(np.float32)
    matrix[0] = 0.0
    return matrix


def build_matrix(
    name: str,
    options: dict[str, Any],
    vocab: list[str],
    sources: Sequence[str | Path] = (),
    train_sentences: Iterable[list[str]] | None = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """The (len(vocab), dim) float32 embedding matrix of one vectors entry for one dataset,
    and a record of what it holds (type, source, OOV policy, words found and missing)."""
    spec = get_vectors(options["type"])
    policy = options.get("oov", "zero")
    seed = int(options.get("seed", 0))
    if spec.kind == "word2vec":
        if train_sentences is None:
            raise ValueError("word2vec needs the train split's sentences")
        w2v = {k: v for k, v in options.items() if k in WORD2VEC_DEFAULTS}
        matrix, present = train_word2vec(list(train_sentences), vocab, **w2v)
        source = {"trained_on": "train split", **WORD2VEC_DEFAULTS, **w2v}
    else:
        if len(sources) != 1:
            raise ValueError(f"embeddings {name!r}: expected one vectors file, got {sources}")
        matrix, present = read_vectors(sources[0], vocab)
        if spec.kind == "file":
            source = {"path": str(options["path"])}
        else:
            (remote,) = resolve_vector_files(spec, options)
            source = {"url": remote.url, "member": remote.member or None, "file": remote.filename}
    present[0] = False  # <PAD> never counts
    specials = 4  # <PAD>, <UNK>, <SOS>, <EOS>
    words = np.arange(len(vocab)) >= specials
    missing = ~present
    matrix = apply_oov(matrix, missing, policy, seed)
    missing_words = [vocab[i] for i in np.flatnonzero(missing & words)]
    info = {
        "name": name,
        "type": spec.name,
        "source": source,
        "dim": int(matrix.shape[1]),
        "vocab_size": len(vocab),
        "found": int((present & words).sum()),
        "missing": len(missing_words),
        "found_fraction": float((present & words).sum() / max(int(words.sum()), 1)),
        "oov": policy,
        "oov_rule": (
            "vocabulary words without a vector are zero"
            if policy == "zero"
            else f"vocabulary words without a vector are N(0, 1), seed {seed}"
        )
        + f"; {PAD} is zero; <UNK>, <SOS>, <EOS> follow the OOV policy unless found",
        "missing_examples": missing_words[:50],  # the most frequent (vocab is by frequency)
    }
    return matrix, info
