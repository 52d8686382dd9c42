"""Errors of the data layer, in a module of their own so parsers and the registry can raise them."""

from __future__ import annotations


class DatasetError(ValueError):
    """Data or dataset options that cannot be used as they are (missing file or columns,
    empty texts, a single class, unknown split values, unknown options)."""
