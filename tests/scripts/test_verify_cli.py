"""`ape run verify`, end to end on anvil: the seeded demo's label photos, one per verdict."""

import json
from pathlib import Path

import pytest

from dapp.demo import world as demo
from tests.fixtures.anvil import ape_run

EXPECTED = {
    "genuine": [],
    "already-dispensed-cloned-code": ["already_dispensed"],
    "destroyed": ["decommissioned"],
    "stolen": ["decommissioned"],
    "recalled": ["batch_recalled"],
    "withdrawn": ["batch_withdrawn"],
    "expired": ["expired"],
    "manufacturer-suspended": ["manufacturer_suspended"],
    "serial-not-in-batch": ["serial_not_in_batch"],
    "unknown-batch": ["unknown_batch"],
    "unknown-product": ["unknown_product"],
    "never-held-by-scanner": ["never_held_by_scanner"],
}


@pytest.fixture(scope="module")
def seeded(anvil_chain):
    w3, env = anvil_chain
    ape_run(["deploy"], env)
    ape_run(["seed"], env)
    return w3, env, Path(env["MEDCHAIN_DATA"]) / "labels"


def verify(env, *arguments, expect_success):
    return ape_run(["verify", *arguments], env, account=None, expect_success=expect_success)


def test_every_verdict_reason__has_a_demo_label():
    assert set(EXPECTED) == {code.case for code in demo.DEMO_CODES}
    reasons = {reason for expected in EXPECTED.values() for reason in expected}
    assert reasons >= {"already_dispensed", "decommissioned", "batch_recalled", "batch_withdrawn", "expired",
                       "manufacturer_suspended", "serial_not_in_batch", "unknown_batch", "unknown_product",
                       "never_held_by_scanner"}


@pytest.mark.parametrize("code", demo.DEMO_CODES, ids=lambda code: code.case)
def test_verify__label_photo__verdict_and_reasons(seeded, code):
    w3, env, labels = seeded
    arguments = [str(labels / f"{code.case}.png"), "--json"]
    if code.scanner:
        arguments += ["--at", w3.eth.accounts[demo.organization(code.scanner).account_index]]
    genuine = not EXPECTED[code.case]
    out = verify(env, *arguments, expect_success=genuine)
    verdict = json.loads(out[out.index("{"): out.rindex("}") + 1])
    assert verdict["status"] == ("GENUINE" if genuine else "SUSPECT")
    assert [finding["reason"] for finding in verdict["findings"]] == EXPECTED[code.case]
    assert verdict["code"]["gtin"] == code.gtin and verdict["code"]["lot"] == code.lot


def test_verify__genuine__prints_product_documents_and_history(seeded):
    w3, env, labels = seeded
    out = verify(env, str(labels / "genuine.png"), "--at", w3.eth.accounts[9], expect_success=True)
    assert out.splitlines()[0].startswith("GENUINE  04607001120018 / lot MF2406")
    assert "Product:       Метформин (Metformin)" in out
    assert "Manufacturer:  АО «Волжская фармацевтическая компания»" in out
    assert "registration certificate: bafkrei" in out and "(verified)" in out
    assert "200 units shipped by АО «Волжская фармацевтическая компания» to ООО «ЦентрФармДистрибуция»" in out
    assert "60 units received by ООО «Аптека Здоровье» № 12" in out
    assert "one unit dispensed" not in out  # other units' dispenses are not this pack's story


def test_verify__typed_element_string__same_verdict(seeded):
    _, env, _ = seeded
    serial = demo.serials(demo.METFORMIN, "MF2406", 300)[0]
    out = verify(env, f"]d201{demo.METFORMIN}21{serial}\x1d10MF2406", expect_success=False)
    assert "already_dispensed" in out


def test_verify__malformed_code__exit_2_with_reason(seeded):
    _, env, _ = seeded
    out = verify(env, "(01)04607001120019(21)ABC", expect_success=False)
    assert "check digit should be 8" in out


def test_verify__image_without_code__exit_2(seeded, tmp_path):
    from PIL import Image

    _, env, _ = seeded
    blank = tmp_path / "blank.png"
    Image.new("L", (200, 200), 255).save(blank)
    out = verify(env, str(blank), expect_success=False)
    assert "no QR or DataMatrix code found" in out
