"""A self-signed certificate for serving the dApp over HTTPS on a local network.

A phone's browser opens the camera only for a secure context (https, or localhost): a phone on
the same network needs the dApp on https. The certificate is made on first use, kept in the
data folder, and names localhost and every address of this machine; the phone shows a
warning once, which the user accepts for this address.
"""

from __future__ import annotations

import datetime
import ipaddress
import socket
from pathlib import Path

from dapp.paths import data_dir

VALID_DAYS = 825  # the most browsers accept for a certificate


def certificate_paths(folder: Path | None = None) -> tuple[Path, Path]:
    """(certificate, key) in `folder` (data/tls/), made when missing or when the machine's
    addresses are no longer all named in it."""
    folder = folder or data_dir() / "tls"
    cert, key = folder / "dapp-cert.pem", folder / "dapp-key.pem"
    addresses = local_addresses()
    if not (cert.exists() and key.exists() and _names_all(cert, addresses)):
        folder.mkdir(parents=True, exist_ok=True)
        cert_pem, key_pem = _self_signed(addresses)
        key.touch(mode=0o600)
        key.write_bytes(key_pem)
        cert.write_bytes(cert_pem)
    return cert, key


def local_addresses() -> list[str]:
    """127.0.0.1 and this machine's LAN address(es)."""
    found = {"127.0.0.1"}
    lan = lan_address()
    if lan:
        found.add(lan)
    return sorted(found)


def lan_address() -> str | None:
    """The address other machines on the network reach this one at (the default route's)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET: nothing is sent, it only picks the route
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def _names_all(cert: Path, addresses: list[str]) -> bool:
    from cryptography import x509

    try:
        certificate = x509.load_pem_x509_certificate(cert.read_bytes())
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, x509.ExtensionNotFound):
        return False
    present = {str(address) for address in names.get_values_for_type(x509.IPAddress)}
    expires = certificate.not_valid_after_utc
    return set(addresses) <= present and expires > datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)


def _self_signed(addresses: list[str]) -> tuple[bytes, bytes]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "MedChain local dApp")])
    now = datetime.datetime.now(datetime.timezone.utc)
    alternative_names = [x509.DNSName("localhost")] + [x509.IPAddress(ipaddress.ip_address(a)) for a in addresses]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(alternative_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return certificate.public_bytes(serialization.Encoding.PEM), key_pem
