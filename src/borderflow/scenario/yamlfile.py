"""Safe YAML reading: plain data only (no object construction), with a size limit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from borderflow.scenario.csvfile import read_text, too_large
from borderflow.scenario.errors import ScenarioError

MAX_YAML_BYTES = 16 * 1024 * 1024  # a scenario file larger than this is refused

PLAIN = "plain YAML data (mappings, lists, strings, numbers, dates)"


class _Loader(yaml.SafeLoader):
    """The safe loader, refusing a key given twice in one mapping (YAML keeps the last silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}; expected each key once in a mapping", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _parse(path: Path) -> tuple[Any, int]:
    """The data and the line where it starts (1 for an empty document)."""
    if path.exists() and path.is_file():
        size = path.stat().st_size
        if size > MAX_YAML_BYTES:
            raise too_large(path, MAX_YAML_BYTES)
    text = read_text(path)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, 1
        return loader.construct_document(node), node.start_mark.line + 1
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}" if mark is not None else None
        problem = str(exc.problem)
        if "could not determine a constructor" in problem:
            tag = problem.rsplit("tag:yaml.org,2002:", 1)[-1].rstrip("'")
            problem = f"tag !!{tag} refused (no objects are built from scenario files); expected {PLAIN}"
        raise ScenarioError(path, where, problem) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}" if mark is not None else None
        problem = f"invalid YAML: {exc.problem}"
        if "expected" not in problem:
            problem += "; expected well-formed YAML"
        raise ScenarioError(path, where, problem) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(path, "line 1", f"invalid YAML ({exc}); expected well-formed YAML") from None
    finally:
        loader.dispose()


def load_yaml(path: Path) -> Any:
    """Parse a YAML file with the safe loader; errors name the file and line."""
    return _parse(path)[0]


def load_mapping(path: Path, expected: str, *, allow_empty: bool = False) -> dict[Any, Any]:
    """Parse a YAML file whose top level must be a mapping; `expected` says what it holds."""
    data, line = _parse(path)
    if data is None and allow_empty:
        return {}
    if data is None:
        raise ScenarioError(path, "line 1", f"file is empty; expected a mapping of {expected}")
    if not isinstance(data, dict):
        found = type(data).__name__
        raise ScenarioError(path, f"line {line}", f"top level is a {found}; expected a mapping of {expected}")
    return data
