"""YAML read as text, within safety bounds: the loader of parameter files, ``-y`` and
``-b`` values, and of lists and mappings given as text (``[a, b]``, ``{a: 1}``).
"""

from __future__ import annotations

import functools

MAX_YAML_DEPTH = 3
"""Deepest nesting of a parameter file: a mapping of names to values or lists of values."""


class _YAMLRefused(Exception):  # noqa: N818 - a reason, caught here
    pass


@functools.cache
def _text_loader():
    """A YAML loader that keeps every scalar as text (an empty plain value as None), and
    refuses aliases (``*name``: a few bytes can expand to gigabytes) and nesting deeper
    than :data:`MAX_YAML_DEPTH`."""
    import yaml

    class TextLoader(yaml.BaseLoader):
        _depth = 0

        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                raise _YAMLRefused("it uses an alias (*name); write each value out")
            if self.check_event(yaml.MappingStartEvent, yaml.SequenceStartEvent):
                self._depth += 1
                if self._depth > MAX_YAML_DEPTH:
                    raise _YAMLRefused("it is nested too deeply (a parameter file maps names "
                                       "to values or lists of values)")
                try:
                    return super().compose_node(parent, index)
                finally:
                    self._depth -= 1
            return super().compose_node(parent, index)

        def construct_scalar(self, node):
            if node.style is None and node.value == "":
                return None
            return super().construct_scalar(node)

    return TextLoader
