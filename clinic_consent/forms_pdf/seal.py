"""The practice's seal: a PAdES signature with the practice's key over every stored form.

The key and certificate come from a configured PKCS#12 file (a certificate the practice
bought), or else from ``instance/seal/``, where ``clinic-consent init`` creates a self-signed
certificate with an EC P-256 key (pyHanko signs with RSA keys about ten times slower). With
``SEAL_TIMESTAMP_URL`` set, every seal carries an RFC 3161 timestamp from that server.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Final

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from flask import Flask, current_app
from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers, timestamps
from pyhanko_certvalidator.registry import SimpleCertificateStore

SEAL_FOLDER: Final = "seal"
KEY_FILENAME: Final = "practice-seal.key.pem"
CERT_FILENAME: Final = "practice-seal.cert.pem"
SEAL_FIELD: Final = "PracticeSeal"
CERTIFICATE_YEARS: Final = 10
# Room for the signature container when it is known in advance (an EC P-256 signature and a
# certificate fit in well under 4 KiB); sizing it by a trial signature costs a second signing.
RESERVED_BYTES: Final = 8192
EXTENSION_KEY: Final = "clinic_consent.seal"


class SealUnavailable(RuntimeError):
    """The practice seal cannot be loaded; the message says what to configure."""


@dataclass(frozen=True)
class PracticeSeal:
    signer: signers.SimpleSigner
    certificate: asn1_x509.Certificate
    timestamp_url: str | None

    @property
    def certificate_pem(self) -> str:
        der = self.certificate.dump()
        return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM).decode()

    @property
    def certificate_sha256(self) -> str:
        return hashlib.sha256(self.certificate.dump()).hexdigest()

    def seal(self, pdf: bytes, *, reason: str, location: str) -> bytes:
        """The PDF with the practice's PAdES seal added as an incremental update."""
        timestamper = timestamps.HTTPTimeStamper(self.timestamp_url) if self.timestamp_url else None
        metadata = signers.PdfSignatureMetadata(
            field_name=SEAL_FIELD,
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
            reason=reason,
            location=location,
        )
        output = BytesIO()
        signers.PdfSigner(metadata, signer=self.signer, timestamper=timestamper).sign_pdf(
            IncrementalPdfFileWriter(BytesIO(pdf)),
            output=output,
            # A timestamp token's size is the server's business: let pyHanko measure it.
            bytes_reserved=None if timestamper else RESERVED_BYTES,
        )
        return output.getvalue()


def seal_folder(instance_path: str | Path) -> Path:
    return Path(instance_path) / SEAL_FOLDER


def create_self_signed_seal(folder: Path, practice_name: str) -> Path:
    """An EC P-256 key (mode 0600) and a self-signed certificate in ``folder``. Never
    overwrites: a replaced key would leave the forms sealed so far without their root."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"{practice_name} (consent form seal)"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, practice_name),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "NL"),
        ]
    )
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=365 * CERTIFICATE_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
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
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(folder / KEY_FILENAME, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key_pem)
    (folder / CERT_FILENAME).write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return folder / CERT_FILENAME


def _from_pkcs12(path: str, passphrase: str | None) -> signers.SimpleSigner:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SealUnavailable(f"SEAL_PKCS12_PATH {path}: cannot be read ({exc.strerror})") from None
    try:
        signer: signers.SimpleSigner = signers.SimpleSigner.load_pkcs12_data(
            data, other_certs=(), passphrase=passphrase.encode() if passphrase else None
        )
        return signer
    except ValueError:
        raise SealUnavailable(
            f"SEAL_PKCS12_PATH {path}: not a PKCS#12 file, or the passphrase is wrong"
        ) from None


def _from_instance(folder: Path) -> signers.SimpleSigner:
    key_path, cert_path = folder / KEY_FILENAME, folder / CERT_FILENAME
    if not (key_path.exists() and cert_path.exists()):
        raise SealUnavailable(
            f"no practice seal in {folder}: run 'clinic-consent init', or set SEAL_PKCS12_PATH"
        )
    certificate = next(iter(load_certs_from_pemder_data(cert_path.read_bytes())))
    key = load_private_key_from_pemder_data(key_path.read_bytes(), passphrase=None)
    return signers.SimpleSigner(
        signing_cert=certificate,
        signing_key=key,
        cert_registry=SimpleCertificateStore.from_certs([certificate]),  # type: ignore[no-untyped-call]
    )


def ensure_practice_seal(app: Flask, practice_name: str) -> str:
    """Create the self-signed seal unless one is configured or present; says which it is."""
    pkcs12 = app.config.get("SEAL_PKCS12_PATH")
    if pkcs12:
        _from_pkcs12(pkcs12, app.config.get("SEAL_PKCS12_PASSPHRASE"))
        return f"practice seal: PKCS#12 file {pkcs12}"
    folder = seal_folder(app.instance_path)
    if (folder / CERT_FILENAME).exists():
        return f"practice seal: {folder / CERT_FILENAME}"
    return f"practice seal created: {create_self_signed_seal(folder, practice_name)}"


def practice_seal() -> PracticeSeal:
    """The application's seal, loaded once. Outside production a missing self-signed seal is
    created on first use, as the development secret key is."""
    app = current_app
    cached: PracticeSeal | None = app.extensions.get(EXTENSION_KEY)
    if cached is not None:
        return cached
    pkcs12 = app.config.get("SEAL_PKCS12_PATH")
    if pkcs12:
        signer = _from_pkcs12(pkcs12, app.config.get("SEAL_PKCS12_PASSPHRASE"))
    else:
        folder = seal_folder(app.instance_path)
        if (
            app.config["CLINIC_CONSENT_ENV"] != "production"
            and not (folder / CERT_FILENAME).exists()
        ):
            create_self_signed_seal(folder, app.config["PRACTICE_NAME"])
        signer = _from_instance(folder)
    assert signer.signing_cert is not None
    seal = PracticeSeal(signer, signer.signing_cert, app.config.get("SEAL_TIMESTAMP_URL") or None)
    app.extensions[EXTENSION_KEY] = seal
    return seal
