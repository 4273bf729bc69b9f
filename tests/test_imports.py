"""The import structure of ``src/chainrule``: layers without cycles (see docs/design/layers.md).

The graph has an edge ``a -> b`` for every ``import``/``from ... import`` of a chainrule module
``b`` in module ``a``, at module level or inside a function.  Importing ``p.q.r`` also runs the
``__init__`` of its packages ``p`` and ``p.q``: those count too, except the packages that hold
``a`` itself (Python has started them before ``a``).
"""

from __future__ import annotations

import ast
import pathlib
import re

import pytest

SRC = pathlib.Path(__file__).resolve().parents[1] / "src"

# Imports inside functions, each with its reason.  An import inside a function that only
# avoids an import cycle does not belong here: fix the layering instead.
FUNCTION_LEVEL_IMPORTS = {
    ("chainrule._src.numpy.tracer_methods", "chainrule._src.scipy.special"):
        "loads SciPy's special functions only when a SciPy ufunc meets a traced value "
        "(import time of chainrule)",
    ("chainrule._src.numpy.tracer_methods", "chainrule._src.scipy"):
        "the package of the import above",
    ("chainrule._src.lax.scipy_linalg", "chainrule._src.transforms.api"):
        "funm's primitive takes the derivatives of the user's scalar function at concrete "
        "eigenvalues with jvp: a transform run inside a primitive's rule, and lax sits below "
        "the transforms",
    ("chainrule.cli.demo", "chainrule.cli.demo_optimize"):
        "the optimization section loads scipy.optimize only when it runs, and reports "
        "itself unavailable without it",
    ("chainrule.cli.demo", "chainrule.cli.demo_science"):
        "the science sections load the applications (and scipy.optimize) only when they "
        "run, and report themselves unavailable without them",
    ("chainrule.cli.demo", "chainrule.cli.demo_posterior"):
        "the posterior section loads chainrule.infer only when it runs",
    ("chainrule.cli.demo", "chainrule.cli.demo_emulator"):
        "the emulator section loads chainrule.optimize (scipy.optimize) only when it runs",
}

# Modules under ``_src`` that look a public module up at run time (``sys.modules``), each
# with its reason.
RUNTIME_FACADE_LOOKUPS = {
    "chainrule._src.transforms.api":
        "only the package's folder, to tell chainrule's stack frames from the user's",
    "chainrule._src.numpy.tracer_methods":
        "a NumPy function called on a traced value dispatches to the chainrule.numpy "
        "function of the same name, whichever module defines it",
}

# The public modules: thin re-exports, with their names spelled out.
FACADES = ["chainrule", "chainrule.checkpoint_policies", "chainrule.core",
           "chainrule.distributed", "chainrule.lax",
           "chainrule.numpy", "chainrule.numpy.fft", "chainrule.numpy.linalg", "chainrule.optim",
           "chainrule.optimize", "chainrule.scipy", "chainrule.scipy.optimize",
           "chainrule.scipy.special", "chainrule.tree_util", "chainrule.random", "chainrule.nn",
           "chainrule.scipy.linalg", "chainrule.ode", "chainrule.scipy.interpolate",
           "chainrule.scipy.integrate", "chainrule.scipy.stats", "chainrule.infer",
           "chainrule.distributed", "chainrule.apps", "chainrule.apps.orbits",
           "chainrule.apps.nbody", "chainrule.scipy.signal", "chainrule.scipy.signal.windows",
           "chainrule.apps.pde"]


