"""Tables that stay readable wherever they go: rich's boxes on a terminal, Markdown when piped.

rich sizes a table to 80 columns when stdout is not a terminal, truncating or wrapping every cell
(`ti…`, `on…`); a log or a CI page wants the whole values."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table


def markdown(table: Table) -> str:
    headers = [str(column.header) for column in table.columns]
    columns = [[str(cell) for cell in column.cells] for column in table.columns]
    rows = list(zip(*columns)) if columns else []
    lines = [f"**{table.title}**", ""] if table.title else []
    lines.append("| " + " | ".join(headers) + " |")
    lines.append("|" + "|".join("---" for _ in headers) + "|")
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def print_table(table: Table, console: Console | None = None) -> None:
    console = console or Console()
    if console.is_terminal:
        console.print(table)
    else:
        console.print(markdown(table), markup=False, highlight=False, soft_wrap=True)
