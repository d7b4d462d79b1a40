"""Traces: frozen dataclasses of everything a lesson shows, convertible to plain JSON."""

from __future__ import annotations

import copyreg
import dataclasses
import json
import math
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import numpy as np


# Traces cross process boundaries (a course renders its scenes in worker processes); a read-only
# mapping inside one pickles as the dict it wraps, and comes back read-only.
def read_only(mapping: dict) -> MappingProxyType:
    return MappingProxyType(mapping)


copyreg.pickle(MappingProxyType, lambda proxy: (read_only, (dict(proxy),)))


def frozen_array(values: Any) -> np.ndarray:
    """A read-only float64 copy, so a trace cannot be changed after it is built."""
    array = np.array(values, dtype=np.float64)
    array.setflags(write=False)
    return array


def to_jsonable(obj: Any) -> Any:
    """Arrays to nested lists, non-finite floats to None (JSON has no NaN or infinity)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        value = float(obj)
        return value if math.isfinite(value) else None
    return obj


class Trace:
    """Mixin for trace dataclasses."""

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)

    def to_json(self) -> str:
        return readable_json(self.to_dict())


def readable_json(data: Any, depth: int = 0) -> str:
    """Indented JSON in which a list of plain values stays on one line, so a matrix prints one
    row per line (for people reading the numbers, e.g. into a handout)."""
    pad, inner = "  " * depth, "  " * (depth + 1)
    if isinstance(data, dict) and data:
        items = [f"{inner}{json.dumps(str(k), ensure_ascii=False)}: "
                 f"{readable_json(v, depth + 1)}" for k, v in data.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(data, list) and any(isinstance(v, (list, dict)) for v in data):
        items = [inner + readable_json(v, depth + 1) for v in data]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return json.dumps(data, ensure_ascii=False)


PATH = re.compile(r"^(?P<head>[A-Za-z_]\w*)(?P<steps>(?:\.[A-Za-z_]\w*|\[-?\d+\])*)$")
STEP = re.compile(r"\.([A-Za-z_]\w*)|\[(-?\d+)\]")


def lookup(values: dict[str, Any], path: str) -> Any:
    """Follow `name.key[0]` through the trace's JSON; KeyError names the step that failed."""
    match = PATH.match(path)
    if not match:
        raise KeyError(f"{{{path}}} is not a placeholder (use names, .key and [index])")
    node: Any = values
    where = match["head"]
    steps = [(match["head"], None)] + [
        (m[1], None) if m[1] else (None, int(m[2])) for m in STEP.finditer(match["steps"])]
    for key, index in steps:
        if key is not None:
            if not isinstance(node, dict) or key not in node:
                raise KeyError(f"unknown placeholder {{{path}}}: no {key!r} in {where}")
            node = node[key]
            where = key if where == key else f"{where}.{key}"
        else:
            if not isinstance(node, list) or not -len(node) <= index < len(node):
                size = len(node) if isinstance(node, list) else 0
                raise KeyError(f"unknown placeholder {{{path}}}: index {index} is out of range "
                               f"for {where} ({size} entries)")
            node = node[index]
            where = f"{where}[{index}]"
    return node
