"""Data flows one way through the package: no module imports from a module of a later stage."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "metahpo"

STAGES = [
    ("foundations", {"metahpo", "exceptions", "progress", "parallel", "cache", "files", "landmarkers", "threads",
                     "families.linear_gradient", "spaces"}),
    ("dataset", {"datasets", "openml_source"}),
    ("model families and their evaluation", {"families", "families.base", "families.lightgbm", "families.linear",
                                             "evaluation"}),
    ("meta-features", {"metafeatures"}),
    ("knowledge base", {"knowledge_base", "openml_runs"}),
    ("recommendations", {"holdout", "recommendations"}),
    ("search", {"search", "search.base", "search.bayes", "search.evolution", "search.gradient", "search.grid",
                "search.random", "search.study", "search.warm_start"}),
    ("model", {"ensemble", "estimators"}),
    ("workflows", {"tuning", "build"}),
    ("interfaces", {"batch", "cli", "__main__", "integrations", "integrations.optuna"}),
]
"""The package's stages in the order data flows (metahpo/__init__.py's docstring); a module may
import from its own stage and the ones before it."""


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts) or "metahpo"


def _imports(path: Path) -> set[str]:
    """The metahpo modules ``path`` imports at run time (inside functions too; not for type checking)."""
    tree = ast.parse(path.read_text())
    typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                   and getattr(node.test, "id", None) == "TYPE_CHECKING" for n in ast.walk(node)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module == "metahpo":
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("metahpo."):
            found.add(node.module.removeprefix("metahpo."))
        elif isinstance(node, ast.Import):
            found |= {a.name.removeprefix("metahpo.") for a in node.names if a.name.startswith("metahpo.")}
    return found


def test_every_module_has_a_stage():
    staged = set().union(*(modules for _, modules in STAGES))
    assert {_module(p) for p in PACKAGE.rglob("*.py")} == staged


def test_no_module_imports_from_a_later_stage():
    stage = {module: i for i, (_, modules) in enumerate(STAGES) for module in modules}
    stage["__version__"] = 0  # metahpo's own attribute
    backwards = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module(path)
        for imported in _imports(path):
            if stage[imported] > stage[module]:
                backwards.append(f"{module} ({STAGES[stage[module]][0]}) imports {imported} "
                                 f"({STAGES[stage[imported]][0]})")
    assert not backwards, "\n".join(backwards)
