"""Safe YAML reading: plain data only (no object construction), with a size limit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

from borderflow.scenario.csvfile import read_text, too_large
from borderflow.scenario.errors import ScenarioError
from borderflow.scenario.limits import MAX_INT_DIGITS, MAX_YAML_ALIAS_NODES, MAX_YAML_DEPTH

MAX_YAML_BYTES = 16 * 1024 * 1024  # a scenario file larger than this is refused

PLAIN = "plain YAML data (mappings, lists, strings, numbers, dates)"


class _Checks:
    """What both loaders refuse: a key given twice in one mapping (YAML keeps the last silently),
    nesting deeper than MAX_YAML_DEPTH (the composer recurses: 50,000 brackets would overflow
    the stack) and integer literals longer than MAX_INT_DIGITS. Base methods are called by
    name, as the two loaders combine different bases."""

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self._depth >= MAX_YAML_DEPTH:
            mark = self.peek_event().start_mark  # type: ignore[attr-defined]
            raise yaml.composer.ComposerError(
                None, None, f"nesting deeper than {MAX_YAML_DEPTH} levels; expected at most {MAX_YAML_DEPTH}", mark
            )
        self._depth += 1
        try:
            return Composer.compose_node(self, parent, index)  # type: ignore[arg-type]
        finally:
            self._depth -= 1

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        text = str(node.value)
        if len(text) > MAX_INT_DIGITS:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"integer of {len(text)} characters; expected at most {MAX_INT_DIGITS} digits",
                node.start_mark,
            )
        return SafeConstructor.construct_yaml_int(self, node)  # type: ignore[arg-type]

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)  # type: ignore[attr-defined]
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}; expected each key once in a mapping", key_node.start_mark
                )
            seen.add(key)
        return SafeConstructor.construct_mapping(self, node, deep=deep)  # type: ignore[arg-type]


class _Loader(_Checks, yaml.SafeLoader):
    """The pure-Python safe loader with the checks (used when libyaml is missing)."""

    def fetch_flow_collection_start(self, token_class: Any) -> None:
        # The scanner looks ahead over every open bracket for a possible key: refuse deep
        # brackets here, while scanning, or 50,000 of them take seconds before composing starts.
        if self.flow_level >= MAX_YAML_DEPTH:
            raise yaml.scanner.ScannerError(
                None,
                None,
                f"nesting deeper than {MAX_YAML_DEPTH} levels; expected at most {MAX_YAML_DEPTH}",
                self.get_mark(),
            )
        super().fetch_flow_collection_start(token_class)


_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)  # type: ignore[type-var]
_FastLoader: type | None = None
try:
    from yaml._yaml import CParser  # libyaml: scans and parses about ten times faster

    class _CLoader(_Checks, Composer, CParser, SafeConstructor, Resolver):
        """libyaml's parser (it refuses nesting beyond 1,000 itself), the Python composer (for the
        depth check) and the safe constructor with the checks."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)
            Composer.__init__(self)

    _CLoader.add_constructor("tag:yaml.org,2002:int", _CLoader.construct_yaml_int)  # type: ignore[type-var]
    _FastLoader = _CLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    pass


def _check_aliases(node: yaml.Node) -> None:
    """Refuse an alias that refers to itself, or aliases that repeat more than MAX_YAML_ALIAS_NODES nodes.

    Aliases share one node, so a "billion laughs" file is small; its expanded size is counted
    here, memoised per node, before anything is built from it.
    """
    size: dict[int, int] = {}  # expanded node count, per node id
    extra = 0  # nodes repeated by aliases
    state: dict[int, int] = {}  # 1 = on the current path, 2 = done
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    while stack:
        n, leaving = stack.pop()
        key = id(n)
        children: list[yaml.Node] = []
        if isinstance(n, yaml.SequenceNode):
            children = list(n.value)
        elif isinstance(n, yaml.MappingNode):
            children = [x for pair in n.value for x in pair]
        if leaving:
            size[key] = 1 + sum(size[id(c)] for c in children)
            state[key] = 2
            continue
        if state.get(key) == 2:
            continue
        state[key] = 1
        stack.append((n, True))
        seen_here: set[int] = set()
        for c in children:
            if state.get(id(c)) == 1:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    "alias refers to a node that contains it; expected plain data without cycles",
                    c.start_mark,
                )
            if state.get(id(c)) == 2 or id(c) in seen_here:
                continue  # a repeat: counted below once its size is known
            seen_here.add(id(c))
            stack.append((c, False))
    # A node reached more than once is repeated by aliases: count each extra use.
    uses: dict[int, int] = {}
    for n_id in size:
        uses[n_id] = 0
    for nd in _walk_unique(node):
        children = []
        if isinstance(nd, yaml.SequenceNode):
            children = list(nd.value)
        elif isinstance(nd, yaml.MappingNode):
            children = [x for pair in nd.value for x in pair]
        for c in children:
            uses[id(c)] += 1
            if uses[id(c)] > 1:
                extra += size[id(c)]
                if extra > MAX_YAML_ALIAS_NODES:
                    raise yaml.composer.ComposerError(
                        None,
                        None,
                        f"aliases repeat more than {MAX_YAML_ALIAS_NODES} nodes; expected at most "
                        f"{MAX_YAML_ALIAS_NODES} (see docs/limits.md)",
                        c.start_mark,
                    )


def _walk_unique(node: yaml.Node) -> list[yaml.Node]:
    """Every distinct node once."""
    out: list[yaml.Node] = []
    seen: set[int] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        out.append(n)
        if isinstance(n, yaml.SequenceNode):
            stack.extend(n.value)
        elif isinstance(n, yaml.MappingNode):
            stack.extend(x for pair in n.value for x in pair)
    return out


def _parse(path: Path) -> tuple[Any, int]:
    """The data and the line where it starts (1 for an empty document)."""
    if path.exists() and path.is_file():
        size = path.stat().st_size
        if size > MAX_YAML_BYTES:
            raise too_large(path, MAX_YAML_BYTES)
    text = read_text(path)
    try:
        loader = (_FastLoader or _Loader)(text)  # the reader refuses some characters (NUL) right here
    except yaml.YAMLError as exc:
        raise ScenarioError(path, "line 1", f"invalid YAML ({exc}); expected well-formed YAML") from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None, 1
        _check_aliases(node)
        return loader.construct_document(node), node.start_mark.line + 1
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}" if mark is not None else None
        problem = str(exc.problem)
        if "could not determine a constructor" in problem:
            tag = problem.rsplit("tag:yaml.org,2002:", 1)[-1].rstrip("'")
            problem = f"tag !!{tag} refused (no objects are built from scenario files); expected {PLAIN}"
        elif "expected" not in problem:
            problem += f"; expected {PLAIN}"
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
