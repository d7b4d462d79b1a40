"""engine/ is pure: NumPy and the standard library only, no manim, no files, no global RNG."""

import ast
import importlib
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parents[2] / "engine"
ALLOWED = set(sys.stdlib_module_names) | {"numpy", "engine"}


def test_engine_imports_only_numpy_and_the_standard_library():
    for path in ENGINE.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                roots = [node.module.split(".")[0]]
            else:
                continue
            assert set(roots) <= ALLOWED, f"{path.name} imports {roots}"


def test_importing_every_engine_module_loads_no_manim_or_torch():
    modules = [f"engine.{p.stem}" for p in ENGINE.glob("*.py") if p.stem != "__init__"]
    code = ("import sys, importlib\n"
            f"for m in {modules!r}: importlib.import_module(m)\n"
            "print(sorted(n for n in sys.modules if n.split('.')[0] in "
            "('manim', 'torch', 'scenes', 'render')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ENGINE.parent, check=True)
    assert result.stdout.strip() == "[]"


def test_engine_never_uses_global_random_state():
    for path in ENGINE.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for banned in ("np.random.seed", "np.random.rand(", "np.random.randn(",
                       "np.random.normal(", "np.random.uniform(", "import random\n"):
            assert banned not in text, f"{path.name} uses {banned!r}"


LESSON_MODULES = sorted(path.stem for path in ENGINE.glob("*.py")
                        if "\nLESSON = LessonModel(" in path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("module", LESSON_MODULES)
def test_every_trace_survives_the_trip_to_a_worker_process(module):
    """A course build pickles each scene's trace for its worker: read-only mappings included."""
    trace = importlib.import_module(f"engine.{module}").LESSON.run({})
    back = pickle.loads(pickle.dumps(trace))
    assert back.to_dict() == trace.to_dict() and type(back) is type(trace)
