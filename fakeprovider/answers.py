"""Deterministic answer text and token counts for the fake provider.

Demo screens and tests need answers that are stable across runs, cost nothing
and still look like an analyst replied: when the prompt carries CSV data the
answer names its columns and counts its rows, otherwise it echoes the question.
Token counts use the common four-characters-per-token rule of thumb.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass

CHARS_PER_TOKEN = 4
ECHO_CHARS = 80
MAX_LISTED_COLUMNS = 8
MAX_COLUMN_NAME = 30
MAX_HEADER_FIELD = 40
# Below this budget the labelled answer would be cut mid-label; a bare "OK" is
# what a real model tends to give a one-token key check anyway.
SHORT_REPLY = "OK"


@dataclass(frozen=True)
class Answer:
    """The answer text, its token counts and whether max_tokens cut it."""

    text: str
    input_tokens: int
    output_tokens: int
    truncated: bool


def count_tokens(text: str) -> int:
    """Approximate tokens as ceil(characters / 4)."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def build_answer(
    label: str,
    prompt_texts: list[str],
    last_user_text: str,
    max_tokens: int | None,
) -> Answer:
    """Answer the prompt as ``[label] ...`` within ``max_tokens``."""
    prefix = f"[{label}] "
    full = prefix + _body(last_user_text, prompt_texts)
    text, truncated = _fit(full, prefix, max_tokens)
    input_tokens = max(1, count_tokens("".join(prompt_texts)))
    return Answer(text, input_tokens, count_tokens(text), truncated)


def _fit(full: str, prefix: str, max_tokens: int | None) -> tuple[str, bool]:
    if max_tokens is None or count_tokens(full) <= max_tokens:
        return full, False
    budget = max_tokens * CHARS_PER_TOKEN
    if budget < len(prefix) + 2 * CHARS_PER_TOKEN:
        return SHORT_REPLY, True
    return full[:budget].rstrip(), True


def _body(last_user_text: str, prompt_texts: list[str]) -> str:
    # The newest user message is what is being asked about; fall back to the
    # rest of the conversation (system prompt, earlier turns) for the data.
    for text in [last_user_text, *reversed(prompt_texts)]:
        table = find_table(text)
        if table is not None:
            return describe_table(*table, total_rows=_stated_row_count(text))
    return _echo(last_user_text)


def _echo(question: str) -> str:
    flat = " ".join(question.split())
    if not flat:
        return (
            "You sent an empty message. Paste CSV data with a header row and I "
            "will summarise it."
        )
    shown = flat[:ECHO_CHARS] + ("…" if len(flat) > ECHO_CHARS else "")
    return (
        f'You asked: "{shown}". This is an offline demo answer; paste CSV data '
        "with a header row and I will summarise its columns and rows."
    )


STATED_ROWS = re.compile(r"\b(\d+) rows, \d+ columns\.")


def find_table(text: str) -> tuple[list[str], list[list[str]]] | None:
    """Return (header, rows) of the largest CSV-like block in ``text``, if any.

    A block is a header line with at least one comma followed by one or more
    lines with the same number of fields. Prose around the data may contain
    commas too; the block with the most rows is the data.
    """
    lines = text.splitlines()
    best: tuple[list[str], list[list[str]]] | None = None
    for start, line in enumerate(lines):
        header = _fields(line)
        if not _looks_like_header(header):
            continue
        rows = []
        for following in lines[start + 1 :]:
            fields = _fields(following)
            if len(fields) != len(header):
                break
            rows.append(fields)
        if rows and (best is None or len(rows) > len(best[1])):
            best = header, rows
    return best


def _fields(line: str) -> list[str]:
    if "," not in line:
        return []
    return [field.strip() for field in next(csv.reader([line]))]


def _looks_like_header(fields: list[str]) -> bool:
    if len(fields) < 2:
        return False
    if any(not field or len(field) > MAX_HEADER_FIELD for field in fields):
        return False
    return not all(_number(field) is not None for field in fields)


def _number(value: str) -> float | None:
    # float() also accepts "1_000", "nan" and "inf"; none of those reads as a
    # number in a CSV cell, so they count as text.
    if "_" in value:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _stated_row_count(text: str) -> int | None:
    """The row count a prompt states for its data ("…: 1461 rows, …"), if any."""
    match = STATED_ROWS.search(text)
    return int(match.group(1)) if match else None


def describe_table(
    header: list[str], rows: list[list[str]], total_rows: int | None = None
) -> str:
    """Summarise a table the way a short analyst reply would.

    When the prompt says the table has more rows than it shows, the reply
    counts them all and says how many it was shown.
    """
    names = [name[:MAX_COLUMN_NAME] for name in header]
    listed = ", ".join(names[:MAX_LISTED_COLUMNS])
    if len(names) > MAX_LISTED_COLUMNS:
        listed += f" and {len(names) - MAX_LISTED_COLUMNS} more"
    count = total_rows if total_rows and total_rows > len(rows) else len(rows)
    row_word = "row" if count == 1 else "rows"
    shown = f" ({len(rows)} shown to me)" if count > len(rows) else ""
    summary = (
        f"I see a table with {len(names)} columns ({listed}) "
        f"and {count} data {row_word}{shown}."
    )
    numeric = _first_numeric_column(rows)
    if numeric is None:
        return summary + (
            " No column is fully numeric, so counting rows per "
            f"{names[0]} is a sensible first summary."
        )
    values = [_number(row[numeric]) or 0.0 for row in rows]
    category = _category_column(rows, numeric)
    return summary + (
        f" {names[numeric]} ranges from {_fmt(min(values))} to {_fmt(max(values))}"
        f" and totals {_fmt(sum(values))}. A bar chart of {names[numeric]} by "
        f"{names[category]} would be a good first view."
    )


def _first_numeric_column(rows: list[list[str]]) -> int | None:
    for index in range(len(rows[0])):
        if all(_number(row[index]) is not None for row in rows):
            return index
    return None


def _category_column(rows: list[list[str]], numeric: int) -> int:
    """Prefer a text column to group by; fall back to any other column."""
    others = [index for index in range(len(rows[0])) if index != numeric]
    for index in others:
        if any(_number(row[index]) is None for row in rows):
            return index
    return others[0]


def _fmt(value: float) -> str:
    if value.is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}"
