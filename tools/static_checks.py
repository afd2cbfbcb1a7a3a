#!/usr/bin/env python3
"""Static checks of the contracts, run by tools/test.sh before the tests (issue 12).

1. Compiler warnings fail: every Solidity contract (contracts/*.sol, contracts/testing/*.sol)
   through the solcjs shim Ape uses (standard-JSON input, ape-config.yaml's settings: via-IR,
   optimizer runs, evm version, the OpenZeppelin remapping), and every Vyper contract
   (contracts/*.vy) through the installed vyper, which reports warnings as Python warnings
   (printed to stderr by its command line, exit status 0). Warnings in a dependency's own files
   (OpenZeppelin) are printed but do not fail: they cannot be fixed here.
2. slither on contracts/*.sol (not contracts/testing), compiled once by crytic-compile's
   SolcStandardJson with the same shim (the same compilation gives the warnings of step 1).
   Every finding in our files (contracts/, interfaces included) must match an entry of the
   triage file (.slither-triage.json), which names it by detector + contract + function
   (+ element: a variable, parameter or event), never by line, and gives a reason. The check
   fails on untriaged findings and on stale entries (matching nothing any more).

    python tools/static_checks.py                          # the check (exit status 1 on failure)
    python tools/static_checks.py --write-triage-template  # prints a triage file for today's
        findings: the entries that still match keep their reasons, new ones get "TODO: ..."
        (which the check refuses), stale ones are left out (and named on stderr).
"""

from __future__ import annotations

import argparse
import bisect
import fnmatch
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
TRIAGE_FILE = ".slither-triage.json"
KEY_FIELDS = ("detector", "contract", "function", "element")


# ---------------------------------------------------------------------------------------------
# The project's settings, as Ape reads them
# ---------------------------------------------------------------------------------------------

@dataclass
class Project:
    root: Path
    solc_version: str = "0.8.28"
    via_ir: bool | None = None
    optimize: bool = True
    optimization_runs: int = 200
    evm_version: str | None = None
    remappings: list[str] = field(default_factory=list)  # "prefix=path relative to root or absolute"
    dependency_dirs: list[Path] = field(default_factory=list)  # absolute
    vyper_search_paths: list[str] = field(default_factory=list)

    @property
    def contracts(self) -> Path:
        return self.root / "contracts"

    def analysed_solidity(self) -> list[str]:
        return sorted(str(p.relative_to(self.root)) for p in self.contracts.glob("*.sol"))

    def testing_solidity(self) -> list[str]:
        return sorted(str(p.relative_to(self.root)) for p in (self.contracts / "testing").glob("*.sol"))

    def vyper_sources(self) -> list[Path]:
        return sorted(self.contracts.glob("*.vy"))

    def solc(self) -> Path:
        """The shim tools/setup.sh puts where py-solc-x (and so Ape) looks for solc."""
        folder = Path(os.environ.get("SOLCX_BINARY_PATH") or ROOT / ".cache" / "solcx")
        solc = folder / f"solc-v{self.solc_version}"
        if not solc.exists():
            sys.exit(f"static checks: no solc at {solc}; run `make setup` (tools/setup.sh) first")
        return solc

    def is_ours(self, relative: str) -> bool:
        """A file of the project itself: under contracts/ and not a dependency's copy."""
        path = (self.root / relative).resolve()
        if any(path.is_relative_to(d) for d in self.dependency_dirs):
            return False
        return path.is_relative_to(self.contracts.resolve())

    def is_analysed(self, relative: str) -> bool:
        """What slither's findings are kept for: ours, outside contracts/testing."""
        return self.is_ours(relative) and not (self.root / relative).resolve().is_relative_to(
            (self.contracts / "testing").resolve())


def _ape_package_dirs(npm: str | None, name: str, version: str, root: Path) -> list[Path]:
    """Where Ape may have put a dependency: its data folder's packages (the npm name with
    '/' as '_', the version with '.' as '_'), the project's contracts/.cache, node_modules."""
    data = Path(os.environ.get("APE_DATA_FOLDER") or Path.home() / ".ape")
    candidates = []
    for package in filter(None, (npm, name)):
        candidates.append(data / "packages" / "projects" / package.replace("/", "_") / version.replace(".", "_"))
    candidates.append(root / "contracts" / ".cache" / name / version)
    if npm:
        module = root / "node_modules" / npm
        try:
            if json.loads((module / "package.json").read_text())["version"] == version:
                candidates.append(module)
        except (OSError, ValueError, KeyError):
            pass
    return candidates


