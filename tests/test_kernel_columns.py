"""The kernels take the worker columns as one value (population.Workers, a NamedTuple of arrays), which numba's
parallel loops only write through safely when each column is first bound to a plain name, one per statement.

Writes through the tuple inside a prange loop (`w.status[i] = ...`), or columns bound by tuple unpacking
(`status, grade = w.status, w.grade`, which builds a tuple at four names or more), are silently lost with
parallel=True (numba issue 5872, still open): the loop writes to a copy. These tests read the source of every
parallel kernel and fail on either form, and show the hazard is real on the installed numba.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
from numba import njit, prange

from model.engine.population import Workers

MODEL = Path(__file__).resolve().parents[1] / "model"


def _parallel_kernels() -> list[tuple[Path, ast.FunctionDef]]:
    kernels = []
    for path in sorted(MODEL.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and any(
                    isinstance(d, ast.Call) and any(k.arg == "parallel" and getattr(k.value, "value", False)
                                                    for k in d.keywords) for d in node.decorator_list):
                kernels.append((path, node))
    return kernels


def _prange_loops(function: ast.FunctionDef) -> list[ast.For]:
    return [n for n in ast.walk(function) if isinstance(n, ast.For) and isinstance(n.iter, ast.Call)
            and getattr(n.iter.func, "id", None) == "prange"]


KERNELS = _parallel_kernels()


def test_the_source_has_parallel_kernels_taking_the_worker_columns() -> None:
    taking_workers = [f.name for _, f in KERNELS if any(a.arg in ("w", "workers") for a in f.args.args)]
    assert len(KERNELS) >= 15 and len(taking_workers) >= 12, taking_workers


@pytest.mark.parametrize(("path", "function"), KERNELS, ids=[f"{p.stem}.{f.name}" for p, f in KERNELS])
def test_a_parallel_kernel_never_writes_through_a_tuple_or_unpacks_columns(path: Path,
                                                                           function: ast.FunctionDef) -> None:
    where = f"{path.relative_to(MODEL.parent)}:{function.name}"
    parameters = {a.arg for a in function.args.args}

    def a_column(value: ast.expr) -> bool:  # parameter.name: a field of a tuple argument
        return isinstance(value, ast.Attribute) and getattr(value.value, "id", None) in parameters

    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Tuple) for t in node.targets) \
                and isinstance(node.value, ast.Tuple) and any(a_column(v) for v in node.value.elts):
            raise AssertionError(f"{where} line {node.lineno}: bind each column on its own line (name = w.column)")
    for loop in _prange_loops(function):
        for node in ast.walk(loop):
            targets = node.targets if isinstance(node, ast.Assign) else (
                [node.target] if isinstance(node, ast.AugAssign) else [])
            for target in targets:
                for t in (target.elts if isinstance(target, ast.Tuple) else [target]):
                    assert not (isinstance(t, ast.Subscript) and a_column(t.value)), (
                        f"{where} line {node.lineno}: a prange loop writes through a tuple attribute")


@njit(parallel=True)
def _unpacked_four(n, w):  # noqa: ANN001, ANN202 - the form the source test forbids
    status, employer, birth_month, sex = w.status, w.employer, w.birth_month, w.sex
    for i in prange(n):
        status[i] = 1
        employer[i] = 2
        birth_month[i] = sex[i]


@njit(parallel=True)
def _bound_one_by_one(n, w):  # noqa: ANN001, ANN202 - the form the kernels use
    status = w.status
    employer = w.employer
    for i in prange(n):
        status[i] = 1
        employer[i] = 2


def test_the_hazard_is_real_and_binding_one_by_one_avoids_it() -> None:
    lost, kept = Workers.empty(8), Workers.empty(8)
    _unpacked_four(5, lost)
    _bound_one_by_one(5, kept)
    assert np.array_equal(kept.status[:5], np.ones(5)) and np.array_equal(kept.employer[:5], np.full(5, 2))
    if lost.status.any():  # a numba that fixed issue 5872: the source rule is then only a style
        pytest.skip("this numba writes through unpacked tuple columns")
    assert not lost.employer.any()
