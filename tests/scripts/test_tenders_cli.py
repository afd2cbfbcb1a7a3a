"""`ape run tenders ...` on anvil: two tenders from the published need to the payment and the
termination, a cancelled one, bids from the wallet and signed for a relayer, refusals with their
decoded reason, a lost salt, every command a user types."""

import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from dapp.documents.cid import raw_cid
from dapp.verification.merkle import SerialTree
from dapp.roles import Role
from tests.conftest import COMPANY_PREFIX, COMPANY_PREFIX_DIGITS, DAY, GTIN
from tests.fixtures.anvil import ape_run, at

REGULATOR, MANUFACTURER, HOSPITAL, SUPPLIER, SECOND_SUPPLIER, RELAYER = (f"TEST::{i}" for i in range(6))
RUBLE = 100
FUNDS = 1_000_000 * RUBLE
LOT = "CLI2501"
QUANTITY = 100
ORGANIZATIONS = {
    1: ("АО «Тест-Фарм»", Role.MANUFACTURER),
    2: ("ГБУЗ «Городская больница № 3»", Role.MEDICAL_ORGANIZATION),
    3: ("ООО «Фарм-Поставка»", Role.SUPPLIER | Role.DISTRIBUTOR),
    4: ("АО «МедСнаб»", Role.SUPPLIER),
}


def transact(w3, function, sender):
    receipt = w3.eth.wait_for_transaction_receipt(function.transact({"from": sender}))
    assert receipt["status"] == 1
    return receipt


def move_time(w3, seconds):
    w3.provider.make_request("evm_increaseTime", [seconds])
    w3.provider.make_request("evm_mine", [])


@pytest.fixture(scope="module")
def cli_tender_world(anvil_chain, tmp_path_factory):
    """The platform deployed by `ape run deploy`; then, straight through web3 (faster than the
    CLI, which other tests cover): the organizations, a product, a batch of it with the supplier,
    and the payment token with the hospital and the suppliers."""
    w3, env = anvil_chain
    ape_run(["deploy"], env)
    record = json.loads(Path(f"{env['MEDCHAIN_DATA']}/deployments/31337.json").read_text())["contracts"]
    contracts = {name: at(w3, name, record[name]["address"]) for name in record}
    accounts = w3.eth.accounts
    documents = Path(env["MEDCHAIN_DATA"]) / "documents"
    documents.mkdir(parents=True, exist_ok=True)
    participants, resources, custody, token = (contracts[n] for n in ("Participants", "Resources", "Custody",
                                                                        "PaymentToken"))
    for index, (name, roles) in ORGANIZATIONS.items():
        metadata = json.dumps({"name": name}, ensure_ascii=False).encode()
        (documents / raw_cid(metadata)).write_bytes(metadata)
        transact(w3, participants.functions.apply(raw_cid(metadata)), accounts[index])
        transact(w3, participants.functions.approve(accounts[index], int(roles)), accounts[0])
    manufacturer, supplier = accounts[1], accounts[3]
    cid = raw_cid(b"document")
    transact(w3, resources.functions.assign_prefix(COMPANY_PREFIX, COMPANY_PREFIX_DIGITS, manufacturer), accounts[0])
    transact(w3, resources.functions.register_product(GTIN, 1, "Метформин (Metformin)", "таблетки 500 мг", cid, cid),
             manufacturer)
    now = w3.eth.get_block("latest")["timestamp"]
    root = SerialTree.of(GTIN, [f"S{i:05d}" for i in range(QUANTITY * 2)]).root
    transact(w3, resources.functions.commission_batch(GTIN, LOT, now - 30 * DAY, now + 700 * DAY, QUANTITY * 2, root,
                                                      cid, cid), manufacturer)
    transact(w3, custody.functions.commission(GTIN, LOT), manufacturer)
    batch_id = resources.functions.batch_id(GTIN, LOT).call()
    receipt = transact(w3, custody.functions.ship(batch_id, supplier, QUANTITY * 2, cid), manufacturer)
    shipped = custody.events.Shipped().process_receipt(receipt)[0]["args"]
    record_ = (batch_id, shipped["shipper"], shipped["consignee"], shipped["quantity"], shipped["tenders"],
               shipped["tenderId"], shipped["shippedAt"])
    transact(w3, custody.functions.receiveShipment(shipped["shipmentId"], record_), supplier)
    for index in (2, 3, 4):
        transact(w3, token.functions.mint(accounts[index], FUNDS), accounts[0])
    files = tmp_path_factory.mktemp("tender-files")
    (files / "waybill-1.txt").write_text("ТОРГ-12 № 1")
    (files / "waybill-2.txt").write_text("ТОРГ-12 № 2")
    (files / "waybill-3.txt").write_text("ТОРГ-12 № 3")
    return {"w3": w3, "env": env, "accounts": accounts, "files": files, "tenders": contracts["Tenders"],
            "token": token, "custody": custody}


