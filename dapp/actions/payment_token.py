"""The payment token (kopecks of a ruble settlement token): allowances, and minting on
local and test networks."""

from __future__ import annotations

from dapp.chain.actions import ActionError, ContractCall, PreparedAction, action, address_of, call_at, prepare_call
from dapp.chain.deployment import Deployment
from dapp.formats import rubles
from dapp.i18n import _


def approve_call(token: str, spender, amount: int, spender_name: str = "") -> ContractCall:
    """The `approve` call of the token at `token` letting `spender` take `amount` (a part of a
    larger action)."""
    spender = address_of(spender)
    return call_at(token, "PaymentToken", "approve", [spender, int(amount)],
                   _("allow {spender} to take {amount} of the payment token").format(
                       spender=spender_name or spender, amount=rubles(amount)))


def approve(deployment: Deployment, owner, spender, amount: int) -> PreparedAction:
    if amount < 0:
        raise ActionError(_("an allowance cannot be negative"))
    return action(owner, _("approve {spender} for {amount}").format(spender=address_of(spender), amount=rubles(amount)),
                  approve_call(deployment.address("PaymentToken"), spender, amount))


def mint(deployment: Deployment, owner, to, amount: int) -> PreparedAction:
    """The token's owner mints (local and test networks only)."""
    if amount <= 0:
        raise ActionError(_("mint more than zero"))
    to = address_of(to)
    return action(owner, _("mint {amount} to {to}").format(amount=rubles(amount), to=to),
                  prepare_call(deployment, "PaymentToken", "mint", [to, int(amount)],
                               _("mint {amount} of the payment token to {to}").format(amount=rubles(amount), to=to)))
