"""Verify a pack: a typed or scanned code, or a photo of its label, against the chain.

    ape run verify "https://id.medchain.example/01/04607001120018/10/MF2406/21/4iiWB3e0ZyOoy?17=270131" \\
        --network ethereum:local:foundry
    ape run verify label.jpg --at 0xa0Ee7A142d267C1f36714E4a8F75612F20a79720 --network ...
    ape run verify label.png --json --network ...

Exit status: 0 GENUINE, 1 SUSPECT (every reason is printed), 2 the input is not a readable
code (a malformed code, no code in the photo, not an image), 3 the platform cannot answer
(not deployed on this chain, proof store or chain unreachable).

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


@click.command(cls=ConnectedProviderCommand, short_help="Verify a pack's code or label photo")
@click.argument("code_or_image")
@click.option("--at", "scanner", default=None, help="The organization scanning (its account): flags batches it never held.")
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
def cli(code_or_image, scanner, as_json):
    from dapp.verification.verdicts import Verifier

    try:
        codes = _codes(code_or_image)
        verifier = Verifier()
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