def tenders_run(cli_tender_world, *arguments, account=None, expect_success=True):
    return ape_run(["tenders", *map(str, arguments)], cli_tender_world["env"], account=account, expect_success=expect_success)


@pytest.fixture(scope="module")
def whole_tenders(cli_tender_world):
    """Tender 1 from the need to the payment; tender 2 terminated after a partial delivery. What
    each command printed, by step."""
    w3, files, out = cli_tender_world["w3"], cli_tender_world["files"], {}
    terms = ["--gtin", GTIN, "--quantity", QUANTITY, "--max-price", "10 000", "--bid-deadline", "+8d",
             "--reveal-deadline", "+10d", "--min-shelf-life", "180d", "--performance-security", "10%"]
    out["create"] = tenders_run(cli_tender_world, "create", *terms, "--delivery-deadline", "+30d", account=HOSPITAL)
    out["create_permit"] = tenders_run(cli_tender_world, "create", *terms, "--delivery-deadline", "+22d", "--funding", "permit",
                                       account=HOSPITAL)
    out["bid"] = tenders_run(cli_tender_world, "bid", 1, "--price", "8000", account=SUPPLIER)
    signed = files / "signed-bid.json"
    out["sign_only"] = tenders_run(cli_tender_world, "bid", 1, "--price", "9000.50", "--sign-only", signed, account=SECOND_SUPPLIER)
    out["relay"] = tenders_run(cli_tender_world, "relay", signed, account=RELAYER)
    out["second_supplier_sent"] = w3.eth.get_transaction_count(cli_tender_world["accounts"][4])
    tenders_run(cli_tender_world, "bid", 2, "--price", "9000", account=SUPPLIER)
    out["bid_wallet_salt"] = tenders_run(cli_tender_world, "bid", 2, "--price", "9500", "--salt-from-wallet",
                                         account=SECOND_SUPPLIER)
    out["reveal_early"] = tenders_run(cli_tender_world, "reveal", 1, account=SUPPLIER, expect_success=False)

    move_time(w3, 8 * DAY + 60)  # past the bid deadline: 44-FZ's 7 days of bidding, and one more
    out["reveal"] = tenders_run(cli_tender_world, "reveal", 1, account=SUPPLIER)
    out["reveal_second"] = tenders_run(cli_tender_world, "reveal", 1, account=SECOND_SUPPLIER)
    kept = Path(cli_tender_world["env"]["MEDCHAIN_DATA"]) / "sealed-bids"
    kept.rename(kept.with_name("sealed-bids-away"))
    out["reveal_lost_salt"] = tenders_run(cli_tender_world, "reveal", 2, account=SUPPLIER, expect_success=False)
    kept.with_name("sealed-bids-away").rename(kept)
    tenders_run(cli_tender_world, "reveal", 2, account=SUPPLIER)
    # another computer: a data folder holding only the deployment record, and the supplier's account
    fresh = files / "fresh-data-folder"
    shutil.copytree(Path(cli_tender_world["env"]["MEDCHAIN_DATA"]) / "deployments", fresh / "deployments")
    out["reveal_wallet_salt"] = ape_run(["tenders", "reveal", "2", "--price", "9500", "--salt-from-wallet"],
                                        {**cli_tender_world["env"], "MEDCHAIN_DATA": str(fresh)}, account=SECOND_SUPPLIER)
    out["fresh_folder_after_reveal"] = sorted(path.name for path in fresh.iterdir())
    out["award_early"] = tenders_run(cli_tender_world, "award", 1, account=HOSPITAL, expect_success=False)

    move_time(w3, 2 * DAY)
    out["award"] = tenders_run(cli_tender_world, "award", 1, account=HOSPITAL)
    tenders_run(cli_tender_world, "award", 2, account=HOSPITAL)
    out["secure"] = tenders_run(cli_tender_world, "secure", 1, account=SUPPLIER)
    out["secure_permit"] = tenders_run(cli_tender_world, "secure", 2, "--funding", "permit", account=SUPPLIER)
    out["deliver"] = tenders_run(cli_tender_world, "deliver", 1, "--gtin", GTIN, "--lot", LOT, "--quantity", 60,
                                 "--waybill", files / "waybill-1.txt", account=SUPPLIER)
    out["accept"] = tenders_run(cli_tender_world, "accept", 1, 2, account=HOSPITAL)
    tenders_run(cli_tender_world, "deliver", 1, "--gtin", GTIN, "--lot", LOT, "--quantity", 40, "--waybill",
                files / "waybill-2.txt", account=SUPPLIER)
    out["accept_last"] = tenders_run(cli_tender_world, "accept", 1, 3, account=HOSPITAL)
    tenders_run(cli_tender_world, "deliver", 2, "--gtin", GTIN, "--lot", LOT, "--quantity", 25, "--waybill",
                files / "waybill-3.txt", account=SUPPLIER)
    tenders_run(cli_tender_world, "accept", 2, 4, account=HOSPITAL)
    out["show"] = tenders_run(cli_tender_world, "show", 1)
    out["withdraw_loser"] = tenders_run(cli_tender_world, "withdraw", "--tender", 1, account=SECOND_SUPPLIER)
    out["withdraw_winner"] = tenders_run(cli_tender_world, "withdraw", account=SUPPLIER)
    out["terminate_early"] = tenders_run(cli_tender_world, "terminate", 2, account=HOSPITAL, expect_success=False)

    # Past tender 2's delivery deadline (day 22), the receipt period and the acceptance grace.
    move_time(w3, 12 * DAY + 30 * DAY)
    out["terminate"] = tenders_run(cli_tender_world, "terminate", 2, account=HOSPITAL)
    out["list"] = tenders_run(cli_tender_world, "show")
    out["export"] = tenders_run(cli_tender_world, "export", 1, "--out", files / "tender-1.json")
    return out


