"""Verify a pack: a typed or scanned code, or a photo of its label, against the chain.

    ape run verify "https://id.medchain.example/01/04607001120018/10/MF2406/21/4iiWB3e0ZyOoy?17=270131" \\
        --network ethereum:local:foundry
    ape run verify label.jpg --at 0xa0Ee7A142d267C1f36714E4a8F75612F20a79720 --network ...
    ape run verify label.png --json --network ...

    ape run verify CODE --resolver https://id.medchain.example --rpc https://node.example
        (the deployment from the resolver's /.well-known/medchain/deployment.json, checked
        against the chain at --rpc before it is used)
    ape run verify --recheck verdict.json --rpc https://node.example
        (a resolver's JSON verdict recomputed from its receipt against any node: the calls at
        its block, the proof against the on-chain root, the reasons derived again)

Exit status: 0 GENUINE, 1 SUSPECT (every reason is printed), 2 the input is not a readable
code (a malformed code, no code in the photo, not an image), 3 the platform cannot answer
(not deployed on this chain, proof store or chain unreachable). With --recheck: 0 the chain
agrees with the verdict, 1 it does not (every difference is printed), 2 the file is not a
verdict, 3 the node cannot answer.

The verdict is printed in the language LANG (or LANGUAGE, LC_ALL, LC_MESSAGES) asks for: Russian
or English; `--json` keeps its machine codes (reasons, statuses) and has messages in that language.
"""

import sys
from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand

from dapp.errors import InvalidCodeError, PlatformError
from dapp.i18n import _
from dapp.verification.text import render_verdict

EXIT_GENUINE, EXIT_SUSPECT, EXIT_BAD_INPUT, EXIT_UNAVAILABLE = 0, 1, 2, 3


def _codes(code_or_image: str) -> list[str]:
    """The code texts: the argument itself, or every code decoded from the image file it names."""
    path = Path(code_or_image)
    if path.is_file():
        from dapp.codes.qr import decode_codes

        return [decoded.text for decoded in decode_codes(path)]
    return [code_or_image]


def _recheck(path: str, rpc: str | None, resolver: str | None, as_json: bool) -> None:
    """`--recheck`: recompute the verdict in `path` from its receipt; exits with the outcome."""
    import json

    from dapp.verification.receipts import recheck
    from dapp.verification.service import rpc_url

    try:
        verdict = json.loads(Path(path).read_text())
        if not isinstance(verdict, dict) or "status" not in verdict:
            raise ValueError(_("not a verdict"))
    except (OSError, ValueError) as error:
        click.echo(_("Error: {path} is not a verdict's JSON ({error})").format(path=path, error=error), err=True)
        sys.exit(EXIT_BAD_INPUT)
    uri = rpc or rpc_url()
    deployment = None
    try:
        if resolver:
            from dapp.verification.public_record import checked_deployment

            deployment = checked_deployment(resolver, uri)
        outcome = recheck(verdict, uri, deployment)
    except PlatformError as error:
        click.echo(_("Error: {error}").format(error=error), err=True)
        sys.exit(EXIT_UNAVAILABLE)
    if as_json:
        click.echo(json.dumps({"matches": outcome.matches, "block": outcome.block, "calls": outcome.checked_calls,
                               "proof_checked": outcome.proof_checked, "differences": outcome.differences, "notes": outcome.notes},
                              ensure_ascii=False, indent=2))
    elif outcome.matches:
        click.echo(_("MATCHES: the chain at {uri} agrees with this verdict ({status}) at block {number} ({hash}): "
                     "{calls} calls gave the same results and the verdict derived again is the same.").format(
                         uri=uri, status=verdict.get("status"), number=outcome.block.get("number"),
                         hash=outcome.block.get("hash"), calls=outcome.checked_calls))
        if outcome.proof_checked:
            click.echo(_("The Merkle proof leads from the pack's leaf to the batch's serials root on chain."))
    else:
        click.echo(_("DOES NOT MATCH: the chain at {uri} does not agree with this verdict:").format(uri=uri))
        for difference in outcome.differences:
            click.echo(f"  - {difference}")
    for note in outcome.notes if not as_json else ():
        click.echo(_("Note: {note}").format(note=note))
    sys.exit(EXIT_GENUINE if outcome.matches else EXIT_SUSPECT)


@click.command(cls=ConnectedProviderCommand, short_help="Verify a pack's code or label photo")
@click.argument("code_or_image", required=False)
@click.option("--at", "scanner", default=None, help="The organization scanning (its account): flags batches it never held.")
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
@click.option("--recheck", "recheck_file", default=None, metavar="VERDICT.json",
              help="Recompute a resolver's JSON verdict from its receipt and say whether the chain agrees.")
@click.option("--rpc", default=None, metavar="URL", help="The chain's node to read (default MEDCHAIN_RPC_URL).")
@click.option("--resolver", default=None, metavar="URL",
              help="Take the deployment from this resolver's public record, checked against the chain first.")
def cli(code_or_image, scanner, as_json, recheck_file, rpc, resolver):
    from dapp.verification.verdicts import Verifier

    if recheck_file:
        _recheck(recheck_file, rpc, resolver, as_json)
    if not code_or_image:
        raise click.UsageError(_("give a code or a label photo to verify, or --recheck VERDICT.json"))
    try:
        codes = _codes(code_or_image)
        if resolver:
            from dapp.verification.public_record import verifier_from_resolver

            verifier = verifier_from_resolver(resolver, rpc)
        else:
            verifier = Verifier.at(rpc) if rpc else Verifier()
        verdicts = [verifier.verify_text(code, scanner) for code in codes]
    except InvalidCodeError as error:
        click.echo(_("Error: {error}").format(error=error), err=True)
        sys.exit(EXIT_BAD_INPUT)
    except PlatformError as error:
        click.echo(_("Error: {error}").format(error=error), err=True)
        sys.exit(EXIT_BAD_INPUT if error.__class__.__name__ in ("NotAnImageError", "NoCodeFoundError")
                 else EXIT_UNAVAILABLE)
    for verdict in verdicts:
        click.echo(verdict.to_json() if as_json else render_verdict(verdict))
    sys.exit(EXIT_GENUINE if all(v.genuine for v in verdicts) else EXIT_SUSPECT)
