"""`--set key=value` arguments: the value is JSON, or a bare word taken as a string."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from render.errors import UserError


def parse_sets(items: Iterable[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for item in items:
        key, eq, raw = item.partition("=")
        key = key.strip()
        if not eq or not key:
            raise UserError(f"--set {item!r}: expected key=value, e.g. --set stride=2")
        try:
            values[key] = json.loads(raw)
        except RecursionError:
            raise UserError(f"--set {key}: the value is nested too deeply; lessons take lists "
                            "of at most 4 dimensions") from None
        except json.JSONDecodeError:
            text = raw.strip()
            if text[:1] in "[{\"":
                raise UserError(f"--set {key}: {raw!r} is not valid JSON; write lists as "
                                "[[1,2],[3,4]] and quote them for the shell") from None
            values[key] = text
    return values
