"""Outside views of a PDF for the form tests: poppler's tools, pyHanko's reader, and the small
servers a form must never reach (a TCP listener) or may reach on purpose (an RFC 3161 TSA)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from typing import ClassVar

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.timestamps import DummyTimeStamper

POPPLER_TOOLS = ("pdfsig", "pdftotext", "pdftoppm", "pdfdetach")


def poppler_missing() -> list[str]:
    return [tool for tool in POPPLER_TOOLS if shutil.which(tool) is None]


def run_tool(*args: str) -> str:
    """A poppler tool's standard output; fails the test on a crash, not on a verdict."""
    done = subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode in (0, 1, 2), done.stderr  # pdfsig exits 1 or 2 on a bad signature
    return done.stdout


def write_pdf(pdf: bytes, folder: Path, name: str = "form.pdf") -> Path:
    path = folder / name
    path.write_bytes(pdf)
    return path


def pdf_text(pdf: bytes, folder: Path) -> str:
    """The text pdftotext reads, with every run of whitespace made one space."""
    text = run_tool("pdftotext", "-enc", "UTF-8", str(write_pdf(pdf, folder)), "-")
    return " ".join(text.split())


def words(text: str) -> str:
    return " ".join(text.split())


def decoded_pdf(pdf: bytes) -> bytes:
    """The file and every object in it, streams decoded (object streams included), as bytes to
    search: what an attachment or a read file would leave behind, however it is compressed."""
    reader = PdfFileReader(BytesIO(pdf), strict=False)
    parts = [pdf]
    for revision in range(reader.xrefs.total_revisions):
        for ref in reader.xrefs.explicit_refs_in_revision(revision):
            obj = ref.get_object()
            serialised = BytesIO()
            obj.write_to_stream(serialised)
            parts.append(serialised.getvalue())
            if isinstance(obj, generic.StreamObject):
                try:
                    parts.append(obj.data)
                except NotImplementedError:  # a PNG predictor pyHanko does not undo (images)
                    parts.append(zlib.decompress(obj.encoded_data))
    return b"\n".join(parts)


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n"), "not a PNG file"
    assert png[12:16] == b"IHDR"
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


# --- certificates ----------------------------------------------------------------------------


def self_signed(
    common_name: str,
    key: rsa.RSAPrivateKey,
    *,
    extended_usage: list[x509.ObjectIdentifier] | None = None,
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    if extended_usage:
        builder = builder.add_extension(x509.ExtendedKeyUsage(extended_usage), critical=True)
    return builder.sign(key, hashes.SHA256())


@dataclass(frozen=True)
class Pkcs12Seal:
    """A practice certificate as bought: an RSA key and its certificate in a PKCS#12 file."""

    path: Path
    passphrase: str
    certificate: x509.Certificate

    @property
    def certificate_der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @property
    def certificate_pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()


def make_pkcs12(folder: Path, passphrase: str) -> Pkcs12Seal:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    certificate = self_signed("Praktijk Test (bought seal certificate)", key)
    data = pkcs12.serialize_key_and_certificates(
        b"practice seal",
        key,
        certificate,
        None,
        serialization.BestAvailableEncryption(passphrase.encode()),
    )
    path = folder / "practice-seal.p12"
    path.write_bytes(data)
    return Pkcs12Seal(path, passphrase, certificate)


# --- servers ---------------------------------------------------------------------------------


@dataclass
class TcpListener:
    """Counts every connection made to 127.0.0.1:port; a form must make none."""

    port: int = 0
    connections: list[tuple[str, int]] = field(default_factory=list)
    _socket: socket.socket | None = None
    _thread: threading.Thread | None = None

    def start(self) -> TcpListener:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.2)
        self.port = self._socket.getsockname()[1]
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()
        return self

    def _accept(self) -> None:
        assert self._socket is not None
        while True:
            try:
                conn, peer = self._socket.accept()
            except TimeoutError:
                continue
            except OSError:  # closed by stop()
                return
            self.connections.append(peer)
            conn.close()

    def probe(self) -> None:
        """Connect once ourselves: proof that the listener would have seen a fetch."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=2):
            pass
        for _ in range(50):
            if self.connections:
                return
            time.sleep(0.02)

    def stop(self) -> None:
        if self._socket is not None:
            self._socket.close()
        if self._thread is not None:
            self._thread.join(timeout=2)


@dataclass
class TimestampAuthority:
    """An RFC 3161 time-stamping server on 127.0.0.1: pyHanko's DummyTimeStamper answering
    TimeStampReq DER posted as application/timestamp-query."""

    certificate: x509.Certificate
    url: str
    requests: list[str]
    _server: ThreadingHTTPServer
    _thread: threading.Thread

    @classmethod
    def start(cls) -> TimestampAuthority:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        certificate = self_signed(
            "Test TSA", key, extended_usage=[ExtendedKeyUsageOID.TIME_STAMPING]
        )
        stamper = DummyTimeStamper(
            tsa_cert=asn1_x509.Certificate.load(
                certificate.public_bytes(serialization.Encoding.DER)
            ),
            tsa_key=asn1_keys.PrivateKeyInfo.load(
                key.private_bytes(
                    serialization.Encoding.DER,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            ),
        )
        requests: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            stamps: ClassVar[list[str]] = requests

            def do_POST(self) -> None:
                content_type = self.headers.get("Content-Type", "")
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                self.stamps.append(content_type)
                if content_type != "application/timestamp-query":
                    self.send_error(415)
                    return
                reply = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{server.server_address[1]}/tsa"
        return cls(certificate, url, requests, server, thread)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=2)
