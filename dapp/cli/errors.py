"""What the Ape scripts share: platform errors shown as clean command-line errors."""

from __future__ import annotations

import functools

import click

from dapp.errors import PlatformError
from dapp.i18n import _


class PlatformClickError(click.ClickException):
    """click's `Error: ...`, the word in the current language."""

    def show(self, file=None) -> None:
        click.echo(_("Error: {error}").format(error=self.format_message()), err=True)


def platform_errors(command):
    """Show a PlatformError as `Error: <what was wrong and what to do>`, exit status 1."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except PlatformError as error:
            raise PlatformClickError(str(error)) from None

    return wrapper
