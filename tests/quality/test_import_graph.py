"""No two modules of the portal import each other, directly or round a longer loop.

Reads every module's source (no importing, so no database) and follows the imports
made when the module loads: those at module level, including inside `if`/`try`,
but not those inside a function body (a task imports its service there on
purpose) or under `if TYPE_CHECKING:`. An import of a package's name counts as an
import of the package's `__init__`; an import of a submodule counts as that
submodule only. Any strongly connected set of two or more modules is a cycle."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("members", "applications", "outreach", "selection", "events", "exchange", "equality", "scoring", "q_portal")
SKIPPED_PARTS = {"migrations", "management"}


def _modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if SKIPPED_PARTS & set(parts):
                continue
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            modules[name] = path
    return modules


def _load_time_imports(tree: ast.Module):
    """Import statements run when the module loads."""
    pending = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If):
            test = node.test
            if isinstance(test, ast.Name) and test.id == "TYPE_CHECKING":
                pending.extend(node.orelse)
                continue
            pending.extend(node.body + node.orelse)
        elif isinstance(node, ast.Try):
            pending.extend(node.body + node.orelse + node.finalbody)
            for handler in node.handlers:
                pending.extend(handler.body)
        elif isinstance(node, ast.With | ast.ClassDef):
            pending.extend(node.body)


def _import_graph() -> dict[str, set[str]]:
    modules = _modules()
    graph = {name: set() for name in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        package = name if is_package else name.rpartition(".")[0]
        for node in _load_time_imports(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                targets = []
                for alias in node.names:
                    submodule = f"{base}.{alias.name}"
                    targets.append(submodule if submodule in modules else base)
            graph[name].update(target for target in targets if target in modules and target != name)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components with two or more modules."""
    index, lowlink, on_stack, stack, components = {}, {}, set(), [], []

    def visit(node: str) -> None:
        index[node] = lowlink[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                lowlink[node] = min(lowlink[node], lowlink[target])
            elif target in on_stack:
                lowlink[node] = min(lowlink[node], index[target])
        if lowlink[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def test_import_graph_has_no_cycle():
    graph = _import_graph()
    cycles = [
        f"{', '.join(cycle)} (e.g. {a} imports {b})"
        for cycle in _cycles(graph)
        for a in cycle[:1]
        for b in sorted(graph[a] & set(cycle))[:1]
    ]
    assert cycles == []


def test_import_graph_sees_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_import_graph_follows_the_tasks_rule():
    """A task module imports its services inside the task body, never at the top."""
    graph = _import_graph()
    tasks_importing_services = {
        name: sorted(target for target in targets if ".services" in target)
        for name, targets in graph.items()
        if name.endswith(".tasks")
    }
    assert {name: targets for name, targets in tasks_importing_services.items() if targets} == {}
