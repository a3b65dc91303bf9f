"""Small helpers every stage uses, private to graphengine: atomic output files, bounded reading of
input files, names, number formatting, the garbage-collector pause, Ctrl-C ownership, lazy re-exports.
"""

__all__: list[str] = []
