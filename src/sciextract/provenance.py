"""Which source files a stage runs, found from the code itself, and a hash of them.

The import closure of a `sciextract <command>` is read statically from the source (no import happens):
- `cli.py` and `stages.py` dispatch: their module-level imports count for every command, their
  function-level imports only for the command's own function (`cmd_<command>` and the `stages.py`
  function it imports). Every other module counts with all its imports, module- and function-level;
  imports under `if TYPE_CHECKING:` never run and do not count.
- The task registry imports tasks by name: a module that calls `get_task` pulls in the whole package of the
  active task, one that calls `get_board` the board module of every registered task.

`stage_files` gives the files of a command's closure; `code_hash` hashes them. Every metrics stamp carries
the evaluate closure's hash (`code_hash`), so the leaderboard never ranks rows produced by different code,
and tests/test_dvc_deps.py checks that each DVC stage's deps cover its closure.
"""

from __future__ import annotations

import ast
import hashlib
from functools import lru_cache
from pathlib import Path

from sciextract.tasks import TASK_PACKAGES

PACKAGE = "sciextract"
PACKAGE_DIR = Path(__file__).resolve().parent
DISPATCH_MODULES = ("sciextract.cli", "sciextract.stages")


def module_file(module: str) -> Path | None:
    """The source file of a `sciextract` module or package, None for anything else."""
    if module != PACKAGE and not module.startswith(PACKAGE + "."):
        return None
    parts = module.split(".")[1:]
    if not parts:
        return PACKAGE_DIR / "__init__.py"
    relative = Path(*parts)
    for candidate in (PACKAGE_DIR / relative.with_suffix(".py"), PACKAGE_DIR / relative / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imported(node: ast.Import | ast.ImportFrom) -> list[tuple[str, str | None]]:
    """(module, imported name) pairs of an import statement; the name is None for `import a.b`."""
    if isinstance(node, ast.Import):
        return [(alias.name, None) for alias in node.names]
    if node.level or node.module is None:
        raise ValueError(f"relative import at line {node.lineno}: sciextract uses absolute imports only")
    return [(node.module, alias.name) for alias in node.names]


@lru_cache(maxsize=None)
def _parse(module: str) -> ast.Module:
    return ast.parse(module_file(module).read_text(encoding="utf-8"))


def _statements(body: list[ast.stmt]) -> list[ast.stmt]:
    """Statements run at import time of a module, `if TYPE_CHECKING:` blocks left out."""
    return [node for node in body if not (isinstance(node, ast.If) and _is_type_checking(node))]


def _imports_in(nodes: list[ast.stmt], *, descend_into_functions: bool) -> list[tuple[str, str | None]]:
    found = []
    for root in nodes:
        stack = [root]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.If) and _is_type_checking(node):
                continue
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not descend_into_functions:
                continue
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                found += _imported(node)
            stack.extend(ast.iter_child_nodes(node))
    return found


def _registry_calls(nodes: list[ast.AST]) -> set[str]:
    """Which of the registry's `get_task` and `get_board` the nodes call."""
    called = set()
    for root in nodes:
        for node in ast.walk(root):
            if isinstance(node, ast.Call):
                function = node.func
                name = getattr(function, "id", None) or getattr(function, "attr", None)
                if name in ("get_task", "get_board"):
                    called.add(name)
    return called


def _function(module: str, name: str) -> ast.FunctionDef:
    for node in _parse(module).body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node
    raise ValueError(f"{module} defines no function {name}")


def _resolve(pairs: list[tuple[str, str | None]]) -> set[str]:
    """The sciextract modules named by import pairs (`from a import b` is module a.b when b is a module)."""
    modules = set()
    for module, name in pairs:
        if module_file(module) is None:
            continue
        parts = module.split(".")
        modules.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))  # packages run their __init__
        if name is not None and module_file(f"{module}.{name}") is not None:
            modules.add(f"{module}.{name}")
    return modules


def _task_modules(package: str) -> set[str]:
    folder = module_file(package).parent
    return {f"{package}.{path.stem}" if path.stem != "__init__" else package for path in folder.glob("*.py")}


@lru_cache(maxsize=None)
def command_closure(command: str, task: str) -> frozenset[str]:
    """Module names `sciextract <command>` runs with `task` active."""
    entry_name = "cmd_" + command.replace("-", "_")
    pending: list[tuple[str, ast.AST | None]] = [("sciextract.cli", _function("sciextract.cli", entry_name))]
    seen: set[str] = set()
    calls: set[str] = set()
    while pending:
        module, function = pending.pop()
        tree = _parse(module)
        if module in DISPATCH_MODULES:
            top = _statements(tree.body)
            pairs = _imports_in(top, descend_into_functions=False)
            if function is not None:
                pairs += _imports_in([function], descend_into_functions=True)
                calls |= _registry_calls([function])
            calls |= _registry_calls([node for node in top if not isinstance(node, ast.FunctionDef)])
            for imported_module, name in list(pairs):
                if imported_module in DISPATCH_MODULES and imported_module != module and name is not None:
                    pending.append((imported_module, _function(imported_module, name)))
            key = f"{module}:{getattr(function, 'name', '')}"
        else:
            pairs = _imports_in(_statements(tree.body), descend_into_functions=True)
            calls |= _registry_calls(tree.body)
            key = module
        if key in seen:
            continue
        seen.add(key)
        seen.add(module)
        for imported in _resolve(pairs):
            if imported not in seen and imported not in DISPATCH_MODULES:
                pending.append((imported, None))
        if "get_task" in calls:
            for imported in _task_modules(TASK_PACKAGES[task]) - seen:
                pending.append((imported, None))
        if "get_board" in calls:
            for package in TASK_PACKAGES.values():
                if f"{package}.board" not in seen:
                    pending.append((f"{package}.board", None))
    return frozenset(name for name in seen if ":" not in name)


def stage_files(command: str, task: str) -> list[Path]:
    """The source files of `sciextract <command>` with `task` active, sorted."""
    return sorted(module_file(module) for module in command_closure(command, task))


def code_hash(files: list[Path]) -> str:
    """A short hash of the files' paths (relative to the package) and bytes."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(str(path.relative_to(PACKAGE_DIR)).encode("utf-8") + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def stage_code_hash(command: str, task: str) -> str:
    return code_hash(stage_files(command, task))
