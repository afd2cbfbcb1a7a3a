"""The registry of products and batches (Resources): company prefixes, register, commission,
recall, withdraw, lift a recall, reassign or claim a product, show.

    ape run products assign-prefix 4607001 0xMANUFACTURER --network ... --account REGULATOR

    ape run products register --gtin 04607001120056 --category drug --name "Лизиноприл (Lisinopril)" \\
        --form "таблетки 10 мг № 30" --characteristics spec.json --certificate certificate.pdf \\
        --network ethereum:local:foundry --account MANUFACTURER
    ape run products commission --gtin 04607001120056 --lot LS2511 --manufactured 2025-11-01 \\
        --expires 2027-10-31 --serials serials.txt --documents quality.pdf --network ... --account ...
    ape run products show --gtin 04607001120056 --lot LS2511 --network ...
    ape run products labels --gtin 04607001120056 --lot LS2511 --first 1 --count 30 --pdf labels.pdf --network ...

The serial list stays with the manufacturer; only its Merkle root goes on-chain.
"""

from datetime import datetime, timezone
from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand, account_option

from dapp.actions import resources as resource_actions
from dapp.actions.resources import REASONS
from dapp.batches.commissioning import kept_serials
from dapp.batches.labels import MAX_LABELS, batch_sheet_pdf
from dapp.chain.connection import contract, current_deployment
from dapp.chain.signers import ApeSigner, carry_out
from dapp.cli.errors import platform_errors
from dapp.errors import PlatformError
from dapp.documents.default_store import save_document
from dapp.codes.gs1 import gtin_to_int, parse_gtin
from dapp.inputs.registry import parse_category, parse_day, read_document, read_serial_list
from dapp.verification.merkle import SerialTree
from dapp.verification.proofs import ProofStore, publish_tree
from dapp.roles import BatchStatus, Category
from dapp.i18n import _

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


@click.group(short_help="The registry of products and batches")
def cli():
    pass


def _document(path) -> str:
    return save_document(read_document(path))