def load_project(root: Path) -> Project:
    project = Project(root=root.resolve())
    config_file = project.root / "ape-config.yaml"
    config = yaml.safe_load(config_file.read_text()) if config_file.exists() else {}
    config = config or {}
    solidity = config.get("solidity") or {}
    project.solc_version = str(solidity.get("version", project.solc_version))
    project.via_ir = solidity.get("via_ir")
    project.optimize = solidity.get("optimize", True)
    project.optimization_runs = int(solidity.get("optimization_runs", project.optimization_runs))
    project.evm_version = solidity.get("evm_version")
    dependencies = {d["name"]: d for d in config.get("dependencies") or []}
    for remapping in solidity.get("import_remapping") or []:
        prefix, _, target = remapping.partition("=")
        name, _, version = target.partition("/")
        dependency = dependencies.get(name)
        if dependency is None:  # a plain folder of the project
            project.remappings.append(f"{prefix}={target}")
            continue
        version = version or str(dependency.get("version", ""))
        found = next((d for d in _ape_package_dirs(dependency.get("npm"), name, version, project.root)
                      if d.is_dir() and any(d.rglob("*.sol"))), None)
        if found is None:
            sys.exit(f"static checks: dependency {name} {version} not installed where Ape puts it "
                     f"(run `ape compile` or `make setup`)")
        found = found.resolve()
        project.dependency_dirs.append(found)
        location = found.relative_to(project.root) if found.is_relative_to(project.root) else found
        project.remappings.append(f"{prefix}={location}")
    # ape-vyper's search paths: the installed packages (snekmate) and the project.
    import vyper
    project.vyper_search_paths = [str(Path(vyper.__file__).resolve().parent.parent), str(project.root)]
    return project


def solc_settings(project: Project) -> dict:
    settings: dict = {
        "optimizer": {"enabled": bool(project.optimize), "runs": project.optimization_runs},
        "remappings": sorted(project.remappings),
    }
    if project.via_ir is not None:
        settings["viaIR"] = bool(project.via_ir)
    if project.evm_version:
        settings["evmVersion"] = project.evm_version
    return settings