def test_create__published_and_escrow_funded(cli_tender_world, whole_tenders):
    tenders = cli_tender_world["tenders"]
    assert "Tender 1 published by" in whole_tenders["create"] and "funded by approve" in whole_tenders["create"]
    assert "Tender 2 published by" in whole_tenders["create_permit"]
    hospital, _, gtin, quantity, max_price, *_ = tenders.functions.tender(1).call()
    assert (hospital, gtin, quantity, max_price) == (cli_tender_world["accounts"][2], GTIN, QUANTITY, 10_000 * RUBLE)
    assert cli_tender_world["token"].functions.nonces(cli_tender_world["accounts"][2]).call() == 1  # tender 2's permit


def test_bid__committed_salt_kept_owner_only_and_never_printed(cli_tender_world, whole_tenders):
    supplier = cli_tender_world["accounts"][3]
    assert f"Bid of {supplier} on tender 1 committed, sealed; bid security 100.00 RUB posted" in whole_tenders["bid"]
    folder = Path(cli_tender_world["env"]["MEDCHAIN_DATA"]) / "sealed-bids"
    files = [path for path in folder.rglob("*.json") if supplier in str(path) and "/1/" in str(path)]
    assert len(files) == 1 and stat.S_IMODE(os.stat(files[0]).st_mode) == 0o600
    salt = json.loads(files[0].read_text())["salt"]
    for output in filter(lambda value: isinstance(value, str), whole_tenders.values()):
        assert salt[2:] not in output and salt[2:].upper() not in output
    assert f"Its salt is kept in {files[0].parent}" in whole_tenders["bid"]


