"""PyYAML's safe loader, stricter: duplicate and merge keys refused, dates kept as text,
odd tags refused, and every error tied to a line. Imported only when a file is parsed."""

from __future__ import annotations

from typing import Any

import yaml

from .escaping import short_repr

BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Loader(BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader that refuses duplicate keys and keeps dates as text."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        if not isinstance(node, yaml.MappingNode):  # `!!map` on a scalar: PyYAML reports it
            return super().construct_mapping(node, deep=deep)
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                # `<<` copies mappings into each other: a merge bomb grows exponentially before
                # any size check could run, so merge keys are refused outright.
                raise yaml.constructor.ConstructorError(
                    None, None, "merge keys (<<) are not supported; write the keys out in full", key_node.start_mark
                )
            key = self.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping key must be a plain value", key_node.start_mark
                ) from None
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key!r} (first defined on line {seen[key] + 1})",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """PyYAML's scalar constructors raise plain Python errors on odd input
        (``!!int ""`` is an IndexError); give them the node's line like any YAML error."""
        try:
            return super().construct_object(node, deep=deep)
        except yaml.YAMLError:
            raise
        except (ValueError, TypeError, IndexError, KeyError, OverflowError, AttributeError):
            tag = str(node.tag).replace("tag:yaml.org,2002:", "!!")
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"cannot read {short_repr(node.value) if isinstance(node.value, str) else 'this'} as {tag}",
                node.start_mark,
            ) from None


def _refuse(loader: yaml.BaseLoader, node: yaml.Node) -> Any:
    raise yaml.constructor.ConstructorError(
        None, None, f"could not determine a constructor for the tag {node.tag!r}", node.start_mark
    )


def _construct_int(loader: yaml.BaseLoader, node: yaml.Node) -> Any:
    try:
        return BaseLoader.construct_yaml_int(loader, node)  # type: ignore[arg-type]
    except ValueError as exc:
        if "limit" not in str(exc):  # not a number at all: construct_object reports it
            raise
        # more digits than int() accepts (sys.get_int_max_str_digits)
        raise yaml.constructor.ConstructorError(
            None, None, "number too large (too many digits)", node.start_mark
        ) from None


Loader.add_constructor("tag:yaml.org,2002:timestamp", BaseLoader.construct_yaml_str)
Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
# Sets, ordered maps and binary are legal safe YAML but mean nothing in our files.
for _tag in ("set", "omap", "pairs", "binary"):
    Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _refuse)
