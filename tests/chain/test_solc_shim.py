"""tools/solc-shim.cjs: solcjs from npm behind the `solc` command line py-solc-x expects."""

import json
import subprocess

import pytest
from packaging.version import Version
from solcx.wrapper import get_solc_version

from dapp.paths import PROJECT_ROOT

SHIM = PROJECT_ROOT / "tools" / "solc-shim.cjs"


def run_shim(*arguments, stdin=""):
    return subprocess.run(["node", str(SHIM), *arguments], input=stdin, capture_output=True, text=True,
                          cwd=PROJECT_ROOT, timeout=120)


@pytest.fixture
def shim_executable(tmp_path):
    """An executable named as py-solc-x names its binaries, as tools/setup.sh installs it."""
    path = tmp_path / "solc-v0.8.28"
    path.write_text(f'#!/bin/sh\nexec node "{SHIM}" "$@"\n')
    path.chmod(0o755)
    return path


def test_version__as_py_solc_x_reads_it(shim_executable):
    assert get_solc_version(shim_executable) == Version("0.8.28")
    assert get_solc_version(shim_executable, with_commit_hash=True).local.startswith("commit.7893614a")


def standard_json(source: str) -> str:
    return json.dumps({
        "language": "Solidity",
        "sources": {"contracts/A.sol": {"content": source}},
        "settings": {"outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}}},
    })


def test_standard_json__import_from_include_path__compiles(tmp_path):
    library = tmp_path / "lib" / "L.sol"
    library.parent.mkdir()
    library.write_text("// SPDX-License-Identifier: MIT\npragma solidity ^0.8.28;\nlibrary L { function one() internal pure returns (uint256) { return 1; } }\n")
    source = ('// SPDX-License-Identifier: MIT\npragma solidity ^0.8.28;\nimport {L} from "lib/L.sol";\n'
              "contract A { function f() external pure returns (uint256) { return L.one(); } }\n")
    result = run_shim("--standard-json", "--base-path", str(PROJECT_ROOT), "--include-path", str(tmp_path),
                      stdin=standard_json(source))
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert not [e for e in output.get("errors", []) if e["severity"] == "error"]
    assert output["contracts"]["contracts/A.sol"]["A"]["evm"]["bytecode"]["object"]


def test_standard_json__import_outside_allowed_paths__error(tmp_path):
    source = '// SPDX-License-Identifier: MIT\npragma solidity ^0.8.28;\nimport "/etc/passwd.sol";\ncontract A {}\n'
    result = run_shim("--standard-json", "--base-path", str(tmp_path), stdin=standard_json(source))
    errors = [e["message"] for e in json.loads(result.stdout)["errors"] if e["severity"] == "error"]
    assert any("File not found: /etc/passwd.sol" in message for message in errors)


def test_unsupported_call__exit_2_with_message():
    result = run_shim("--bin", "x.sol")
    assert result.returncode == 2
    assert "only --version and --standard-json are supported" in result.stderr
