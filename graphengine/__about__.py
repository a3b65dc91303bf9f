"""The package version, in a module that imports nothing (so `graphengine --version` is instant)."""

__version__ = "0.1.0"
