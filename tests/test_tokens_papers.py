"""The papers' datasets tokenise exactly as before the script-aware tokenizer (2026-12-07).

The checksums were recorded with the regular-expression tokenizer `[^\\W_]+` that preceded
combining marks, joiners, Han characters and emoji: the sha256 of the vocabulary the
workflow builds (one word a line, in vocabulary order) and of the token stream (one
document a line, tokens joined by spaces).
"""

import hashlib

import pytest

from attnaudit.data import imdb
from attnaudit.data import tokens as tok
from attnaudit.data.prepare import load_documents, tokenize_documents
from attnaudit.data.registry import get_spec
from tests.conftest import mirror_file

pytestmark = pytest.mark.mirror


def sha256_lines(lines) -> str:
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def stream_and_vocab(name, docs, streamed):
    """(token-stream sha256 and token count over `streamed`, workflow vocabulary sha256)."""
    seqs = [tok.tokenize(text) for text in streamed]
    _, vocab = tokenize_documents(name, docs, min_count=get_spec(name).min_count)
    return sha256_lines(" ".join(s) for s in seqs), sum(map(len, seqs)), sha256_lines(vocab)


def test_sst_tokens_unchanged():
    docs = load_documents("sst", {}, [mirror_file("trainDevTestTrees_PTB.zip")])
    stream, n_tokens, vocab = stream_and_vocab("sst", docs, docs["text"])
    assert (len(docs), n_tokens) == (9613, 168_350)
    assert stream == "6116d106091b4c8b21a27576c7bec28d78bfd4df7055a811abd0bfdde2fc9572"
    assert vocab == "3fc01c793b5e33d83cc67d03939f6eaca91bc5c94add47cf4c9cdedd7637b03f"


def test_imdb_tokens_unchanged():
    """Every labelled review is streamed; the vocabulary is the default entry's (under 400)."""
    reviews = imdb.read_reviews(mirror_file("aclImdb_v1.reconstructed.tar.gz"))
    docs = imdb.build(reviews, {})
    stream, n_tokens, vocab = stream_and_vocab("imdb", docs, reviews["text"])
    assert (len(reviews), len(docs), n_tokens) == (50_000, 43_241, 11_774_974)
    assert stream == "fe7d12ea669197f64dc57a1e37ac9646d993bf0b37c655afb9b5f55c141d95dc"
    assert vocab == "616618dadfd163102c5a0e0aa0d09bb04e454134df29673453dddd299c627117"
