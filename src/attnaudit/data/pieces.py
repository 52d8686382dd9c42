"""Word pieces for a pretrained transformer: the dataset's words split by the checkpoint's
own tokenizer, in the project's id space.

Every analysis reads token ids in which 0..4 are <PAD>, <UNK>, <SOS>, <EOS>, <SEP>
(`data.tokens`) and treats everything else as an item. A checkpoint's vocabulary puts its
specials elsewhere (BERT: [PAD] 0, [UNK] 100, [CLS] 101, [SEP] 102; RoBERTa: <s> 0, <pad> 1),
so its ids are reordered once, `piece_order`: project id p holds checkpoint id order[p],
with [PAD], [UNK], [CLS], [SEP] at 0..3, the project's <SEP> (sentences; never produced
here) at 4 with no checkpoint id (-1), then every other checkpoint id in increasing order.
The model permutes its word-embedding rows the same way (`models.pretrained`), so [CLS]
and [SEP] are excluded from every ranking exactly as <SOS> and <EOS> are.

The input is the preprocessed words (`tokens` of tokens.parquet: Jain & Wallace's
tokenisation, digits as `qqq`), split into pieces with `is_split_into_words`; `words` maps
each piece to its word (-1 at the specials) so that pages can join a word's pieces and
word-level models (the guided MLP) can sum a word's attention. Sequences longer than
`max_pieces` (specials included) are cut, and the summary counts them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from attnaudit.data.tokens import SPECIALS

NO_PIECE = -1  # the project's <SEP> slot: no checkpoint id maps there


def specials_of(tokenizer) -> list[int]:
    """The checkpoint ids of [PAD], [UNK], [CLS] and [SEP] (BERT's names; RoBERTa's <pad>,
    <unk>, <s>, </s>), or ValueError naming what the tokenizer lacks."""
    ids = {
        "pad": tokenizer.pad_token_id,
        "unk": tokenizer.unk_token_id,
        "cls": tokenizer.cls_token_id,
        "sep": tokenizer.sep_token_id,
    }
    missing = [name for name, value in ids.items() if value is None]
    if missing:
        raise ValueError(
            f"the checkpoint's tokenizer has no {', '.join(missing)} token: a classifier reads "
            "the [CLS] position and the analyses need [PAD], [UNK], [CLS] and [SEP]"
        )
    if len(set(ids.values())) < 4:
        raise ValueError(f"the checkpoint's tokenizer gives two specials one id: {ids}")
    return [int(ids[k]) for k in ("pad", "unk", "cls", "sep")]


def piece_order(vocab_size: int, specials: list[int]) -> np.ndarray:
    """order[p]: the checkpoint id at project id p (length vocab_size + 1; -1 at 4)."""
    rest = np.setdiff1d(np.arange(vocab_size), specials)
    return np.concatenate([np.asarray(specials), [NO_PIECE], rest]).astype(np.int64)


def project_ids(order: np.ndarray) -> np.ndarray:
    """The inverse of `order`: the project id of each checkpoint id."""
    inverse = np.empty(int(order.max()) + 1, dtype=np.int64)
    kept = order >= 0
    inverse[order[kept]] = np.flatnonzero(kept)
    return inverse


def split_pieces(
    table: pd.DataFrame, tokenizer, max_pieces: int
) -> tuple[pd.DataFrame, list[str], dict[str, Any]]:
    """The table with `tokens` (piece strings), `token_ids` (project ids) and `words` (each
    piece's word, -1 at the specials) from its words; the vocabulary in project-id order;
    what the summary records (pieces per word, cut sequences)."""
    specials = specials_of(tokenizer)
    order = piece_order(len(tokenizer), specials)
    to_project = project_ids(order)
    words = [list(w) for w in table["tokens"]]
    encoded = tokenizer(words, is_split_into_words=True, add_special_tokens=True)
    rows, piece_words, cut = [], [], 0
    for i, row in enumerate(encoded["input_ids"]):
        word_ids = encoded.word_ids(i)
        if len(row) > max_pieces:  # as the tokenizer truncates: the last special stays
            row, word_ids = row[: max_pieces - 1] + row[-1:], word_ids[: max_pieces - 1] + [None]
            cut += 1
        rows.append(row)
        piece_words.append([NO_PIECE if w is None else int(w) for w in word_ids])
    out = table.drop(columns=["token_ids"]).copy()
    out["token_ids"] = [to_project[np.asarray(row, dtype=np.int64)].tolist() for row in rows]
    out["tokens"] = [tokenizer.convert_ids_to_tokens(row) for row in rows]
    out["words"] = piece_words
    names = tokenizer.convert_ids_to_tokens([int(i) for i in order[order >= 0]])
    vocab = [*SPECIALS[:4], SPECIALS[4], *names[4:]]
    n_words = sum(len(w) for w in words)
    n_pieces = sum(len(row) - 2 for row in encoded["input_ids"])
    summary = {
        "pieces_per_word": n_pieces / max(1, n_words),
        "max_pieces": int(max_pieces),
        "cut_instances": int(cut),
        "checkpoint_vocabulary": len(tokenizer),
        "checkpoint_specials": dict(zip(("pad", "unk", "cls", "sep"), specials, strict=True)),
    }
    return out, vocab, summary


def sum_per_word(values, piece_words: list[int], n_words: int) -> np.ndarray:
    """Values over an instance's items (its pieces, specials left out) summed per word:
    `piece_words` is its `words` column (each piece's word, -1 at the specials), `n_words`
    its number of words (a word whose pieces were cut gets 0)."""
    index = np.asarray([w for w in piece_words if w != NO_PIECE], dtype=np.int64)
    return np.bincount(index, weights=np.asarray(values, dtype=float), minlength=n_words)


def join_pieces(pieces: list[str], words: list[int]) -> list[tuple[int, str]]:
    """A display of pieces as words: (word index, text) per word, its pieces joined with
    their markers dropped (WordPiece's leading `##`, SentencePiece's `\u2581`, byte-level
    BPE's `\u0120`); specials (word -1) are left out."""
    joined: dict[int, str] = {}
    for piece, word in zip(pieces, words, strict=True):
        if word != NO_PIECE:
            part = piece[2:] if piece.startswith("##") else piece.lstrip("\u2581\u0120")
            joined[word] = joined.get(word, "") + part
    return sorted(joined.items())