def test_bid_sign_only_and_relay__the_supplier_sends_nothing(cli_tender_world, whole_tenders):
    second, relayer = cli_tender_world["accounts"][4], cli_tender_world["accounts"][5]
    assert "signed into" in whole_tenders["sign_only"] and "ape run tenders relay" in whole_tenders["sign_only"]
    assert f"Bid of {second} on tender 1 committed, relayed by {relayer}" in whole_tenders["relay"]
    assert whole_tenders["second_supplier_sent"] == 1  # only its `apply` to the registry


def test_reveal__price_from_the_kept_salt(whole_tenders):
    assert "on tender 1 revealed: 8,000.00 RUB, the lowest so far." in whole_tenders["reveal"]
    assert "on tender 1 revealed: 9,000.50 RUB, not the lowest." in whole_tenders["reveal_second"]


def test_bid_and_reveal__salt_from_wallet__nothing_kept_and_revealed_from_another_data_folder(cli_tender_world, whole_tenders):
    second = cli_tender_world["accounts"][4]
    assert "Its salt comes from your account's signature" in whole_tenders["bid_wallet_salt"]
    assert "--price 9500 --salt-from-wallet" in whole_tenders["bid_wallet_salt"]
    kept = Path(cli_tender_world["env"]["MEDCHAIN_DATA"]) / "sealed-bids"
    assert not [path for path in kept.rglob("*.json") if second in str(path) and "/2/" in str(path)]
    assert f"Bid of {second} on tender 2 revealed: 9,500.00 RUB, not the lowest." in whole_tenders["reveal_wallet_salt"]
    assert whole_tenders["fresh_folder_after_reveal"] == ["deployments"]


def test_reveal__too_early__decoded_reason_without_trace(whole_tenders):
    out = whole_tenders["reveal_early"]
    assert "refused by the contract: bids on tender 1 are revealed after" in out and "(NotRevealPeriod)" in out
    assert "Call trace" not in out


def test_reveal__salt_lost__says_what_to_do(whole_tenders):
    out = whole_tenders["reveal_lost_salt"]
    assert "Error: no kept salt opens the bid of" in out and "copy that folder's sealed-bids/ files" in out


def test_award__too_early_then_to_the_lowest(cli_tender_world, whole_tenders):
    assert "award it after that (RevealNotOver)" in whole_tenders["award_early"]
    assert f"Tender 1 awarded to {cli_tender_world['accounts'][3]} at 8,000.00 RUB. Performance security 800.00 RUB due by" in (
        whole_tenders["award"])


def test_secure__contract_concluded(whole_tenders):
    assert "Performance security 800.00 RUB posted on tender 1" in whole_tenders["secure"]
    assert "Performance security 900.00 RUB posted on tender 2" in whole_tenders["secure_permit"]


def test_deliver_and_accept__completed_and_paid(cli_tender_world, whole_tenders):
    assert "Shipment 2: 60 units of" in whole_tenders["deliver"] and "ape run tenders accept 1 2" in whole_tenders["deliver"]
    assert "Shipment 2 accepted for tender 1: 60 units counted, 60 of 100 delivered." in whole_tenders["accept"]
    assert "Tender 1 completed: 8,000.00 RUB and the performance security 800.00 RUB are owed to" in (
        whole_tenders["accept_last"])
    custody = cli_tender_world["custody"]
    batch_id = at(cli_tender_world["w3"], "Resources", custody.functions.resources().call()).functions.batch_id(GTIN, LOT).call()
    assert custody.functions.balanceOf(batch_id, cli_tender_world["accounts"][2]).call() == 60 + 40 + 25  # tender 2's too


def test_show__terms_winner_and_parties(cli_tender_world, whole_tenders):
    out = whole_tenders["show"]
    assert "tender:         1: completed" in out
    assert f"hospital:       ГБУЗ «Городская больница № 3» ({cli_tender_world['accounts'][2]})" in out
    assert f"product:        GTIN {GTIN:014d}" in out and "maximum price:  10,000.00 RUB" in out
    assert "bids:           2 committed, 2 revealed" in out and "delivered:      100 of 100" in out
    assert f"winner:         ООО «Фарм-Поставка» ({cli_tender_world['accounts'][3]}) at 8,000.00 RUB" in out
    assert "bid 9,000.50 RUB; bid security 100.00 RUB to take back" in out
    # The winner: price, performance security and bid security of tender 1, bid security of tender 2.
    assert "may withdraw 9,000.00 RUB" in out


