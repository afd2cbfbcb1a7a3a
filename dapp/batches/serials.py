"""Reading an uploaded serial list: text (one serial a line) or CSV (the `serial` column, else
the first), each serial checked against GS1's rules for AI (21) (1 to 20 characters of GS1
character set 82) and for uniqueness, with EVERY bad line reported (its number, its text and
what is wrong), not only the first.

Built for a million serials in about a second: one regular expression checks each line, the
detailed sentence (via `dapp.codes.gs1.check_serial`) is made only for the bad ones, and
duplicates are looked for only when a set says there are some.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from dapp.codes.gs1 import GS1_CHARSET_82, MAX_SERIAL_LENGTH, check_serial
from dapp.errors import InvalidCodeError
from dapp.i18n import _

MAX_SERIALS = 1_000_000
# Shown text of a bad line is cut to this many characters (the report stays readable).
SHOWN_TEXT = 60
_VALID = re.compile("[" + re.escape("".join(sorted(GS1_CHARSET_82))) + "]{1,%d}" % MAX_SERIAL_LENGTH)
SERIAL_COLUMNS = ("serial", "serial number", "sn", "серийный номер", "серийный_номер", "(21)", "21")


@dataclass(frozen=True)
class Problem:
    """A bad line of a serial list: its number (from 1), its text and what is wrong, in words."""

    line: int
    text: str
    reason: str


@dataclass
class SerialList:
    """The serials read from a list, and every problem found in it."""

    serials: list[str]
    problems: list[Problem] = field(default_factory=list)
    lines: int = 0  # lines read (blank ones too)

    @property
    def ok(self) -> bool:
        return bool(self.serials) and not self.problems

    def report_csv(self) -> bytes:
        """The problems as a CSV (UTF-8 with a BOM, so spreadsheet programs read Cyrillic): line, text, problem."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([_("Line"), _("Text"), _("Problem")])
        writer.writerows((p.line, p.text, p.reason) for p in self.problems)
        return ("\ufeff" + out.getvalue()).encode("utf-8")


def read_serials(data: bytes, name: str = "") -> SerialList:
    """The serial list in `data` (a file named `name`: ".csv" is read as CSV, anything else as
    text, one serial a line). Blank lines are skipped; whitespace around a serial is ignored."""
    text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
    if name.lower().endswith(".csv"):
        numbered = _csv_cells(text)
        lines = numbered[1] if numbered else 0
        result = _check([cell for cell in numbered[0]], numbered[2])
    else:
        raw = text.split("\n")
        if raw and raw[-1] == "":
            raw.pop()
        lines = len(raw)
        result = _check(raw, None)
    result.lines = lines
    if not result.serials and not result.problems:
        result.problems.append(Problem(0, "", _("the list holds no serial")))
    if len(result.serials) > MAX_SERIALS:
        result.problems.insert(0, Problem(0, "", _("the list holds {count} serials; a batch takes at most {limit}")
                                          .format(count=len(result.serials), limit=MAX_SERIALS)))
    return result


def _csv_cells(text: str) -> tuple[list[str], int, list[int]]:
    """(the serial cell of each row, lines read, the line number of each cell)."""
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count) if any(d in first for d in ",;\t") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    cells, numbers, column = [], [], 0
    for index, row in enumerate(reader):
        if index == 0:
            names = [cell.strip().lower() for cell in row]
            header = next((i for i, cell in enumerate(names) if cell in SERIAL_COLUMNS), None)
            if header is not None:
                column = header
                continue
        cells.append(row[column] if len(row) > column else "")
        numbers.append(reader.line_num)
    return cells, reader.line_num, numbers


def _check(lines: list[str], numbers: list[int] | None) -> SerialList:
    """Checks each line (numbered from 1, or by `numbers`), keeping the good serials."""
    valid = _VALID.fullmatch
    serials: list[str] = []
    kept_at: list[int] = []
    problems: list[Problem] = []
    for index, line in enumerate(lines):
        serial = line.strip()
        if not serial:
            continue
        if valid(serial) is None:
            number = numbers[index] if numbers else index + 1
            problems.append(Problem(number, _shown(serial), _reason(serial)))
            continue
        serials.append(serial)
        kept_at.append(index)
    if len(set(serials)) != len(serials):
        problems.extend(_duplicates(serials, kept_at, numbers))
        problems.sort(key=lambda p: p.line)
    return SerialList(serials=serials, problems=problems)


def _duplicates(serials: list[str], kept_at: list[int], numbers: list[int] | None) -> list[Problem]:
    seen: dict[str, int] = {}
    found = []
    for serial, index in zip(serials, kept_at):
        number = numbers[index] if numbers else index + 1
        first = seen.setdefault(serial, number)
        if first != number:
            found.append(Problem(number, _shown(serial), _("the serial repeats line {first}").format(first=first)))
    return found


def _reason(serial: str) -> str:
    if "\ufffd" in serial:
        return _("the line is not UTF-8 text")
    try:
        check_serial(serial)
    except InvalidCodeError as error:
        return str(error)
    return _("not a GS1 serial")


def _shown(text: str) -> str:
    return text if len(text) <= SHOWN_TEXT else text[: SHOWN_TEXT - 1] + "…"
