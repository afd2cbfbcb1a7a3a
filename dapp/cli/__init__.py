"""What the `ape run` commands share: platform errors shown as clean command-line errors, the
database helpers of the stock and market commands, and the status `make run` prints.
"""


from dapp.cli.errors import platform_errors

__all__ = ["platform_errors"]
