"""Shared by the chat-channel tests: a channel config whose URL comes from the environment, a
hostile high-risk alert queued for it, a throwaway TLS certificate, and webhook URLs shaped like
each service's (their tokens fake)."""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from crawler.ground.config import Config
from crawler.store import ClassificationRow, Store, write_classifications
from digest.channels import queue_channel_alerts
from tests.store_helpers import Post, unattended_config, write_posts

URL_ENV = "SCHOOLWATCH_TEST_CHANNEL_URL"
WORKFLOW, SIGNATURE = "0123456789abcdef0123456789abcdef", "Sig_Secret-0123456789abcdefABCDEF"
POWER_AUTOMATE = (
    f"https://prod-12.westeurope.logic.azure.com:443/workflows/{WORKFLOW}/triggers/manual/paths/"
    f"invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={SIGNATURE}"
)
POWER_PLATFORM = (
    "https://default0123abcd.45.environment.api.powerplatform.com:443/powerautomate/automations/"
    f"direct/workflows/{WORKFLOW}/triggers/manual/paths/invoke?api-version=1&sp=%2Ftriggers%2F"
    f"manual%2Frun&sv=1.0&sig={SIGNATURE}"
)
SLACK = "https://hooks.slack.com/services/T0TEAM0001/B0HOOK0002/SecretToken0123456789abcd"
GOOGLE_CHAT = (
    "https://chat.googleapis.com/v1/spaces/AAAASpace01/messages?key=AIzaKey_0123456789-abcdef"
    "&token=Tok0123456789secret%3D"
)


def channel_config(tmp_path: Path, channel_type: str) -> Config:
    return unattended_config(tmp_path, channel=[
        {"name": "staff", "type": channel_type, "url_env": URL_ENV,
         "allow_private": True}])  # the test services are on 127.0.0.1


def queue_hostile_alert(config: Config) -> Store:
    store = Store(config.store.path)
    (mention_id,) = write_posts(store, [Post(
        url="https://forum.example/t/1", title="[click me](https://evil.example) *now*",
        text="Hollins Green Primary: <b>wait outside</b> [here](https://evil.example)")])
    write_classifications(store, [ClassificationRow(
        mention_id, "negative", 0.9, "high", ("threat",), {"threat": "wait outside"}, "test")])
    assert len(queue_channel_alerts(config, store)) == 1
    return store


def self_signed(directory: Path, *hosts: str) -> tuple[Path, Path]:
    """A throwaway certificate (its own CA) for 127.0.0.1 and `hosts`."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "schoolwatch test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
             *(x509.DNSName(host) for host in hosts)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    assert not cert_path.exists()
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path
