"""Reading an uploaded serial list: every bad line reported (number, text, what is wrong), CSV
columns, the report as CSV, Russian, and a million serials read in about a second."""

import time

from dapp.batches.serials import MAX_SERIALS, read_serials
from dapp.i18n import use_language


def test_text__good_list__all_serials_in_order():
    listed = read_serials(b"A1\r\n\n  B2  \nC3")
    assert listed.ok and listed.serials == ["A1", "B2", "C3"] and listed.lines == 4


def test_text__every_bad_line_reported_with_its_number_and_reason():
    listed = read_serials(b"OK1\nBAD 2\n\nOK1\n" + b"X" * 21 + b"\n\xff\xfe\nOK3\n")
    assert not listed.ok
    assert [(p.line, p.text) for p in listed.problems] == [(2, "BAD 2"), (4, "OK1"), (5, "X" * 21), (6, "\ufffd\ufffd")]
    reasons = [p.reason for p in listed.problems]
    assert "' ' at position 4" in reasons[0]
    assert reasons[1] == "the serial repeats line 1"
    assert "21 characters" in reasons[2] and "at most 20" in reasons[2]
    assert reasons[3] == "the line is not UTF-8 text"


def test_every_character_of_set_82_is_accepted_and_others_are_not():
    from dapp.codes.gs1 import GS1_CHARSET_82

    alphabet = "".join(sorted(GS1_CHARSET_82))
    chunks = [alphabet[i:i + 20] for i in range(0, len(alphabet), 20)]
    assert read_serials("\n".join(chunks).encode()).ok
    for outside in ["#", "$", "@", "[", "~", "é", "Ж", "a\tb"]:
        listed = read_serials(f"OK\nX{outside}".encode())
        assert [p.line for p in listed.problems] == [2], outside


def test_csv__the_serial_column_by_its_header_and_line_numbers():
    listed = read_serials(b"gtin;serial;lot\n1;A1;L\n2;B 2;L\n3;A1;L\n", "list.csv")
    assert listed.serials[:1] == ["A1"]
    assert [(p.line, p.reason) for p in listed.problems][1] == (4, "the serial repeats line 2")
    assert listed.problems[0].line == 3


def test_csv__no_header__the_first_column():
    assert read_serials(b"A1,x\nB2,y\n", "list.csv").serials == ["A1", "B2"]


def test_empty__one_problem():
    listed = read_serials(b"\n\n")
    assert not listed.ok and listed.problems[0].reason == "the list holds no serial"


def test_report_csv__header_and_every_problem():
    report = read_serials(b"BAD 1\nBAD 2\n").report_csv().decode("utf-8-sig").splitlines()
    assert report[0] == "Line,Text,Problem" and len(report) == 3 and report[2].startswith("2,BAD 2,")


def test_russian__the_reasons_in_russian():
    data = b"BAD 1\n" + b"X" * 21 + b"\n"
    english = [p.reason for p in read_serials(data).problems]
    with use_language("ru"):
        russian = [p.reason for p in read_serials(data).problems]
    assert len(russian) == 2 and all(r != e for r, e in zip(russian, english))
    assert all(any("а" <= c <= "я" for c in reason.lower()) for reason in russian), russian


def test_over_the_limit__said():
    data = "".join(f"S{i}\n" for i in range(MAX_SERIALS + 1)).encode()
    listed = read_serials(data)
    assert not listed.ok and "at most 1000000" in listed.problems[0].reason


def test_a_million_serials__read_and_checked_fast():
    data = "".join(f"SN{i:012d}\n" for i in range(MAX_SERIALS)).encode()
    started = time.perf_counter()
    listed = read_serials(data, "serials.txt")
    seconds = time.perf_counter() - started
    assert listed.ok and len(listed.serials) == MAX_SERIALS
    assert seconds < 5, seconds  # about 0.5 s on the 2-core machine
