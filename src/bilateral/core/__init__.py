"""The lowest layer: files from outside, text for a terminal, the project's folders, errors
and process helpers. Imports nothing else of ``bilateral``."""
