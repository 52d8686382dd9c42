import pandas as pd

from attnaudit import io
from attnaudit.data import tokens as tok
from attnaudit.data.prepare import DatasetError, tokenize_documents
from attnaudit.stages.data import preprocess


def test_tokenize_lowercases_splits_punctuation_and_masks_digits():
    assert tok.tokenize("The 21st Century 's -LRB- co-writer\\/director -RRB- ,") == [
        "the", "qqq", "century", "s", "co", "writer", "director",
    ]  # fmt: skip
    assert tok.tokenize("Schütte's café") == ["schütte", "s", "café"]


def test_vocab_is_train_only_with_min_count_and_wrapped_sequences():
    docs = pd.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "text": ["good good film", "bad film", "unseen words", "dev dev good"],
            "label": [1, 0, 1, 0],
            "split": ["train", "train", "test", "dev"],
        }
    )
    table, vocab = tokenize_documents("toy", docs, min_count=2)
    assert vocab[:5] == list(tok.SPECIALS)
    assert vocab[5:] == ["film", "good"]  # 'bad' seen once; dev and test words never counted
    ids = table.set_index("id")["token_ids"]
    assert ids["c"] == [tok.SOS_ID, tok.UNK_ID, tok.UNK_ID, tok.EOS_ID]
    good = vocab.index("good")
    assert ids["d"] == [tok.SOS_ID, tok.UNK_ID, tok.UNK_ID, good, tok.EOS_ID]


def test_empty_document_is_a_clear_error():
    docs = pd.DataFrame(
        {"id": ["x", "y"], "text": ["fine", " ... "], "label": [0, 1], "split": ["train"] * 2}
    )
    try:
        tokenize_documents("toy", docs, min_count=1)
    except DatasetError as exc:
        assert "toy" in str(exc) and "ids: y" in str(exc)
    else:
        raise AssertionError("an empty document must be an error")


# Expected tokens written by hand; the escapes spell out the marks each word must keep.
HINDI = "\u0939\u093f\u0928\u094d\u0926\u0940"  # ह ि न ् द ी: vowel sign, virama, vowel sign


def test_words_keep_their_combining_marks_in_every_script():
    assert tok.tokenize("हिन्दी भाषा") == [HINDI, "\u092d\u093e\u0937\u093e"]
    assert tok.tokenize("สวัสดี ครับ") == ["สวัสดี", "ครับ"]  # ั ี Thai vowels (Mn) kept
    assert tok.tokenize("ภาษาไทย") == ["ภาษาไทย"]  # no spaces: one token (no segmenter)
    # Arabic with fatha, damma, shadda, sukun: the vowelled words stay whole, marks kept
    assert tok.tokenize("كَتَبَ الوَلَدُ الدَّرْسَ.") == ["كَتَبَ", "الوَلَدُ", "الدَّرْسَ"]
    assert tok.tokenize("cafe\u0301 noir") == ["cafe\u0301", "noir"]  # a decomposed é
    assert tok.tokenize("\u0301abc") == ["abc"]  # a mark with no letter before it is dropped


def test_zero_width_joiners_stay_inside_words_only():
    assert tok.tokenize("می\u200cخواهم") == ["می\u200cخواهم"]  # Persian ZWNJ inside a word
    assert tok.tokenize("क्\u200dष") == ["क्\u200dष"]  # ZWJ after a virama
    assert tok.tokenize("abc\u200d def\u200c") == ["abc", "def"]  # at a word's end: dropped
    assert tok.tokenize("co\xadop") == ["co", "op"]  # other format characters still split


def test_han_characters_are_words_of_their_own():
    assert tok.tokenize("我爱北京。") == ["我", "爱", "北", "京"]
    assert tok.tokenize("I love 北京, ok?") == ["i", "love", "北", "京", "ok"]
    assert tok.tokenize("日本語のテキスト") == ["日", "本", "語", "のテキスト"]  # kana: one run


def test_emoji_dropped_by_default_or_kept_as_tokens():
    text = "Great😀 film 👍🏽 👨\u200d👩\u200d👧 🇫🇷 ❤\ufe0f 100%"
    assert tok.tokenize(text) == ["great", "film", "qqq"]
    assert tok.tokenize(text, keep_emoji=True) == [
        "great", "😀", "film", "👍🏽", "👨\u200d👩\u200d👧", "🇫🇷", "❤\ufe0f", "qqq",
    ]  # fmt: skip
    assert tok.tokenize("🄁 ❶", keep_emoji=True) == ["qqq", "qqq"]  # enclosed digits: words
    assert tok.tokenize("हिन्दी😀भाषा", keep_emoji=True) == [HINDI, "😀", "भाषा"]
    assert tok.tokenize("Rating: ★★", keep_emoji=True) == ["rating", "★", "★"]  # as in IMDB
    assert tok.tokenize_sentences("Great 😀. Bad.", keep_emoji=True) == [
        "great", "😀", tok.SEP, "bad",
    ]  # fmt: skip


def test_symbol_counts_emoji_sequences_and_other_symbols():
    # 5 emoji (a skin tone, a family, a flag count once each); $, ©, +, ° are symbols
    texts = ["Great😀 film 👍🏽 $5 ©", "👨\u200d👩\u200d👧 🇫🇷 ❤\ufe0f 2+2 30°"]
    assert tok.symbol_counts(texts) == (5, 4)
    assert tok.symbol_counts(["plain words, punctuation!"]) == (0, 0)


def test_summary_counts_what_the_tokenizer_dropped_or_kept(tmp_path):
    path = tmp_path / "mine.csv"
    texts = ["good 😀 film", "bad film 😀😀", "ok $ 👍🏽", "fine © film"] * 8
    path.write_text("text,label\n" + "".join(f"{t},{i % 2}\n" for i, t in enumerate(texts)))
    out = tmp_path / "out"
    for emoji, kept, dropped in (("drop", 0, 32), ("keep", 32, 0)):
        options = {"type": "table", "path": str(path), "labels": [0, 1], "min_count": 1}
        if emoji == "keep":
            options["emoji"] = "keep"
        preprocess("mine", options, [str(path)], out / "t.parquet", out / "v.json", out / "s.json")
        summary = io.read_json(out / "s.json")
        assert summary["emoji"] == emoji
        assert (summary["n_emoji_kept"], summary["n_emoji_dropped"]) == (kept, dropped)
        assert summary["n_symbols_dropped"] == 16  # 8 x '$' and 8 x '©'
        assert ("😀" in io.read_json(out / "v.json")) == (emoji == "keep")
