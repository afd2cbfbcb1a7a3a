"""Who a browser session acts for: Sign-In with Ethereum (EIP-4361, ERC-1271 contract wallets
too), an account's standing in the registry, and the dev mode of a local chain.

The server never takes an address a page merely claims: a session acts for an account only
after it signed a sign-in message the server issued (`sign_in`), or, on a local chain in dev
mode only, after it chose one of anvil's dev accounts (`dev_mode`). Tested without Streamlit.
"""

from dapp.identity.dev_mode import DevMode, DevModeRefused, DemoIdentity, demo_identities, dev_mode_at, dev_mode_status
from dapp.identity.sign_in import NonceBook, SignInRefused, SignedIn, sign_in_message, verify_sign_in
from dapp.identity.standing import Standing, standing_of

__all__ = [
    "DemoIdentity", "DevMode", "DevModeRefused", "NonceBook", "SignInRefused", "SignedIn", "Standing",
    "demo_identities", "dev_mode_at", "dev_mode_status", "sign_in_message", "standing_of", "verify_sign_in",
]
