"""Parse uploaded CSV files and describe them for a language model."""

import csv
import io
import itertools
import statistics
from dataclasses import dataclass

MAX_COLUMNS = 200
SAMPLE_ROWS = 40


class CSVRejected(ValueError):
    """An upload is not a CSV file the product can use."""


@dataclass(frozen=True)
class ParsedCSV:
    text: str
    columns: list[str]
    rows: list[list[str]]


def parse_csv(raw: bytes, *, max_bytes: int) -> ParsedCSV:
    """Decode and parse an uploaded CSV; raise CSVRejected with the fix."""
    if not raw:
        raise CSVRejected("The file is empty. Upload a CSV file with a header row.")
    if len(raw) > max_bytes:
        raise CSVRejected(
            f"The file is larger than {max_bytes // (1024 * 1024)} MB. Upload a "
            "smaller extract."
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CSVRejected(
            "The file is not UTF-8 text. Save it as 'CSV UTF-8' and upload again."
        ) from None
    if "\x00" in text:
        raise CSVRejected("The file looks binary, not CSV. Upload a .csv file.")
    try:
        table = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise CSVRejected(f"The file is not valid CSV ({exc}).") from None
    table = [row for row in table if any(cell.strip() for cell in row)]
    if len(table) < 2:
        raise CSVRejected("The file needs a header row and at least one data row.")
    columns = [name.strip() for name in table[0]]
    if len(columns) > MAX_COLUMNS:
        raise CSVRejected(f"The file has more than {MAX_COLUMNS} columns.")
    if any(not name for name in columns):
        raise CSVRejected("Every column in the header row needs a name.")
    return ParsedCSV(text=text, columns=columns, rows=table[1:])


def describe_for_model(name: str, text: str) -> str:
    """Return a compact description of a dataset: shape, stats and a sample."""
    parsed = list(csv.reader(io.StringIO(text)))
    columns, rows = parsed[0], [row for row in parsed[1:] if row]
    lines = [f"Dataset '{name}': {len(rows)} rows, {len(columns)} columns."]
    for index, column in enumerate(columns):
        values = (row[index] for row in rows if len(row) > index)
        lines.append(f"- {column}: {_column_profile(values)}")
    sample = io.StringIO()
    writer = csv.writer(sample, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows[:SAMPLE_ROWS])
    lines.append(f"First {min(SAMPLE_ROWS, len(rows))} rows as CSV:")
    lines.append(sample.getvalue())
    return "\n".join(lines)


def _column_profile(values: object) -> str:
    cells = [str(value).strip() for value in values]  # type: ignore[attr-defined]
    numbers = []
    for cell in cells:
        try:
            numbers.append(float(cell))
        except ValueError:
            break
    else:
        if numbers:
            return (
                f"numeric, min {min(numbers):g}, max {max(numbers):g}, "
                f"mean {statistics.fmean(numbers):.3g}"
            )
    distinct = sorted(set(cells))
    shown = ", ".join(distinct[:8])
    more = f" and {len(distinct) - 8} more" if len(distinct) > 8 else ""
    return f"text, {len(distinct)} distinct values ({shown}{more})"


def preview_rows(text: str, limit: int = 10) -> list[list[str]]:
    """Return the header and the first ``limit`` rows of a CSV text."""
    reader = csv.reader(io.StringIO(text))
    return list(itertools.islice(reader, limit + 1))
