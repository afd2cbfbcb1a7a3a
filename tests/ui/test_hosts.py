"""The names the dApp answers sign-ins at (dapp/ui/hosts.py): a Host a script chose is not one."""

import pytest

from dapp.ui import hosts
from dapp.ui.hosts import answers_at, hostname_of, sign_in_hosts


@pytest.fixture(autouse=True)
def no_configuration(monkeypatch):
    for name in ("MEDCHAIN_RESOLVER_URL", "MEDCHAIN_DAPP_HOST", "MEDCHAIN_DAPP_HOSTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(hosts, "_lan_address", lambda: "192.168.1.20")


@pytest.mark.parametrize("host, name", [
    ("localhost:8501", "localhost"), ("MedChain.Example.org", "medchain.example.org"), ("[::1]:8501", "::1"),
    ("10.0.0.5:443", "10.0.0.5"), ("::1", "::1"), (" 127.0.0.1:80 ", "127.0.0.1"),
])
def test_hostname_of__port_and_case_dropped(host, name):
    assert hostname_of(host) == name


def test_sign_in_hosts__by_default__loopback_and_the_lan_address():
    assert sign_in_hosts() == {"localhost", "127.0.0.1", "::1", "192.168.1.20"}


def test_sign_in_hosts__resolver_listening_address_and_configured_names(monkeypatch):
    monkeypatch.setenv("MEDCHAIN_RESOLVER_URL", "https://labels.example.org:8443")
    monkeypatch.setenv("MEDCHAIN_DAPP_HOST", "10.1.2.3")
    monkeypatch.setenv("MEDCHAIN_DAPP_HOSTS", "medchain.example.org, Portal.Example.org:443,")
    assert sign_in_hosts() >= {"labels.example.org", "10.1.2.3", "medchain.example.org", "portal.example.org"}


def test_sign_in_hosts__listening_on_every_interface__not_a_name(monkeypatch):
    monkeypatch.setenv("MEDCHAIN_DAPP_HOST", "0.0.0.0")
    assert "0.0.0.0" not in sign_in_hosts()


@pytest.mark.parametrize("host, answered", [
    ("127.0.0.1:8501", True), ("localhost", True), ("192.168.1.20:8501", True),
    ("medchain-login.example", False), ("127.0.0.1.evil.example", False), ("localhost.evil.example:8501", False),
    ("", False),
])
def test_answers_at__only_the_listed_names(host, answered):
    assert answers_at(host) is answered
