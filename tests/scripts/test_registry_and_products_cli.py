"""`ape run registry ...` and `ape run products ...`: what each user types, on anvil."""

import json

import pytest

from dapp.verification.merkle import SerialTree
from dapp.roles import BatchStatus, Role, Status
from tests.fixtures.anvil import ape_run, at

REGULATOR, MANUFACTURER, APPLICANT = "TEST::0", "TEST::1", "TEST::2"
GTIN = "04607001120056"


@pytest.fixture(scope="module")
def platform(anvil_chain, tmp_path_factory):
    w3, env = anvil_chain
    ape_run(["deploy"], env)
    record = json.load(open(f"{env['MEDCHAIN_DATA']}/deployments/31337.json"))["contracts"]
    files = tmp_path_factory.mktemp("files")
    (files / "org.json").write_text(json.dumps({"name": "АО «Тест-Фарм»", "inn": "6315007421", "country": "RU"}))
    (files / "decision.txt").write_text("Decision No. 1")
    (files / "serials.txt").write_text("A1\nB2\n\nC3\n")
    (files / "duplicate.txt").write_text("A1\nB2\nA1\n")
    (files / "bad-charset.txt").write_text("A1\nB 2\n")
    return {
        "w3": w3,
        "env": env,
        "files": files,
        "participants": at(w3, "Participants", record["Participants"]["address"]),
        "resources": at(w3, "Resources", record["Resources"]["address"]),
    }


@pytest.fixture(scope="module")
def cli_manufacturer(platform):
    """The second dev account, applied and approved as a manufacturer through the CLI."""
    env, files = platform["env"], platform["files"]
    address = platform["w3"].eth.accounts[1]
    applied = ape_run(["registry", "apply", "--metadata", str(files / "org.json")], env, account=MANUFACTURER)
    approved = ape_run(["registry", "approve", address, "--roles", "manufacturer,supplier"], env, account=REGULATOR)
    # Only the holder of a GTIN's company prefix registers it: the regulator assigns 4607001 first.
    assigned = ape_run(["products", "assign-prefix", "4607001", address], env, account=REGULATOR)
    assert f"Company prefix 4607001 assigned to {address}" in assigned
    return address, applied, approved


def test_registry_apply_and_approve__organization_active_with_roles(platform, cli_manufacturer):
    address, applied, approved = cli_manufacturer
    status, roles, cid, _ = platform["participants"].functions.organization(address).call()
    assert (Status(status), Role(roles)) == (Status.ACTIVE, Role.MANUFACTURER | Role.SUPPLIER)
    assert f"applied with metadata {cid}" in applied
    assert "approved as MANUFACTURER|SUPPLIER" in approved


def test_registry_show__prints_status_roles_metadata(platform, cli_manufacturer):
    out = ape_run(["registry", "show", cli_manufacturer[0]], platform["env"], account=None)
    assert "status:   active" in out and "roles:    manufacturer|supplier" in out


def test_registry_approve__not_regulator__decoded_reason(platform):
    out = ape_run(["registry", "approve", platform["w3"].eth.accounts[2], "--roles", "supplier"], platform["env"],
                  account=APPLICANT, expect_success=False)
    assert "refused by the contract: participants: caller is not an active regulator" in out
    assert "Call trace" not in out  # the reason alone, not Ape's trace dump


def test_registry_approve__unknown_role__says_which_roles_exist(platform):
    out = ape_run(["registry", "approve", platform["w3"].eth.accounts[2], "--roles", "doctor"], platform["env"],
                  expect_success=False)
    assert "unknown role 'doctor'; roles are: regulator, manufacturer" in out


def test_registry_suspend_reinstate_revoke__lifecycle(platform):
    env, files, w3 = platform["env"], platform["files"], platform["w3"]
    address = w3.eth.accounts[3]
    ape_run(["registry", "apply", "--metadata", str(files / "org.json")], env, account="TEST::3")
    ape_run(["registry", "approve", address, "--roles", "pharmacy"], env)
    ape_run(["registry", "set-roles", address, "--roles", "pharmacy,distributor"], env)
    assert Role(platform["participants"].functions.organization(address).call()[1]) == Role.PHARMACY | Role.DISTRIBUTOR
    assert "suspended" in ape_run(["registry", "suspend", address, "--reason", str(files / "decision.txt")], env)
    assert platform["participants"].functions.organization(address).call()[0] == Status.SUSPENDED
    ape_run(["registry", "reinstate", address], env)
    assert platform["participants"].functions.organization(address).call()[0] == Status.ACTIVE
    ape_run(["registry", "revoke", address, "--reason", str(files / "decision.txt")], env)
    assert platform["participants"].functions.organization(address).call()[0] == Status.REVOKED


