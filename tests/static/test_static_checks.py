"""tools/static_checks.py, the static checks of the test command: on tiny contracts in a temp
folder laid out as the project is (contracts/, ape-config.yaml), compiled by the same shim."""

import importlib.util
import json
import sys

import pytest

from dapp.paths import PROJECT_ROOT

spec = importlib.util.spec_from_file_location("static_checks", PROJECT_ROOT / "tools" / "static_checks.py")
static_checks = importlib.util.module_from_spec(spec)
sys.modules["static_checks"] = static_checks  # dataclasses look their module up
spec.loader.exec_module(static_checks)

CLEAN = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

contract Snippet {
    uint256 public total;

    function add(uint256 amount) external {
        total += amount;
    }
}
"""

UNUSED_VARIABLE = CLEAN.replace("total += amount;", "uint256 unused;\n        total += amount;")

# slither's `timestamp` detector (a comparison with block.timestamp); the compiler says nothing.
TIMESTAMP = CLEAN.replace("    }\n}", """    }

    function late(uint256 deadline) external view returns (bool) {
        return block.timestamp > deadline;
    }
}""")

TRIAGED = {"detector": "timestamp", "contract": "Snippet", "function": "late",
           "reason": "deadlines of days"}


def project(tmp_path, source, triage=None):
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "Snippet.sol").write_text(source)
    (tmp_path / "ape-config.yaml").write_text("solidity:\n  version: 0.8.28\n")
    if triage is not None:
        (tmp_path / ".slither-triage.json").write_text(json.dumps({"findings": triage}))
    return tmp_path


def check(root, capsys):
    status = static_checks.main(["--root", str(root)])
    return status, capsys.readouterr().out


def test_unused_variable__fails_with_file_line_and_message(tmp_path, capsys):
    status, out = check(project(tmp_path, UNUSED_VARIABLE, triage=[]), capsys)
    assert status == 1
    assert "Compiler warnings (1)" in out
    assert "contracts/Snippet.sol:8: Warning: Unused local variable." in out


def test_untriaged_finding__fails_naming_it_with_the_detector_description(tmp_path, capsys):
    status, out = check(project(tmp_path, TIMESTAMP, triage=[]), capsys)
    assert status == 1
    assert "slither findings not triaged (1)" in out
    assert "timestamp [Low/Medium] Snippet.late" in out
    assert "Dangerous usage of `block.timestamp`" in out  # the detector's own description
    assert "Compiler warnings (" not in out


def test_triaged_finding__passes_and_the_template_keeps_its_reason(tmp_path, capsys):
    root = project(tmp_path, TIMESTAMP, triage=[TRIAGED])
    assert check(root, capsys)[0] == 0
    assert static_checks.main(["--root", str(root), "--write-triage-template"]) == 0
    assert json.loads(capsys.readouterr().out)["findings"] == [TRIAGED]


def test_stale_entry__fails(tmp_path, capsys):
    stale = {"detector": "timestamp", "contract": "Snippet", "function": "removed", "reason": "gone"}
    status, out = check(project(tmp_path, TIMESTAMP, triage=[TRIAGED, stale]), capsys)
    assert status == 1
    assert "Stale triage entries" in out
    assert '"function": "removed"' in out


@pytest.mark.parametrize("reason", ["", "TODO: Low/Medium: Block timestamp"])
def test_entry_without_a_reason__fails(tmp_path, capsys, reason):
    status, out = check(project(tmp_path, TIMESTAMP, triage=[{**TRIAGED, "reason": reason}]), capsys)
    assert status == 1
    assert "without a reason" in out


def test_identity__detector_contract_function_element_and_wildcards():
    finding = static_checks.Finding("naming-convention", "IResources", "recall_batch", "reason_cid",
                                    "Informational", "High", "", "", "")
    assert static_checks.matches({"detector": "naming-convention", "contract": "IResources",
                                  "function": "recall_batch", "element": "reason_cid"}, finding)
    assert static_checks.matches({"detector": "naming-convention", "contract": "IResources",
                                  "function": "*", "element": "*"}, finding)
    # a left-out field means none: an entry for the function itself is not one for its parameter
    assert not static_checks.matches({"detector": "naming-convention", "contract": "IResources",
                                      "function": "recall_batch"}, finding)


def test_vyper_warning__fails(tmp_path, capsys):
    """vyper 0.4.3 only prints its warnings (exit status 0); the check collects and fails on them."""
    root = project(tmp_path, CLEAN, triage=[])
    (root / "contracts" / "Snippet.vy").write_text(
        "# pragma version ~=0.4.3\n\n@external\ndef f(x: uint256) -> uint256:\n    print(x)\n    return x\n")
    status, out = check(root, capsys)
    assert status == 1
    assert "contracts/Snippet.vy:5: VyperWarning: `print` should only be used for debugging!" in out
