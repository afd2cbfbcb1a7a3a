"""The names this dApp answers sign-ins at.

A Sign-In with Ethereum message names the domain the page came from, and a wallet warns when the
page it is on is another: that is what stops a phishing site from passing our message to its
victim. The server must not take that domain from the request's Host header alone (a script
chooses it): a Host outside this list gets no sign-in message and its answers are refused.

The list: `localhost`, the loopback addresses, this machine's LAN address (what `make run`
prints for a phone), the host of `MEDCHAIN_RESOLVER_URL` (the address printed on labels), the
address the server listens on when it is a specific one (`MEDCHAIN_DAPP_HOST`), and any names in
`MEDCHAIN_DAPP_HOSTS` (comma-separated, e.g. `medchain.example.org,10.0.0.5`): a public
deployment lists the name its users open.
"""

from __future__ import annotations

import os
from functools import cache
from urllib.parse import urlsplit

LOOPBACK = ("localhost", "127.0.0.1", "::1")
ANY_ADDRESS = ("", "0.0.0.0", "::")


def hostname_of(host: str) -> str:
    """The name in a Host header or a `host[:port]` (IPv6 in brackets), lowercased, without the port."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


@cache
def _lan_address() -> str | None:
    from dapp.ui.tls import lan_address

    return lan_address()


def sign_in_hosts() -> frozenset[str]:
    """The host names a sign-in message may name (see the module's text)."""
    names = set(LOOPBACK)
    lan = _lan_address()
    if lan:
        names.add(lan)
    resolver = os.environ.get("MEDCHAIN_RESOLVER_URL", "")
    if resolver:
        names.add(hostname_of(urlsplit(resolver).netloc))
    listening = hostname_of(os.environ.get("MEDCHAIN_DAPP_HOST", ""))
    if listening not in ANY_ADDRESS:
        names.add(listening)
    names.update(hostname_of(name) for name in os.environ.get("MEDCHAIN_DAPP_HOSTS", "").split(",") if name.strip())
    return frozenset(names - {""})


def answers_at(host: str) -> bool:
    """Whether `host` (a Host header) is one of the names this dApp answers sign-ins at."""
    return hostname_of(host) in sign_in_hosts()