def test_products_register_commission_recall_show(platform, cli_manufacturer):
    env, files, resources = platform["env"], platform["files"], platform["resources"]
    out = ape_run(["products", "register", "--gtin", GTIN[1:], "--category", "drug", "--name", "Лизиноприл (Lisinopril)",
                   "--form", "таблетки 10 мг № 30", "--characteristics", str(files / "org.json"),
                   "--certificate", str(files / "decision.txt")], env, account=MANUFACTURER)
    assert f"Product {GTIN} registered" in out
    assert resources.functions.product(int(GTIN)).call()[0] == cli_manufacturer[0]

    out = ape_run(["products", "commission", "--gtin", GTIN, "--lot", "LS2511", "--manufactured", "2025-01-01",
                   "--expires", "2027-01-31", "--serials", str(files / "serials.txt"),
                   "--documents", str(files / "decision.txt")], env, account=MANUFACTURER)
    batch = resources.functions.batch(int(GTIN), "LS2511").call()
    root = SerialTree.of(int(GTIN), ["A1", "B2", "C3"]).root
    assert (batch[4], batch[5], batch[7]) == (3, root, BatchStatus.ACTIVE)
    assert batch[2] == 1735689600 and batch[3] == 1801439999  # 2025-01-01 00:00:00, 2027-01-31 23:59:59 UTC
    assert f"3 units, root 0x{root.hex()}" in out

    ape_run(["products", "recall", "--gtin", GTIN, "--lot", "LS2511", "--reason-code", "1",
             "--reason", str(files / "decision.txt")], env, account=MANUFACTURER)
    shown = ape_run(["products", "show", "--gtin", GTIN, "--lot", "LS2511"], env, account=None)
    assert "status:        recalled (quality defect)" in shown
    assert "expires:       2027-01-31" in shown and "quantity:      3" in shown


def test_products_withdraw__by_regulator(platform, cli_manufacturer):
    env, files = platform["env"], platform["files"]
    ape_run(["products", "register", "--gtin", "04607001120063", "--category", "device", "--name", "Шприц 5 мл",
             "--form", "5 мл", "--characteristics", str(files / "org.json"), "--certificate",
             str(files / "decision.txt")], env, account=MANUFACTURER)
    ape_run(["products", "commission", "--gtin", "04607001120063", "--lot", "W1", "--manufactured", "2025-01-01",
             "--expires", "2027-01-31", "--serials", str(files / "serials.txt"), "--documents",
             str(files / "decision.txt")], env, account=MANUFACTURER)
    out = ape_run(["products", "withdraw", "--gtin", "04607001120063", "--lot", "W1", "--reason-code", "3",
                   "--reason", str(files / "decision.txt")], env, account=REGULATOR)
    assert "withdrawn (regulatory decision)" in out
    assert platform["resources"].functions.batch(4607001120063, "W1").call()[7] == BatchStatus.WITHDRAWN


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--gtin", "4607001120057"], "GTIN 4607001120057: check digit should be 6"),
        (["--serials", "duplicate.txt"], "line 3: serial 'A1' repeats line 1"),
        (["--serials", "bad-charset.txt"], "line 2: 'B 2': serial in AI (21) has characters outside GS1 character set 82: ' ' at position 2"),
        (["--serials", "missing.txt"], "cannot read the serial list"),
        (["--manufactured", "01.01.2025"], "is not of the form YYYY-MM-DD"),
    ],
)
def test_products_commission__bad_input__clear_error_nothing_sent(platform, cli_manufacturer, arguments, message):
    env, files, w3 = platform["env"], platform["files"], platform["w3"]
    values = {"--gtin": GTIN, "--lot": "BAD", "--manufactured": "2025-01-01", "--expires": "2027-01-31",
              "--serials": "serials.txt", "--documents": "decision.txt"}
    values.update(dict(zip(arguments[::2], arguments[1::2])))
    for option in ("--serials", "--documents"):
        values[option] = str(files / values[option])
    block = w3.eth.block_number
    out = ape_run(["products", "commission", *[x for pair in values.items() for x in pair]], env,
                  account=MANUFACTURER, expect_success=False)
    assert message in out
    assert w3.eth.block_number == block


def test_products_commission__not_the_manufacturer__decoded_reason(platform, cli_manufacturer):
    env, files = platform["env"], platform["files"]
    out = ape_run(["products", "commission", "--gtin", GTIN, "--lot", "X1", "--manufactured", "2025-01-01",
                   "--expires", "2027-01-31", "--serials", str(files / "serials.txt"), "--documents",
                   str(files / "decision.txt")], env, account=REGULATOR, expect_success=False)
    assert "refused by the contract: resources: caller is not an active manufacturer" in out


def test_products_show__unknown_product__clear_error(platform):
    out = ape_run(["products", "show", "--gtin", "04607001120070"], platform["env"], account=None,
                  expect_success=False)
    assert "no product is registered under GTIN 04607001120070" in out
