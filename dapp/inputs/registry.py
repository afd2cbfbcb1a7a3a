"""Reading what people type or hand over (dates, role names, serial lists) with clear errors."""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from pathlib import Path

from dapp.errors import InvalidCodeError, PlatformError
from dapp.codes.gs1 import check_serial
from dapp.roles import Category, Role
from dapp.i18n import _


def parse_roles(text: str) -> Role:
    """"manufacturer,supplier" -> Role.MANUFACTURER | Role.SUPPLIER."""
    roles = Role(0)
    for name in filter(None, (part.strip() for part in text.split(","))):
        key = name.upper().replace("-", "_").replace(" ", "_")
        if key not in Role.__members__:
            known = ", ".join(r.name.lower() for r in Role)
            raise PlatformError(_("unknown role {name!r}; roles are: {known}").format(name=name, known=known))
        roles |= Role[key]
    if not roles:
        raise PlatformError(_("give at least one role, e.g. --roles manufacturer,supplier"))
    return roles


def parse_category(text: str) -> Category:
    key = text.strip().upper()
    if key not in Category.__members__:
        raise PlatformError(_("unknown category {text!r}; categories are: drug, device, consumable").format(text=text))
    return Category[key]


def parse_day(text: str, *, end_of_day: bool = False) -> int:
    """A date "YYYY-MM-DD" as unix seconds (UTC): its first second, or its last."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise PlatformError(_("date {text!r} is not of the form YYYY-MM-DD").format(text=text)) from None
    moment = datetime.combine(day, time.max if end_of_day else time.min, tzinfo=timezone.utc)
    return int(moment.timestamp())


def read_serial_list(path: Path) -> list[str]:
    """A batch's serials, one per line (blank lines ignored), each checked against GS1 rules."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise PlatformError(_("cannot read the serial list {path}: {error}").format(path=path, error=error)) from None
    serials: list[str] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        serial = line.strip()
        if not serial:
            continue
        try:
            check_serial(serial)
        except InvalidCodeError as error:
            raise InvalidCodeError(_("{path}, line {number}: {serial!r}: {error}").format(path=path, number=number, serial=serial, error=error)) from None
        if serial in seen:
            raise InvalidCodeError(_("{path}, line {number}: serial {serial!r} repeats line {seen}").format(path=path, number=number, serial=serial, seen=seen[serial]))
        seen[serial] = number
        serials.append(serial)
    if not serials:
        raise InvalidCodeError(_("the serial list {path} holds no serial").format(path=path))
    return serials


def read_document(path: Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise PlatformError(_("cannot read the document {path}: {error}").format(path=path, error=error)) from None
