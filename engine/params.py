"""Typed, validated lesson parameters.

A lesson declares its parameters as a `ParamSpec`; `ParamSpec.resolve` merges defaults with
overrides and returns plain Python values and float64 arrays, or raises `ParamError` whose message
names the parameter and what is allowed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.errors import ParamError

KINDS = ("int", "float", "bool", "choice", "array", "strings")
# Without bounds of its own, a number must lie within +-MAGNITUDE (beyond, float64 products and
# sums overflow to infinity or lose every digit a student could read) and an array may have at
# most MAX_SIDE entries along each axis (the traces hold every window of every entry).
MAGNITUDE = 1e6
MAX_SIDE = 32


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


@dataclass(frozen=True)
class Param:
    """One parameter: its kind, default, help text and the values it allows.

    kind is one of KINDS. `array` takes a (nested) list of numbers with one of `ndims`
    dimensions, or one of the names in `named`. `strings` takes a list of strings.
    """

    name: str
    kind: str
    default: Any
    help: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    named: Mapping[str, Any] = field(default_factory=dict)
    ndims: tuple[int, ...] = (2,)
    nullable: bool = False
    min_length: int = 1
    max_length: int | None = None
    max_side: int = MAX_SIDE  # array: entries along each axis

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: unknown kind {self.kind!r}")

    # -- descriptions for `lecture list` and error messages ---------------------------------
    def bounds(self) -> tuple[float | None, float | None]:
        """The allowed range of a number (or of an array's entries)."""
        if self.kind in ("float", "array") and self.minimum is None and self.maximum is None:
            return -MAGNITUDE, MAGNITUDE
        return self.minimum, self.maximum

    def allowed(self) -> str:
        """What the parameter accepts, in words."""
        if self.kind in ("int", "float"):
            noun = "an integer" if self.kind == "int" else "a number"
            lo, hi = self.bounds()
            if lo is not None and hi is not None:
                text = f"{noun} from {_fmt(lo)} to {_fmt(hi)}"
            elif lo is not None:
                text = f"{noun} >= {_fmt(lo)}"
            elif hi is not None:
                text = f"{noun} <= {_fmt(hi)}"
            else:
                text = noun
        elif self.kind == "bool":
            text = "true or false"
        elif self.kind == "choice":
            text = "one of " + ", ".join(self.choices)
        elif self.kind == "strings":
            most = f" to {self.max_length}" if self.max_length else " or more"
            text = f"a list of {self.min_length}{most} strings"
        else:
            dims = " or ".join(f"{n}-D" for n in self.ndims)
            lo, hi = self.bounds()
            text = (f"a {dims} list of numbers from {_fmt(lo)} to {_fmt(hi)}, at most "
                    f"{self.max_side} along each axis")
            if self.named:
                text = "one of " + ", ".join(self.named) + f", or {text}"
        return text + (", or null" if self.nullable else "")

    def type_name(self) -> str:
        if self.kind == "array":
            return "matrix" if self.ndims == (2,) else "array"
        return {"strings": "list[str]"}.get(self.kind, self.kind)

    # -- validation ------------------------------------------------------------------------
    def validate(self, value: Any) -> Any:
        if value is None:
            if self.nullable:
                return None
            raise ParamError(self.name, f"must be {self.allowed()}, got null")
        check: Callable[[Any], Any] = getattr(self, f"_check_{self.kind}")
        return check(value)

    def _fail(self, value: Any) -> ParamError:
        return ParamError(self.name, f"must be {self.allowed()}, got {_show(value)}")

    def _in_range(self, number: float, value: Any) -> None:
        lo, hi = self.bounds()
        if (lo is not None and number < lo) or (hi is not None and number > hi):
            raise self._fail(value)

    def _check_int(self, value: Any) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
            raise self._fail(value)
        self._in_range(int(value), value)
        return int(value)

    def _check_float(self, value: Any) -> float:
        if not _is_number(value) or not math.isfinite(float(value)):
            raise self._fail(value)
        self._in_range(float(value), value)
        return float(value)

    def _check_bool(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise self._fail(value)
        return value

    def _check_choice(self, value: Any) -> str:
        if not isinstance(value, str) or value not in self.choices:
            raise self._fail(value)
        return value

    def _check_strings(self, value: Any) -> tuple[str, ...]:
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise self._fail(value)
        if len(value) < self.min_length or (self.max_length and len(value) > self.max_length):
            raise self._fail(value)
        if any(not v.strip() for v in value):
            raise ParamError(self.name, "every entry must be a non-empty string")
        return tuple(value)

    def _check_array(self, value: Any) -> np.ndarray:
        if isinstance(value, str):
            if value in self.named:
                return np.array(self.named[value], dtype=np.float64)
            known = ", ".join(self.named) if self.named else "none"
            raise ParamError(self.name, f"unknown name {value!r}; known names: {known}; "
                             "or give a list of numbers")
        array = to_array(self.name, value)
        if array.ndim not in self.ndims:
            raise self._fail(value)
        if max(array.shape) > self.max_side:
            raise ParamError(self.name, f"is {' x '.join(map(str, array.shape))}; at most "
                             f"{self.max_side} entries along each axis are allowed")
        lo, hi = self.bounds()
        if lo is not None and array.min() < lo:
            raise ParamError(self.name, f"entries must be >= {_fmt(lo)}, got {_fmt(array.min())}")
        if hi is not None and array.max() > hi:
            raise ParamError(self.name, f"entries must be <= {_fmt(hi)}, got {_fmt(array.max())}")
        return array


def _fmt(number: float) -> str:
    number = float(number)
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return f"{number:.6g}"


def to_array(name: str, value: Any, max_ndim: int = 8) -> np.ndarray:
    """A nested list of numbers as a float64 array; ragged, non-numeric or absurdly deep input
    (more than `max_ndim` levels, far beyond any lesson's) is a ParamError, not a crash."""
    if _is_number(value):
        raise ParamError(name, f"must be a list of numbers, got the single number {_show(value)}")

    def shape_of(node: Any, where: str) -> tuple[int, ...]:
        if where.count("[") >= max_ndim and isinstance(node, (list, tuple)):
            raise ParamError(name, f"is nested more than {max_ndim} levels deep; lessons take "
                             "lists of at most 4 dimensions")
        if _is_number(node):
            if not math.isfinite(float(node)):
                raise ParamError(name, f"entry {where} is {node}, not a finite number")
            return ()
        if not isinstance(node, (list, tuple)):
            raise ParamError(name, f"entry {where} is {_show(node)}, not a number")
        if not node:
            raise ParamError(name, f"{'the list' if not where else 'row ' + where} is empty")
        shapes = [shape_of(child, f"{where}[{i}]") for i, child in enumerate(node)]
        for i, child_shape in enumerate(shapes):
            if child_shape != shapes[0]:
                raise ParamError(
                    name,
                    f"ragged: {where}[0] has shape {list(shapes[0])} but {where}[{i}] has "
                    f"shape {list(child_shape)}; all rows must be the same length",
                )
        return (len(node), *shapes[0])

    shape_of(value, "")
    return np.array(value, dtype=np.float64)


@dataclass(frozen=True)
class ParamSpec:
    """The parameters of one lesson, in display order."""

    params: tuple[Param, ...]

    def __iter__(self):
        return iter(self.params)

    def names(self) -> list[str]:
        return [p.name for p in self.params]

    def resolve(self, *layers: Mapping[str, Any]) -> dict[str, Any]:
        """Defaults, overridden by each layer in turn, validated."""
        by_name = {p.name: p for p in self.params}
        merged: dict[str, Any] = {p.name: p.default for p in self.params}
        for layer in layers:
            for key, value in layer.items():
                if key not in by_name:
                    raise ParamError(
                        key, f"unknown parameter; this lesson takes: {', '.join(by_name)}"
                    )
                merged[key] = value
        return {name: by_name[name].validate(value) for name, value in merged.items()}


def spec(*params: Param) -> ParamSpec:
    return ParamSpec(tuple(params))


def as_pair(values: Sequence[int] | int) -> tuple[int, int]:
    if isinstance(values, (int, np.integer)):
        return int(values), int(values)
    first, second = values
    return int(first), int(second)
