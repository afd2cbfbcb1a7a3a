"""Sign-In with Ethereum: the server's nonces, the message, and every refusal (no chain needed)."""

from datetime import datetime, timedelta, timezone

import pytest
import siwe
from eth_account import Account
from eth_account.messages import encode_defunct
from siwe import ISO8601Datetime

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


def package_message(book, session="session-a", **changes) -> str:
    """A message the `siwe` package writes itself, with a nonce this server issued."""
    now = datetime.now(timezone.utc)
    fields = dict(domain=DOMAIN, address=KEY.address, uri=URI, version="1", chain_id=CHAIN,
                  nonce=book.issue(session), issued_at=ISO8601Datetime.from_datetime(now),
                  expiration_time=ISO8601Datetime.from_datetime(now + timedelta(minutes=5))) | changes
    return siwe.SiweMessage(**fields).prepare_message()


def test_sign_in_message__written_by_the_siwe_package__and_read_back_by_it():
    book = NonceBook()
    now = datetime(2030, 5, 1, 12, 0, 0, 250_000, tzinfo=timezone.utc)
    text = message(book, now=now, address=KEY.address.lower())
    parsed = siwe.SiweMessage.from_message(text)
    assert parsed.prepare_message() == text
    assert parsed.address == KEY.address  # EIP-55, whatever case it was given in
    assert (parsed.domain, parsed.uri, parsed.chain_id) == (DOMAIN, URI, CHAIN)
    assert parsed.issued_at == "2030-05-01T12:00:00.250Z" and parsed.expiration_time == "2030-05-01T12:05:00.250Z"
    assert len(parsed.nonce) >= 8 and parsed.nonce.isalnum()
    assert parsed.statement and parsed.not_before is None


def test_sign_in__not_before_in_the_future__refused_until_then():
    book = NonceBook()
    now = datetime.now(timezone.utc)
    text = package_message(book, not_before=ISO8601Datetime.from_datetime(now + timedelta(minutes=2)))
    signature = sign(KEY, text)
    with pytest.raises(SignInRefused, match="not valid yet"):
        verify_sign_in(book, "session-a", text, signature, domain=DOMAIN, chain_id=CHAIN, now=now)
    # refused, the nonce is not burnt: from its not-before on, the same message signs in
    signed_in = verify_sign_in(book, "session-a", text, signature, domain=DOMAIN, chain_id=CHAIN,
                               now=now + timedelta(minutes=3))
    assert signed_in.account == KEY.address


def test_sign_in__address_not_in_eip55_form__refused_with_the_packages_reason():
    book = NonceBook()
    text = message(book).replace(KEY.address, KEY.address.lower())  # the grammar takes it; the package does not
    with pytest.raises(SignInRefused, match="this sign-in message's address is not valid"):
        verify_sign_in(book, "session-a", text, sign(KEY, text), domain=DOMAIN, chain_id=CHAIN)


def test_sign_in__impossible_expiration_time__refused_naming_its_line():
    book = NonceBook()
    text = message(book, now=datetime(2030, 5, 1, tzinfo=timezone.utc))
    text = text.replace("Expiration Time: 2030-05", "Expiration Time: 2030-13")
    with pytest.raises(SignInRefused, match="this sign-in message's Expiration Time is not valid"):
        verify_sign_in(book, "session-a", text, sign(KEY, text), domain=DOMAIN, chain_id=CHAIN)


@pytest.mark.parametrize("change", [
    lambda text: text + "\nSession: forever",                        # a line EIP-4361 has not
    lambda text: text.replace("Version: 1", "Version: 2"),            # a version it has not
    lambda text: text.replace("Nonce: ", "Nonce: ab-"),               # a nonce out of its alphabet
    lambda text: text.replace(" wants you to sign in", " wants you to log in"),
    lambda text: text.replace("\n", "\r\n"),
], ids=["extra-line", "version", "nonce", "header", "crlf"])
def test_sign_in__text_off_the_eip4361_grammar__refused(change):
    book = NonceBook()
    text = change(message(book))
    with pytest.raises(SignInRefused, match=r"not a sign-in message \(EIP-4361\)"):
        verify_sign_in(book, "session-a", text, sign(KEY, text), domain=DOMAIN, chain_id=CHAIN)


def test_sign_in__signature_as_bytes_and_a_naive_now__accepted():
    book = NonceBook()
    text = message(book)
    signature = bytes(KEY.sign_message(encode_defunct(text=text)).signature)
    signed_in = verify_sign_in(book, "session-a", text, signature, domain=DOMAIN, chain_id=CHAIN,
                               now=datetime.now(timezone.utc).replace(tzinfo=None))
    assert signed_in.account == KEY.address and signed_in.chain_id == CHAIN and signed_in.domain == DOMAIN


@pytest.mark.parametrize("signature", ["0x" + "00" * 65, "0x" + "11" * 64, "0x"])
def test_sign_in__a_signature_that_recovers_no_one__refused_as_another_keys(signature):
    book = NonceBook()
    text = message(book)
    with pytest.raises(SignInRefused, match="made by another key"):
        verify_sign_in(book, "session-a", text, signature, domain=DOMAIN, chain_id=CHAIN)


def test_sign_in__not_a_signature__refused():
    book = NonceBook()
    text = message(book)
    with pytest.raises(SignInRefused, match="not a signature"):
        verify_sign_in(book, "session-a", text, "0xnot-hex", domain=DOMAIN, chain_id=CHAIN)


def test_sign_in__node_silent_for_the_contract_check__said_in_words():
    book = NonceBook()
    text = message(book)
    with pytest.raises(SignInRefused, match="does not answer"):
        verify_sign_in(book, "session-a", text, sign(OTHER, text), domain=DOMAIN, chain_id=CHAIN,
                       rpc_url="http://127.0.0.1:9")
