"""The one server: Streamlit's pages and the resolver's routes on one port, started and stopped."""

import requests

from tests.fixtures.demo_chain import start_dapp, stop_dapp


def test_server__serves_the_pages_and_health_on_one_port(dapp_server):
    assert requests.get(f"{dapp_server}/_stcore/health", timeout=5).text == "ok"
    page = requests.get(f"{dapp_server}/verify", timeout=5)
    assert page.status_code == 200 and "<div id=\"root\">" in page.text


def test_server__tls__serves_https_with_a_self_signed_certificate(demo_chain):
    process, base = start_dapp(demo_chain.env, tls=True)
    try:
        assert base.startswith("https://")
        certificate = demo_chain.data / "tls" / "dapp-cert.pem"
        assert certificate.exists() and (demo_chain.data / "tls" / "dapp-key.pem").stat().st_mode & 0o077 == 0
        assert requests.get(f"{base}/_stcore/health", timeout=5, verify=str(certificate)).text == "ok"
    finally:
        stop_dapp(process)
    assert process.returncode is not None
