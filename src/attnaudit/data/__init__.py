"""Datasets: registry, download, parsers, tokens, vocabulary and batches."""
