"""Sign-In with Ethereum: the server's nonces, the message, and every refusal (no chain needed)."""

from datetime import datetime, timedelta, timezone

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct

from dapp.identity import NonceBook, SignInRefused, sign_in_message, verify_sign_in

DOMAIN = "127.0.0.1:8501"
URI = "http://127.0.0.1:8501"
CHAIN = 31337
KEY = Account.create()
OTHER = Account.create()


def sign(account, message: str) -> str:
    return "0x" + bytes(account.sign_message(encode_defunct(text=message)).signature).hex()


def message(book, session="session-a", **changes):
    arguments = dict(domain=DOMAIN, uri=URI, address=KEY.address, chain_id=CHAIN) | changes
    return sign_in_message(book, session, **arguments)


def test_sign_in__accepted__the_session_acts_for_the_signer():
    book = NonceBook()
    text = message(book)
    assert text.startswith(f"{DOMAIN} wants you to sign in with your Ethereum account:\n{KEY.address}")
    assert "Chain ID: 31337" in text and "Expiration Time:" in text
    signed_in = verify_sign_in(book, "session-a", text, sign(KEY, text), domain=DOMAIN, chain_id=CHAIN)
    assert signed_in.account == KEY.address and not signed_in.contract_wallet


def test_sign_in__replayed__refused():
    book = NonceBook()
    text = message(book)
    signature = sign(KEY, text)
    verify_sign_in(book, "session-a", text, signature, domain=DOMAIN, chain_id=CHAIN)
    with pytest.raises(SignInRefused, match="already used"):
        verify_sign_in(book, "session-a", text, signature, domain=DOMAIN, chain_id=CHAIN)
    with pytest.raises(SignInRefused, match="never issued to your session"):  # in another browser session
        verify_sign_in(book, "session-b", text, signature, domain=DOMAIN, chain_id=CHAIN)


def test_sign_in__expired_message__refused():
    book = NonceBook()
    text = message(book, now=datetime.now(timezone.utc) - timedelta(minutes=10))
    with pytest.raises(SignInRefused, match="expired"):
        verify_sign_in(book, "session-a", text, sign(KEY, text), domain=DOMAIN, chain_id=CHAIN)


def test_sign_in__expired_nonce__refused():
    now = [1000.0]
    book = NonceBook(lifetime=60, clock=lambda: now[0])
    text = message(book, lifetime=3600)  # a message that claims a long life does not extend its nonce
    now[0] += 61
    with pytest.raises(SignInRefused, match="expired"):
        verify_sign_in(book, "session-a", text, sign(KEY, text), domain=DOMAIN, chain_id=CHAIN)


def test_sign_in__another_domain__refused():
    book = NonceBook()
    text = message(book, domain="evil.example", uri="https://evil.example")
    with pytest.raises(SignInRefused, match="for evil.example, not for 127.0.0.1:8501"):
        verify_sign_in(book, "session-a", text, sign(KEY, text), domain=DOMAIN, chain_id=CHAIN)


def test_sign_in__another_chain__refused():
    book = NonceBook()
    text = message(book, chain_id=1)
    with pytest.raises(SignInRefused, match="for chain 1, but the platform runs on chain 31337"):
        verify_sign_in(book, "session-a", text, sign(KEY, text), domain=DOMAIN, chain_id=CHAIN)


def test_sign_in__nonce_never_issued__refused():
    book, elsewhere = NonceBook(), NonceBook()
    text = message(elsewhere)  # a well-formed message whose nonce this server never gave out
    with pytest.raises(SignInRefused, match="never issued"):
        verify_sign_in(book, "session-a", text, sign(KEY, text), domain=DOMAIN, chain_id=CHAIN)


def test_sign_in__signed_by_another_key__refused_and_the_nonce_kept():
    book = NonceBook()
    text = message(book)
    with pytest.raises(SignInRefused, match="made by another key"):
        verify_sign_in(book, "session-a", text, sign(OTHER, text), domain=DOMAIN, chain_id=CHAIN)
    # the account's own signature still goes through: a forged attempt does not burn the nonce
    assert verify_sign_in(book, "session-a", text, sign(KEY, text), domain=DOMAIN, chain_id=CHAIN).account == KEY.address


def test_sign_in__not_a_sign_in_message__refused():
    book = NonceBook()
    with pytest.raises(SignInRefused, match="not a sign-in message"):
        verify_sign_in(book, "session-a", "hello", sign(KEY, "hello"), domain=DOMAIN, chain_id=CHAIN)
