"""The doctor's TLS check against a real TLS listener with a certificate made for the test."""

import asyncio
import contextlib
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from chat_console.doctor import diagnose

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")


def certificate(folder: Path, days: int) -> Path:
    """A self-signed certificate for 127.0.0.1 (key beside it), valid for `days` days."""
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", str(days),
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return folder / "cert.pem"


@contextlib.asynccontextmanager
async def tls_listener(cert: Path) -> AsyncIterator[int]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, cert.parent / "key.pem")

    async def hang_up(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0, ssl=context)
    async with server:
        yield server.sockets[0].getsockname()[1]


async def tls_line(tmp_path: Path, days: int, trust: bool) -> str:
    cert = certificate(tmp_path, days)
    async with tls_listener(cert) as port:
        config = tmp_path / "config.toml"
        ca_file = f'ca_file = "{cert}"' if trust else ""
        config.write_text(
            f'[server]\nurl = "https://127.0.0.1:{port}"\n{ca_file}\n'
            '[auth]\ntoken = "t"\n[operator]\nuser_id = "op-1"\n',
            encoding="utf-8",
        )
        config.chmod(0o600)
        lines: list[str] = []
        await diagnose(str(config), env={}, say=lines.append)
        (line,) = [line for line in lines if line[2:].startswith("tls:")]
    return line


async def test_a_certificate_trusted_through_ca_file_shows_its_expiry(tmp_path: Path) -> None:
    line = await tls_line(tmp_path, days=90, trust=True)
    assert line.startswith("✓ tls: certificate for 127.0.0.1 valid until ")
    assert "(89 days), trusted through ca_file" in line


async def test_an_unknown_ca_is_named_with_the_fix(tmp_path: Path) -> None:
    line = await tls_line(tmp_path, days=90, trust=False)
    assert line == (
        "✗ tls: certificate not trusted: self-signed certificate"
        " — fix: set [server] ca_file to the PEM file of the CA that signed the server"
    )


async def test_a_certificate_about_to_expire_is_a_failure(tmp_path: Path) -> None:
    line = await tls_line(tmp_path, days=3, trust=True)
    assert line.startswith("✗ tls: certificate for 127.0.0.1 valid until ")
    assert line.endswith(" — fix: renew the server's certificate soon")