def solc_executable(project: Project, workdir: Path) -> str:
    """The shim, with the dependency folders allowed when they lie outside the project
    (crytic-compile only allows its working directory)."""
    solc = project.solc()
    outside = [str(d) for d in project.dependency_dirs if not d.is_relative_to(project.root)]
    if not outside:
        return str(solc)
    wrapper = workdir / f"solc-v{project.solc_version}"
    wrapper.write_text(f'#!/bin/sh\nexec "{solc}" "$@" --allow-paths "{",".join(outside)}"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


# ---------------------------------------------------------------------------------------------
# Compiler warnings
# ---------------------------------------------------------------------------------------------

@dataclass
class Warning_:
    file: str
    line: int | None
    message: str
    ours: bool

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


def _line_of(project: Project, file: str, offset: int) -> int | None:
    try:
        data = (project.root / file).read_bytes()
    except OSError:
        return None
    starts = [0] + [i + 1 for i, byte in enumerate(data) if byte == 0x0A]
    return bisect.bisect_right(starts, offset)


def solc_diagnostics(project: Project, output: dict) -> tuple[list[Warning_], list[str]]:
    """The warnings and the errors of a standard-JSON output."""
    found, errors = [], []
    for error in output.get("errors", []):
        if error.get("severity") == "error":
            errors.append(error.get("formattedMessage") or error.get("message", ""))
            continue
        if error.get("severity") != "warning":
            continue  # "info"
        location = error.get("sourceLocation") or {}
        file = location.get("file", "<no file>")
        line = _line_of(project, file, location["start"]) if "start" in location else None
        message = f"{error.get('type', 'Warning')}: {error.get('message', '')}"
        found.append(Warning_(file, line, message, project.is_ours(file) if file != "<no file>" else True))
    return found, errors


def compile_solidity(project: Project, files: list[str], solc: str) -> subprocess.Popen:
    """Starts a standard-JSON compilation with full code generation (some warnings, such as
    the contract size limit, come from it); returns the running process."""
    standard_json = {
        "language": "Solidity",
        "sources": {f: {"urls": [f]} for f in files},
        "settings": {**solc_settings(project),
                     "outputSelection": {"*": {"*": ["evm.bytecode.object", "evm.deployedBytecode.object"]}}},
    }
    process = subprocess.Popen([solc, "--standard-json", "--allow-paths", str(project.root)],
                               cwd=project.root, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    process.stdin.write(json.dumps(standard_json))
    process.stdin.close()
    return process


def finish_solidity(project: Project, process: subprocess.Popen) -> tuple[list[Warning_], list[str]]:
    stdout = process.stdout.read()
    stderr = process.stderr.read()
    process.wait()
    try:
        output = json.loads(stdout)
    except ValueError:
        return [], [f"solc failed (exit status {process.returncode}): {stderr.strip()}"]
    return solc_diagnostics(project, output)


def vyper_warnings(project: Project) -> tuple[list[Warning_], list[str]]:
    """Each Vyper contract through the installed compiler with ape-vyper's settings; the
    warnings it raises (VyperWarning: deprecations, size limit, `print`, ...) are collected."""
    from vyper.cli.vyper_compile import compile_files
    from vyper.compiler.settings import OptimizationLevel, Settings
    from vyper.warnings import VyperWarning

    found, errors = [], []
    for source in project.vyper_sources():
        relative = str(source.relative_to(project.root))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                compile_files([str(source)], ("bytecode",), paths=project.vyper_search_paths,
                              include_sys_path=False, settings=Settings(optimize=OptimizationLevel.GAS))
            except Exception as error:  # a compile error: reported, and the check fails
                errors.append(f"{relative}: {type(error).__name__}: {error}")
        for caught_warning in caught:
            warning = caught_warning.message
            if not isinstance(warning, VyperWarning):
                continue
            file, line = relative, None
            for annotation in getattr(warning, "annotations", None) or []:
                module = getattr(annotation, "module_node", None)
                if getattr(annotation, "lineno", None):
                    line = annotation.lineno
                    if module is not None and getattr(module, "resolved_path", None):
                        path = Path(module.resolved_path).resolve()
                        file = str(path.relative_to(project.root)) if path.is_relative_to(project.root) else str(path)
                    break
            message = f"{type(warning).__name__}: {getattr(warning, 'message', str(warning))}"
            found.append(Warning_(file, line, message, project.is_ours(file) if not Path(file).is_absolute() else False))
    return found, errors


# ---------------------------------------------------------------------------------------------
# slither
# ---------------------------------------------------------------------------------------------

@dataclass
class Finding:
    detector: str
    contract: str
    function: str
    element: str
    impact: str
    confidence: str
    description: str
    help: str
    wiki: str

    def key(self) -> dict:
        return {k: getattr(self, k) for k in KEY_FIELDS}

    def named(self) -> str:
        name = ".".join(filter(None, (self.contract, self.function)))
        if self.element:
            name = f"{name} ({self.element})" if name else self.element
        return f"{self.detector} [{self.impact}/{self.confidence}] {name}"


def _ancestors(element: dict):
    while element:
        yield element
        element = (element.get("type_specific_fields") or {}).get("parent")


def _file_of(element: dict) -> str | None:
    return (element.get("source_mapping") or {}).get("filename_absolute")


def identify(result: dict, project: Project) -> tuple[str, str, str] | None:
    """(contract, function, element) of a slither result's first element in our files; None
    when none of its elements is ours (a dependency's finding)."""
    ours = [e for e in result.get("elements", []) if _file_of(e) and project.is_analysed(_file_of(e))]
    if not ours:
        return None
    primary = ours[0]
    chain = list(_ancestors(primary))
    contract = next((e["name"] for e in chain if e.get("type") == "contract"), "")
    function = next((e["name"] for e in chain if e.get("type") == "function"), "")
    element = "" if primary.get("type") in ("contract", "function", "node") else primary.get("name", "")
    return contract, function, element


def run_slither(project: Project, solc: str) -> tuple[list[Finding], list[Warning_], list[str]]:
    """Compiles contracts/*.sol once through crytic-compile's SolcStandardJson (the shim as
    solc) and runs every slither detector; returns the findings in our files and the
    compiler's warnings and errors of that compilation."""
    import crytic_compile.platform.solc_standard_json as standard_json_platform
    from crytic_compile import CryticCompile
    from crytic_compile.platform.exceptions import InvalidCompilation
    from slither import Slither
    from slither.detectors import all_detectors
    from slither.detectors.abstract_detector import AbstractDetector

    captured: dict = {}
    run_solc = standard_json_platform.run_solc_standard_json

    def keep_output(*args, **kwargs):  # the same compilation also gives the warnings
        captured["output"] = output = run_solc(*args, **kwargs)
        return output

    platform = standard_json_platform.SolcStandardJson(
        {"language": "Solidity", "settings": solc_settings(project)})
    platform.add_source_files(project.analysed_solidity())
    standard_json_platform.run_solc_standard_json = keep_output
    try:
        compilation = CryticCompile(platform, solc=solc, solc_working_dir=str(project.root),
                                    solc_disable_warnings=True)
    except InvalidCompilation as error:
        return [], [], [f"solc (through crytic-compile) failed: {error}"]
    finally:
        standard_json_platform.run_solc_standard_json = run_solc
    compiler_warnings, _ = solc_diagnostics(project, captured.get("output", {}))

    # slither logs each function it cannot translate to its IR (today: OpenZeppelin's
    # ReentrancyGuardTransient, over TransientSlot's user-defined value types); one line instead.
    class Collect(logging.Handler):
        def emit(self, record):
            skipped.append(record.getMessage().split(" (")[0].removeprefix("Impossible to generate IR for "))

    skipped: list[str] = []
    parsing_log = logging.getLogger("ContractSolcParsing")
    handler, parsing_log.propagate = Collect(logging.ERROR), False
    parsing_log.addHandler(handler)
    try:
        slither = Slither(compilation)
    finally:
        parsing_log.removeHandler(handler)
        parsing_log.propagate = True
    if skipped:
        print(f"slither: no IR for {', '.join(sorted(set(skipped)))}: what it would find there is missed", file=sys.stderr)
    detectors = [d for d in vars(all_detectors).values()
                 if isinstance(d, type) and issubclass(d, AbstractDetector) and d is not AbstractDetector]
    by_name = {}
    for detector in detectors:
        slither.register_detector(detector)
        by_name[detector.ARGUMENT] = detector
    findings = []
    for results in slither.run_detectors():
        for result in results:
            identity = identify(result, project)
            if identity is None:
                continue
            detector = by_name.get(result["check"])
            findings.append(Finding(result["check"], *identity, impact=result.get("impact", ""),
                                    confidence=result.get("confidence", ""),
                                    description=result.get("description", "").strip(),
                                    help=getattr(detector, "HELP", ""), wiki=getattr(detector, "WIKI", "")))
    findings.sort(key=lambda f: (f.detector, f.contract, f.function, f.element))
    return findings, compiler_warnings, []


# ---------------------------------------------------------------------------------------------
# Triage
# ---------------------------------------------------------------------------------------------

def load_triage(path: Path) -> list[dict]:
    if not path.exists():
        return []
    text = path.read_text().strip()
    if not text:
        return []
    data = json.loads(text)
    return data["findings"] if isinstance(data, dict) else data


def _field_matches(pattern: str, value: str) -> bool:
    return pattern == value or (("*" in pattern or "?" in pattern) and fnmatch.fnmatchcase(value, pattern))


def matches(entry: dict, finding: Finding) -> bool:
    """An entry names a finding by detector, contract, function and element; a field left out
    means "none" (empty); shell-style wildcards ("*") are allowed."""
    return all(_field_matches(str(entry.get(k, "")), getattr(finding, k)) for k in KEY_FIELDS)


def triage_problems(entries: list[dict]) -> list[str]:
    problems = []
    for entry in entries:
        reason = str(entry.get("reason", "")).strip()
        if not entry.get("detector") or not reason or reason.upper().startswith("TODO"):
            problems.append(f"{_entry_name(entry)}: needs a detector and a one-line reason (not TODO)")
    return problems


def _entry_name(entry: dict) -> str:
    return json.dumps({k: entry[k] for k in KEY_FIELDS if entry.get(k)})


def check_triage(findings: list[Finding], entries: list[dict]) -> tuple[list[Finding], list[dict]]:
    """(untriaged findings, stale entries)."""
    untriaged = [f for f in findings if not any(matches(e, f) for e in entries)]
    stale = [e for e in entries if not any(matches(e, f) for f in findings)]
    return untriaged, stale


def template_entry(finding: Finding) -> dict:
    entry = {k: v for k, v in finding.key().items() if v}
    entry["reason"] = f"TODO: {finding.impact}/{finding.confidence}: {finding.help}"
    return entry


def triage_template(findings: list[Finding], entries: list[dict]) -> dict:
    """A triage file for these findings: matching entries kept as they are, an entry per
    untriaged finding (its reason to be written), stale entries dropped."""
    untriaged, stale = check_triage(findings, entries)
    kept = [e for e in entries if e not in stale]
    new, seen = [], set()
    for finding in untriaged:
        entry = template_entry(finding)
        key = tuple(entry.get(k, "") for k in KEY_FIELDS)
        if key not in seen:
            seen.add(key)
            new.append(entry)
    ordered = sorted(kept + new, key=lambda e: tuple(str(e.get(k, "")) for k in KEY_FIELDS))
    return {"about": ABOUT, "findings": ordered}


ABOUT = ("slither findings in contracts/*.sol (and the interfaces they import) accepted after review; "
         "read by tools/static_checks.py. Each entry names a finding by detector, contract, function "
         "and element (a variable, parameter or event; left out: none), never by line; '*' matches "
         "anything. Regenerate with `python tools/static_checks.py --write-triage-template`.")


# ---------------------------------------------------------------------------------------------
# The command
# ---------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="the project (default: this one)")
    parser.add_argument("--triage", type=Path, help=f"the triage file (default: ROOT/{TRIAGE_FILE})")
    parser.add_argument("--write-triage-template", action="store_true",
                        help="print a triage file for today's findings (JSON) instead of checking")
    args = parser.parse_args(argv)
    started = time.monotonic()
    project = load_project(args.root)
    triage_path = args.triage or project.root / TRIAGE_FILE
    entries = load_triage(triage_path)

    with tempfile.TemporaryDirectory(prefix="static-checks-") as workdir:
        solc = solc_executable(project, Path(workdir))
        # The testing contracts compile in another process meanwhile (the other core).
        testing = project.testing_solidity()
        testing_process = compile_solidity(project, testing, solc) if testing else None
        # Vyper in this process (warnings are process-wide state: not beside slither in a thread).
        vyper_found, vyper_errors = vyper_warnings(project)
        findings, compiler_warnings, errors = run_slither(project, solc)
        if testing_process is not None:
            testing_warnings, testing_errors = finish_solidity(project, testing_process)
            compiler_warnings += testing_warnings
            errors += testing_errors
        compiler_warnings += vyper_found
        errors += vyper_errors

    if args.write_triage_template:
        template = triage_template(findings, entries)
        for entry in check_triage(findings, entries)[1]:
            print(f"stale, left out: {_entry_name(entry)}", file=sys.stderr)
        print(json.dumps(template, indent=2, ensure_ascii=False))
        return 0

    failed = False
    if errors:
        failed = True
        print("Compilation errors:")
        for error in errors:
            print(f"  {error}")
    ours = sorted({str(w): w for w in compiler_warnings if w.ours}.values(), key=lambda w: (w.file, w.line or 0))
    theirs = sorted({str(w) for w in compiler_warnings if not w.ours})
    if ours:
        failed = True
        print(f"Compiler warnings ({len(ours)}): fix them")
        for warning in ours:
            print(f"  {warning}")
    if theirs:
        print(f"Compiler warnings in dependencies ({len(theirs)}, not failing):")
        for warning in theirs:
            print(f"  {warning}")

    problems = triage_problems(entries)
    untriaged, stale = check_triage(findings, entries)
    if problems:
        failed = True
        print(f"Triage entries without a reason ({triage_path.name}):")
        for problem in problems:
            print(f"  {problem}")
    if untriaged:
        failed = True
        print(f"slither findings not triaged ({len(untriaged)}): fix them, or add an entry with a reason "
              f"to {triage_path.name} (`python tools/static_checks.py --write-triage-template`)")
        for finding in untriaged:
            print(f"  {finding.named()}")
            print(f"    {finding.help}  ({finding.wiki})")
            for line in finding.description.splitlines():
                print(f"      {line}")
    if stale:
        failed = True
        print(f"Stale triage entries in {triage_path.name} (they match no finding any more: remove them):")
        for entry in stale:
            print(f"  {_entry_name(entry)}")

    elapsed = time.monotonic() - started
    solidity_count = len(project.analysed_solidity()) + len(project.testing_solidity())
    print(f"static checks {'FAILED' if failed else 'passed'} in {elapsed:.0f} s: {solidity_count} Solidity and "
          f"{len(project.vyper_sources())} Vyper files compiled, {len(ours)} warnings; slither: "
          f"{len(findings)} findings, {len(findings) - len(untriaged)} triaged, {len(stale)} stale entries")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
