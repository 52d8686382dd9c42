"""attnaudit: train attention classifiers and put their attention weights on trial."""

__version__ = "0.1.0"
