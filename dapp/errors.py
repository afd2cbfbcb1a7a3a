"""The platform's own errors: each says what was wrong and what to do."""


class PlatformError(Exception):
    """Base of every error the platform raises on purpose."""


class InvalidCodeError(PlatformError, ValueError):
    """A product code (GTIN, serial, lot, date) is malformed."""


class DeploymentError(PlatformError):
    """The contracts are not deployed on the connected chain, or the record is wrong."""


class TransactionRefused(PlatformError):
    """The chain refused a transaction; the message is the contract's decoded reason."""


class ChainUnreachable(PlatformError):
    """The node does not answer, or answers with an error."""
