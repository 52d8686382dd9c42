"""The encoder and attention names a config may use, known without importing torch.

The workflow checks `encoders:` and `attentions:` against these names before any job runs,
and plans without torch. Each name is a key of `encoders.ENCODERS`,
`hierarchical.HIERARCHICAL` or `attention.ATTENTIONS` (a test checks they agree): a new
encoder is its class, its entry there, and its name here.
"""

# ortholstm, diversitylstm: Mohankumar et al. (ACL 2020), models/orthogonal.py, encoders.py;
# transformer: models/transformer.py
FLAT_ENCODERS = ("lstm", "gru", "cnn", "average", "ortholstm", "diversitylstm", "transformer")
HIERARCHICAL_ENCODERS = ("hangru", "hancnn", "hanaverage")  # sentence attention on top
ENCODERS = (*FLAT_ENCODERS, *HIERARCHICAL_ENCODERS)
# sparsemax, entmax: additive scores normalised by sparsemax / 1.5-entmax (exact zeros);
# cls: the last layer's [CLS] attention (flat encoders; with `transformer` its last layer)
ATTENTIONS = ("additive", "dot", "uniform", "sparsemax", "entmax", "cls")
