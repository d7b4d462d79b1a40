"""`lecture list`: every lesson with its parameters, types, defaults and ranges."""

from __future__ import annotations

import json
import sys

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from render.lessons import LESSONS


def print_lessons() -> None:
    console = Console() if sys.stdout.isatty() else Console(width=200)
    for lesson in LESSONS.values():
        table = Table(title=f"{lesson.name}: {lesson.model.summary}", title_justify="left")
        for column in ("parameter", "type", "default", "allowed", "meaning"):
            table.add_column(column)
        for param in lesson.model.params:
            cells = (param.name, param.type_name(), _short(param.default), param.allowed(),
                     param.help)
            table.add_row(*(escape(cell) for cell in cells))  # "list[str]" is not markup
        console.print(table)


def _short(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 24 else text[:21] + "..."