def _day(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d")


gtin_option = click.option("--gtin", required=True, help="The product's GTIN (8, 12, 13 or 14 digits).")
lot_option = click.option("--lot", required=True, help="The lot (batch) number, GS1 AI (10).")


@cli.command(cls=ConnectedProviderCommand, short_help="Register a product (manufacturer)")
@account_option()
@gtin_option
@click.option("--category", required=True, help="drug, device or consumable.")
@click.option("--name", required=True, help="Trade name and international non-proprietary name.")
@click.option("--form", "dosage_form", required=True, help="Dosage form and strength, or the device's model.")
@click.option("--characteristics", required=True, type=click.Path(dir_okay=False))
@click.option("--certificate", required=True, type=click.Path(dir_okay=False), help="The registration certificate.")
@platform_errors
def register(account, gtin, category, name, dosage_form, characteristics, certificate):
    gtin14 = parse_gtin(gtin)
    action = resource_actions.register_product(current_deployment(), account, gtin14, parse_category(category), name,
                                               dosage_form, _document(characteristics), _document(certificate))
    carry_out(action, ApeSigner(account))
    click.echo(f"Product {gtin14} registered by {account.address}.")


@cli.command(cls=ConnectedProviderCommand, short_help="Commission a batch from its serial list (manufacturer)")
@account_option()
@gtin_option
@lot_option
@click.option("--manufactured", required=True, help="Manufacture date, YYYY-MM-DD.")
@click.option("--expires", required=True, help="Expiry date, YYYY-MM-DD (valid through that day).")
@click.option("--serials", required=True, type=click.Path(dir_okay=False), help="The serial list, one per line.")
@click.option("--documents", required=True, type=click.Path(dir_okay=False), help="The quality certificate.")
@platform_errors
def commission(account, gtin, lot, manufactured, expires, serials, documents):
    gtin_number = gtin_to_int(gtin)
    serial_list = read_serial_list(serials)
    tree = SerialTree.of(gtin_number, serial_list)
    resources = contract("Resources")
    action = resource_actions.commission_batch(
        current_deployment(), account, gtin_number, lot, parse_day(manufactured), parse_day(expires, end_of_day=True),
        len(serial_list), tree.root, _document(documents), publish_tree(tree))
    carry_out(action, ApeSigner(account))
    # The proofs every pack of the batch will be verified with (hashes only, no serial); the same
    # tree is published (its CID is on chain with the batch) for verifiers without this folder.
    ProofStore().save(bytes(resources.batch_id(gtin_number, lot)), tree)
    click.echo(f"Batch {parse_gtin(gtin)}/{lot} commissioned: {len(serial_list)} units, root 0x{tree.root.hex()}.")


def _retire(account, gtin, lot, reason_code, reason, retire, done):
    prepare = getattr(resource_actions, retire)
    carry_out(prepare(current_deployment(), account, gtin, lot, reason_code, _document(reason)), ApeSigner(account))
    click.echo(f"Batch {parse_gtin(gtin)}/{lot} {done} ({REASONS.get(reason_code, reason_code)}).")


reason_options = [
    click.option("--reason-code", required=True, type=click.IntRange(1, 255),
                 help="1 quality defect, 2 falsified, 3 regulatory decision, 4 labelling error, 5 other."),
    click.option("--reason", required=True, type=click.Path(dir_okay=False), help="The decision document."),
]


def with_reason(command):
    for option in reversed(reason_options):
        command = option(command)
    return command


@cli.command(cls=ConnectedProviderCommand, short_help="Recall a batch (manufacturer or regulator)")
@account_option()
@gtin_option
@lot_option
@with_reason
@platform_errors
def recall(account, gtin, lot, reason_code, reason):
    _retire(account, gtin, lot, reason_code, reason, "recall_batch", "recalled")


@cli.command(cls=ConnectedProviderCommand, short_help="Withdraw a batch from circulation (manufacturer or regulator)")
@account_option()
@gtin_option
@lot_option
@with_reason
@platform_errors
def withdraw(account, gtin, lot, reason_code, reason):
    _retire(account, gtin, lot, reason_code, reason, "withdraw_batch", "withdrawn")


PENDING = ("Confirmed; it is carried out when a quorum of the active regulators (more than half) has run the "
           "same command.")


@cli.command("assign-prefix", cls=ConnectedProviderCommand,
             short_help="Assign a GS1 company prefix to a manufacturer (regulator)")
@account_option()
@click.argument("prefix")
@click.argument("manufacturer")
@platform_errors
def assign_prefix(account, prefix, manufacturer):
    carry_out(resource_actions.assign_prefix(current_deployment(), account, prefix, manufacturer), ApeSigner(account))
    if contract("Resources").prefix_owner(int(prefix), len(prefix)).lower() == manufacturer.lower():
        click.echo(f"Company prefix {prefix} assigned to {manufacturer}.")
    else:
        click.echo(PENDING)


@cli.command(cls=ConnectedProviderCommand, short_help="Give a product to another manufacturer (regulators)")
@account_option()
@gtin_option
@click.argument("manufacturer")
@click.option("--reason", required=True, type=click.Path(dir_okay=False), help="The decision document.")
@platform_errors
def reassign(account, gtin, manufacturer, reason):
    action = resource_actions.reassign_product(current_deployment(), account, gtin, manufacturer, _document(reason))
    carry_out(action, ApeSigner(account))
    if contract("Resources").product(int(parse_gtin(gtin))).manufacturer.lower() == manufacturer.lower():
        click.echo(f"Product {parse_gtin(gtin)} now belongs to {manufacturer}.")
    else:
        click.echo(PENDING)


@cli.command(cls=ConnectedProviderCommand, short_help="Take over a predecessor's product (its successor)")
@account_option()
@gtin_option
@platform_errors
def claim(account, gtin):
    carry_out(resource_actions.claim_product(current_deployment(), account, gtin), ApeSigner(account))
    click.echo(f"Product {parse_gtin(gtin)} now belongs to {account.address}.")


@cli.command(cls=ConnectedProviderCommand, short_help="Lift a recall or withdrawal (regulators)")
@account_option()
@gtin_option
@lot_option
@click.option("--reason", required=True, type=click.Path(dir_okay=False), help="The decision document.")
@platform_errors
def reinstate(account, gtin, lot, reason):
    action = resource_actions.reinstate_batch(current_deployment(), account, gtin, lot, _document(reason))
    carry_out(action, ApeSigner(account))
    if contract("Resources").batch(int(parse_gtin(gtin)), lot).status == BatchStatus.ACTIVE:
        click.echo(f"Batch {parse_gtin(gtin)}/{lot} is active again.")
    else:
        click.echo(PENDING)


@cli.command(cls=ConnectedProviderCommand, short_help="Show a product, or one of its batches")
@gtin_option
@click.option("--lot", default=None, help="Show this batch too.")
@platform_errors
def show(gtin, lot):
    resources = contract("Resources")
    gtin14 = parse_gtin(gtin)
    product = resources.product(int(gtin14))
    if product.manufacturer == ZERO_ADDRESS:
        raise click.ClickException(_("no product is registered under GTIN {gtin14}").format(gtin14=gtin14))
    click.echo(f"GTIN:          {gtin14}")
    click.echo(f"name:          {product.name}")
    click.echo(f"form:          {product.dosage_form}")
    click.echo(f"category:      {Category(product.category).name.lower()}")
    click.echo(f"manufacturer:  {product.manufacturer}")
    click.echo(f"documents:     characteristics {product.characteristics_cid}, certificate {product.certificate_cid}")
    if lot is not None:
        batch = resources.batch(int(gtin14), lot)
        if batch.status == BatchStatus.NONE:
            raise click.ClickException(_("no batch {lot!r} of {gtin14} is commissioned").format(lot=lot, gtin14=gtin14))
        click.echo(f"lot:           {lot}")
        click.echo(f"status:        {BatchStatus(batch.status).name.lower()}"
                   + (f" ({REASONS.get(batch.reason_code, batch.reason_code)})" if batch.reason_code else ""))
        click.echo(f"manufactured:  {_day(batch.manufactured)}")
        click.echo(f"expires:       {_day(batch.expires)}")
        click.echo(f"quantity:      {batch.quantity}")
        click.echo(f"serials root:  0x{bytes(batch.serials_root).hex()}")


@cli.command(cls=ConnectedProviderCommand, short_help="A batch's label sheet: a PDF of QR labels (manufacturer)")
@gtin_option
@lot_option
@click.option("--first", default=1, show_default=True, type=click.IntRange(min=1),
              help="The first label's place in the batch's serial list (from 1).")
@click.option("--count", default=15, show_default=True, type=click.IntRange(1, MAX_LABELS), help="Labels to print.")
@click.option("--serials", default=None, type=click.Path(dir_okay=False),
              help="The batch's serial list, when this machine does not keep it (checked against the chain).")
@click.option("--pdf", "pdf_path", required=True, type=click.Path(dir_okay=False), help="Where to write the sheet.")
@platform_errors
def labels(gtin, lot, first, count, serials, pdf_path):
    resources = contract("Resources")
    gtin14 = parse_gtin(gtin)
    batch = resources.batch(int(gtin14), lot)
    if batch.status == BatchStatus.NONE:
        raise PlatformError(_("no batch {lot!r} of {gtin14} is commissioned").format(lot=lot, gtin14=gtin14))
    if serials is not None:
        serial_list = read_serial_list(serials)
        if SerialTree.of(int(gtin14), serial_list).root != bytes(batch.serials_root):
            raise PlatformError(_("{path} is not the serial list of batch {gtin14}/{lot}: its Merkle root is not the "
                                  "one on chain").format(path=serials, gtin14=gtin14, lot=lot))
    else:
        serial_list = kept_serials(gtin14, lot)
        if serial_list is None:
            raise PlatformError(_("this machine does not keep the serial list of batch {gtin14}/{lot}: give it with "
                                  "--serials FILE").format(gtin14=gtin14, lot=lot))
    sheet = batch_sheet_pdf(resources.product(int(gtin14)).name, gtin14, lot, int(batch.expires), serial_list, first,
                            count)
    try:
        Path(pdf_path).write_bytes(sheet)
    except OSError as error:
        raise PlatformError(_("cannot write {path}: {error}").format(path=pdf_path, error=error)) from None
    printed = min(count, len(serial_list) - first + 1)
    click.echo(_("Label sheet of batch {gtin14}/{lot}: serials {first} to {last} of {total}, in {path}.").format(
        gtin14=gtin14, lot=lot, first=first, last=first + printed - 1, total=len(serial_list), path=pdf_path))
