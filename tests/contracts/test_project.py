"""The compiled project holds every contract source of contracts/."""

from pathlib import Path

from dapp.paths import PROJECT_ROOT


def test_project__every_contract_source_compiled(project):
    folder = PROJECT_ROOT / "contracts"
    sources = [p for p in folder.rglob("*") if p.suffix in {".vy", ".sol"} and ".cache" not in p.parts]
    names = {Path(p).stem for p in sources}
    assert {"Participants", "Resources", "PaymentToken", "Custody", "MerkleProofHarness"} <= names
    # Ape lists at most 500 files of the contracts folder, dependency copies included.
    assert len([p for p in folder.rglob("*") if p.is_file()]) < 450
    for name in names:
        assert name in project.contracts, f"{name} is not in the compiled project"
