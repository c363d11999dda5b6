"""The layering the design promises, read from the source (``ast``): tasks reach models only
through the model interface, the integrators sit below the models, and no import loops."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "evornn"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imports(path: Path) -> list[tuple[str, list[str], ast.AST]]:
    """(module, names, node) for every import in the file, function-level ones included,
    relative imports resolved."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, [], node) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            module = node.module if node.level == 0 else ".".join(p for p in (base, node.module) if p)
            names = [alias.name for alias in node.names]
            found.append((module, names, node))
    return found


def graph() -> dict[str, set[str]]:
    """evornn module -> the evornn modules it imports (``from pkg import sub`` counts as sub)."""
    edges: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        targets = set()
        for module, names, _ in imports(path):
            if not module.startswith("evornn"):
                continue
            subs = [f"{module}.{n}" for n in names if is_module(f"{module}.{n}")]
            targets.update(subs or [module])
        edges[module_name(path)] = targets
    return edges


def find_cycle(edges: dict[str, set[str]], nodes: set[str]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in nodes:
                continue
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(nodes):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_tasks_reach_models_only_through_the_interface():
    """No task imports a private model module or a model's params class, or tests a type
    against one: a body works with any model through its registered kernels."""
    offences = []
    for path in (PACKAGE / "tasks").rglob("*.py"):
        for module, names, node in imports(path):
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            if module.startswith("evornn.models.") and module.split(".")[2].startswith("_"):
                offences.append(f"{where} imports the private {module}")
            if module.startswith("evornn.models"):
                offences += [f"{where} imports {n} from {module}" for n in names if n.endswith("Params")]
                offences += [f"{where} imports {module}.{n}" for n in names
                             if n.startswith("_") and is_module(f"{module}.{n}")]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Name) and node.id.endswith("Params") and node.id[0].isupper():
                defined = any(isinstance(d, ast.ClassDef) and d.name == node.id
                              for d in ast.walk(ast.parse(path.read_text(encoding="utf-8"))))
                if not defined:  # a body's own params class is its business
                    offences.append(f"{path.relative_to(ROOT)}:{node.lineno} names {node.id}")
    assert not offences, "\n".join(offences)


def test_the_integrators_do_not_import_the_models():
    """evornn.integrate sits below evornn.models (both import the kernel dispatch,
    evornn._kernels): the models may use the integrators, never the other way round."""
    edges = graph()
    offences = [f"{module} imports {target}" for module, targets in edges.items()
                if module.startswith("evornn.integrate") for target in targets if target.startswith("evornn.models")]
    assert not offences, "\n".join(offences)
    low = [target for target in edges["evornn._kernels"] if target.startswith(("evornn.models", "evornn.integrate"))]
    assert not low, f"evornn._kernels must import neither models nor integrators: {low}"


def test_no_import_loop_inside_models_or_through_the_integrators():
    edges = graph()
    nodes = {m for m in edges if m.startswith(("evornn.models", "evornn.integrate"))}
    assert find_cycle(edges, nodes) is None, f"import loop: {' -> '.join(find_cycle(edges, nodes))}"
    # The checker finds a loop when there is one.
    assert find_cycle({"a": {"b"}, "b": {"a"}}, {"a", "b"}) == ["a", "b", "a"]
