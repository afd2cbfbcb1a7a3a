"""Runs the dApp: the Streamlit pages and the resolver on one port, in one process.

    python -m dapp.ui.serve [--host 0.0.0.0] [--port 8501] [--tls]

`--tls` (or MEDCHAIN_TLS=1) serves HTTPS with a self-signed certificate kept in data/tls/.
The chain is MEDCHAIN_RPC_URL's; the resolver base printed on labels is MEDCHAIN_RESOLVER_URL.
"""

from __future__ import annotations

import os

import click

DEFAULT_PORT = 8501


@click.command()
@click.option("--host", default=lambda: os.environ.get("MEDCHAIN_DAPP_HOST", "0.0.0.0"), show_default="0.0.0.0",
              help="The address to listen on (0.0.0.0: every interface, so a phone on the network reaches it).")
@click.option("--port", type=int, default=lambda: int(os.environ.get("MEDCHAIN_DAPP_PORT", DEFAULT_PORT)),
              show_default=str(DEFAULT_PORT), help="The one port of the pages and the resolver.")
@click.option("--tls/--no-tls", default=lambda: os.environ.get("MEDCHAIN_TLS", "") == "1",
              help="Serve HTTPS with a self-signed certificate (data/tls/); needed for a phone's camera.")
def main(host: str, port: int, tls: bool) -> None:
    os.environ["MEDCHAIN_DAPP_HOST"] = host  # a specific listening address is a name sign-ins may name
    config = {
        "server.address": host,
        "server.port": port,
        "server.headless": True,
        "browser.gatherUsageStats": False,
        "server.fileWatcherType": "none",
        "client.toolbarMode": "minimal",
        "server.maxUploadSize": 25,  # megabytes: a phone's photo, not a film
    }
    if tls:
        from dapp.ui.tls import certificate_paths

        cert, key = certificate_paths()
        config.update({"server.sslCertFile": str(cert), "server.sslKeyFile": str(key)})
    from dapp.ui.server import create_app

    create_app().run(config=config)


if __name__ == "__main__":
    main()