def _modules():
    mods = {}
    for path in sorted((SRC / "chainrule").rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        mods[".".join(parts)] = (path, is_package)
    return mods


MODULES = _modules()


def _targets(module, is_package, node):
    """The chainrule modules an import statement names."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        base = module.split(".")
        if not is_package:
            base = base[:-1]
        base = base[:len(base) - (node.level - 1)]
        origin = ".".join(base + ([node.module] if node.module else []))
    else:
        origin = node.module
    found = [origin]
    for alias in node.names:
        if f"{origin}.{alias.name}" in MODULES:
            found.append(f"{origin}.{alias.name}")
    return found


def _imports():
    """``(importer, imported, line, inside_function)`` for every chainrule-internal import."""
    out = []

    def visit(module, is_package, node, inside):
        for child in ast.iter_child_nodes(node):
            nested = inside or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                  ast.Lambda))
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                for target in _targets(module, is_package, child):
                    if target == "chainrule" or target.startswith("chainrule."):
                        out.append((module, target, child.lineno, inside))
            visit(module, is_package, child, nested)

    for module, (path, is_package) in MODULES.items():
        visit(module, is_package, ast.parse(path.read_text()), False)
    return out


IMPORTS = _imports()


def _graph():
    edges = {m: set() for m in MODULES}
    for importer, target, _, _ in IMPORTS:
        parts = target.split(".")
        for k in range(1, len(parts) + 1):
            name = ".".join(parts[:k])
            if name in MODULES and name != importer and not (importer + ".").startswith(
                    name + "."):
                edges[importer].add(name)
    return edges


def _find_cycle(edges):
    """One import cycle as a list of modules (first == last), or None."""
    state = {}
    stack = []

    def dfs(v):
        state[v] = "open"
        stack.append(v)
        for w in sorted(edges[v]):
            if state.get(w) == "open":
                return stack[stack.index(w):] + [w]
            if w not in state:
                found = dfs(w)
                if found:
                    return found
        stack.pop()
        state[v] = "done"
        return None

    for v in sorted(edges):
        if v not in state:
            found = dfs(v)
            if found:
                return found
    return None


def test_the_graph_sees_the_imports():
    edges = _graph()
    assert "chainrule._src.core" in edges["chainrule._src.ir"]
    assert "chainrule._src.lax" in edges["chainrule._src.interpreters.batching"]
    assert "chainrule._src.compiler.jit" in edges["chainrule._src.control.cond"]
    assert not edges["chainrule._src.core"] & {m for m in MODULES if m.startswith("chainrule")}


def test_find_cycle_reports_a_cycle():
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle():
    cycle = _find_cycle(_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_imports_inside_functions_are_the_listed_ones():
    found = {(importer, target) for importer, target, _, inside in IMPORTS if inside}
    unlisted = sorted(f"{importer} imports {target} (line {line})"
                      for importer, target, line, inside in IMPORTS
                      if inside and (importer, target) not in FUNCTION_LEVEL_IMPORTS)
    assert not unlisted, ("imports inside functions; import at module level (fix the "
                          "layering if that makes a cycle):\n" + "\n".join(unlisted))
    stale = set(FUNCTION_LEVEL_IMPORTS) - found
    assert not stale, f"FUNCTION_LEVEL_IMPORTS lists imports that are gone: {sorted(stale)}"


def test_src_imports_no_public_module():
    bad = sorted(f"{importer} imports {target} (line {line})"
                 for importer, target, line, _ in IMPORTS
                 if importer.startswith("chainrule._src.")
                 and not (target + ".").startswith("chainrule._src."))
    assert not bad, "modules under _src import public modules:\n" + "\n".join(bad)


def test_src_looks_up_no_public_module_at_run_time():
    found = set()
    for module, (path, _) in MODULES.items():
        if module.startswith("chainrule._src.") and re.search(
                r"""sys\.modules(\.get)?\s*[\[(]\s*["']chainrule(\.(?!_src\b)|["'])""",
                path.read_text()):
            found.add(module)
    assert found == set(RUNTIME_FACADE_LOOKUPS)


@pytest.mark.parametrize("module", FACADES)
def test_public_modules_spell_out_their_names(module):
    path, _ = MODULES[module]
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        assert not (isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names)), (
            f"{module}: a star import hides the names it exports")
        assert not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "globals"), (
            f"{module}: names made through globals() are hidden from readers and tools")


def _private_name_imports():
    """``(importer, origin, name, line)`` for each ``from chainrule... import _name`` whose
    ``_name`` is not itself a module."""
    out = []
    for module, (path, is_package) in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ImportFrom):
                continue
            origin = _targets(module, is_package, node)[0]
            if not (origin == "chainrule" or origin.startswith("chainrule.")):
                continue
            for alias in node.names:
                name = alias.name
                if (name.startswith("_") and not name.startswith("__")
                        and f"{origin}.{name}" not in MODULES):
                    out.append((module, origin, name, node.lineno))
    return out


def test_no_module_imports_another_modules_private_names():
    # A helper used by another module is public inside ``_src`` (no underscore): the
    # underscore promises that nothing outside its module depends on it.
    found = _private_name_imports()
    assert not found, "private names imported from another module:\n" + "\n".join(
        f"  {m} imports {name} from {origin} (line {line})" for m, origin, name, line in found)


def _package(module):
    path, is_package = MODULES[module]
    return module if is_package else module.rpartition(".")[0]


def test_libraries_import_no_other_librarys_private_modules():
    # What two libraries share lives in a module both may import (under ``_src``), not in
    # one library's private module.
    bad = sorted(
        f"{importer} imports {target} (line {line})"
        for importer, target, line, _ in IMPORTS
        if target in MODULES and not (target + ".").startswith("chainrule._src.")
        and any(part.startswith("_") for part in target.split(".")[1:])
        and not (importer + ".").startswith(_package(target) + "."))
    assert not bad, "private modules of another package imported:\n" + "\n".join(bad)


def test_one_module_draws_progress_bars():
    users = sorted(module for module, (path, _) in MODULES.items()
                   if re.search(r"^\s*(from tqdm|import tqdm)", path.read_text(), re.M))
    assert users == ["chainrule._src.progress"]
