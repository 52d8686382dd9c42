"""The config error, in a module of its own: modules that check a part of the config raise
it without importing the whole config machinery (and what that imports)."""

from __future__ import annotations


class ConfigError(ValueError):
    """The config breaks the schema or names something that does not exist."""
