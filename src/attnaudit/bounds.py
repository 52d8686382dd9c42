"""Upper bounds of every count and size a config may set, from what 24 GiB can hold.

A config value past these stops the run at validation naming its key, before any job: an
`n_permutations` of 10**9 would otherwise fail hours later with torch's allocation error.
Each bound keeps one tensor (4-byte floats) of the size that key scales within 24 GiB with
the other sizes at their paper values: T = 512 tokens per instance, H = 256 hidden units
(2 x 128), an embedding of 300, a batch of 256. Products of several large values can still
exceed a machine; each bound alone cannot. docs/settings.md and docs/configuration.md show
them per key.
"""

from __future__ import annotations

# numpy's seed range (np.random.default_rng and RandomState take 0 .. 2**32 - 1; torch
# accepts 64 bits): a larger seed passes nothing and fails in training.
MAX_SEED = 2**32 - 1
# Seeds, lambdas, penalty weights, datasets: each multiplies the jobs planned (a training
# job per model and seed); 10,000 seeds were still planning after 300 s.
MAX_RUNS = 100
# Instances of a generated split: preprocessing holds each token as a Python string in a
# list (about 80 bytes): 10**6 instances x 30 tokens x 80 B = 2.4 GB, 10**7 would be 24.
MAX_INSTANCES = 10**6
# Tokens of one instance (a cut, a document length, learned positions): one instance's
# hidden states are T x H x 4 B = 100 MB at 10**5 tokens, 32 of them a training batch.
MAX_TOKENS = 100_000
# Words of a generated vocabulary: its embedding table is V x 300 x 4 B = 1.2 GB at 10**6.
MAX_VOCAB = 10**6
# A word's minimum count: 24 GiB of 8-byte token ids hold 3 x 10**9 tokens.
MAX_COUNT = 10**9
# Classes (a label list): the output layer is H x classes.
MAX_CLASSES = 1000
# Widths (embedding_dim, hidden_size, filters, ff_size): a batch of 32 x 512 tokens x
# 2 x 4096 x 4 B = 0.5 GiB of states, an LSTM of 4096 units 4 x 4096 x (300 + 4096) x 4 B
# = 288 MB of weights.
MAX_WIDTH = 4096
MAX_HEADS = 64  # attention heads per layer (each at least one unit of hidden_size)
MAX_LAYERS = 64  # transformer layers: 64 x the states of one layer
MAX_KERNEL = 255  # a convolution width, in tokens
MAX_KERNELS = 16  # convolution widths (one set of filters each)
# Instances or deletions per pass: 16384 x 512 tokens x 256 x 4 B = 8 GiB of states.
MAX_BATCH = 16384
# Permutations, random orders, draws per instance: the permuted weights are
# batch x n x T x 4 B = 256 x 10**4 x 512 x 4 B = 5 GiB.
MAX_REPEATS = 10_000
# Adversarial distributions per instance: the loss compares every pair, batch x K^2 / 2
# x T x 4 B = 512 x 4950 x 512 x 4 B = 5 GiB at K = 100.
MAX_ADVERSARIES = 100
# Integrated Gradients steps: the interpolated inputs are batch x steps x T x 300 x 4 B =
# 64 x 256 x 512 x 300 x 4 B = 10 GiB.
MAX_IG_STEPS = 256
MAX_STEPS = 100_000  # optimisation steps of the adversary search (time, not memory)
MAX_EPOCHS = 1000  # training epochs (time, not memory)
MAX_THREADS = 256  # torch threads of one job
MAX_BINS = 100  # ERASER bins (percent values)
# A config file: the shipped ones are under 10 KiB; a 50 MB file took 77 s and 1.26 GB to
# read.
MAX_CONFIG_BYTES = 2**20