def test_withdraw__bid_security_and_payment(cli_tender_world, whole_tenders):
    assert "Bid security of tender 1 returned: 100.00 RUB." in whole_tenders["withdraw_loser"]
    assert f"Withdrawn: 9,000.00 RUB to {cli_tender_world['accounts'][3]}." in whole_tenders["withdraw_winner"]
    # Since then only tender 2's termination paid the supplier (pro rata, 2,250 rubles).
    assert cli_tender_world["tenders"].functions.owed(cli_tender_world["accounts"][3]).call() == 2_250 * RUBLE


def test_terminate__too_early_then_pro_rata(whole_tenders):
    assert "(DeliveriesStillDue)" in whole_tenders["terminate_early"]
    # 25 of 100 delivered: a quarter of 9,000 to the supplier, the rest and the 900 security back.
    assert "Tender 2 terminated: 2,250.00 RUB owed to the supplier for what it delivered, 7,650.00 RUB" in (
        whole_tenders["terminate"])


def test_show__list_of_tenders(whole_tenders):
    lines = [line for line in whole_tenders["list"].splitlines() if line.strip()[:1].isdigit()]
    assert [line.split()[:2] for line in lines] == [["1", "completed"], ["2", "terminated"]]


def test_cancel__escrow_back_and_bidder_takes_its_security(cli_tender_world):
    tenders_run(cli_tender_world, "create", "--gtin", GTIN, "--quantity", 10, "--max-price", "1000", "--bid-deadline", "+8d",
                "--reveal-deadline", "+10d", "--delivery-deadline", "+30d", account=HOSPITAL)
    tender_id = cli_tender_world["tenders"].functions.tenderCount().call()
    tenders_run(cli_tender_world, "bid", tender_id, "--price", "900", account=SECOND_SUPPLIER)

    cancelled = tenders_run(cli_tender_world, "cancel", tender_id, account=HOSPITAL)
    withdrawn = tenders_run(cli_tender_world, "withdraw", "--tender", tender_id, account=SECOND_SUPPLIER)

    assert f"Tender {tender_id} cancelled: 1,000.00 RUB owed back to" in cancelled
    assert f"Bid security of tender {tender_id} returned: 10.00 RUB." in withdrawn
    assert cli_tender_world["tenders"].functions.held(tender_id).call() == 0


def test_create__bad_input__clear_error_nothing_sent(cli_tender_world):
    hospital = cli_tender_world["accounts"][2]
    sent = cli_tender_world["w3"].eth.get_transaction_count(hospital)
    out = tenders_run(cli_tender_world, "create", "--gtin", GTIN, "--quantity", 10, "--max-price", "12.345", "--bid-deadline",
                      "+8d", "--reveal-deadline", "+10d", "--delivery-deadline", "+30d", account=HOSPITAL,
                      expect_success=False)
    assert "Error: --max-price '12.345' has fractions of a kopeck; give at most two decimals" in out
    assert cli_tender_world["w3"].eth.get_transaction_count(hospital) == sent


def test_withdraw__nothing_owed__says_so(cli_tender_world):
    out = tenders_run(cli_tender_world, "withdraw", account=RELAYER, expect_success=False)
    assert "Error: nothing is owed to" in out and "name its tender with --tender" in out


def test_export__the_tender_as_ocds_releases(cli_tender_world, whole_tenders):
    package = json.loads((cli_tender_world["files"] / "tender-1.json").read_text())
    releases = package["releases"]
    assert f"Tender 1: {len(releases)} OCDS releases written to" in whole_tenders["export"]
    assert len(releases) > 5 and len({r["ocid"] for r in releases}) == 1
    assert "award" in {tag for r in releases for tag in r["tag"]}
