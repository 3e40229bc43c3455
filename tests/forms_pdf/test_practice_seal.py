"""The practice seal: an EC P-256 self-signed certificate unless the practice configures a
bought one as a PKCS#12 file; a wrong passphrase says so; a timestamp server, when
configured, stamps every seal (RFC 3161)."""

from __future__ import annotations

import stat
from io import BytesIO
from typing import Any

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from flask import Flask
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import func, select

from clinic_consent.consents.models import Consent
from clinic_consent.extensions import db
from clinic_consent.forms_pdf.models import SealCertificate, StoredDocument
from clinic_consent.forms_pdf.operations import seal_consent_form
from clinic_consent.forms_pdf.seal import (
    CERT_FILENAME,
    KEY_FILENAME,
    SealUnavailable,
    ensure_practice_seal,
    practice_seal,
    seal_folder,
)
from clinic_consent.forms_pdf.verification import check_seal, verify_pdf
from tests.forms_pdf.tools import Pkcs12Seal, TimestampAuthority


def _trusting(certificate_der: bytes) -> ValidationContext:
    return ValidationContext(
        trust_roots=[asn1_x509.Certificate.load(certificate_der)], allow_fetching=False
    )


def _signer_certificate(pdf: bytes) -> x509.Certificate:
    signature = PdfFileReader(BytesIO(pdf)).embedded_signatures[-1]
    return x509.load_der_x509_certificate(signature.signer_cert.dump())


def test_the_default_seal_is_an_ec_p256_key_in_the_instance_folder(
    sealed_form: StoredDocument, app: Flask
) -> None:
    certificate = _signer_certificate(sealed_form.content)
    public_key = certificate.public_key()

    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    assert public_key.curve.name == "secp256r1"
    assert certificate == x509.load_der_x509_certificate(practice_seal().certificate.dump())
    folder = seal_folder(app.instance_path)
    assert stat.S_IMODE((folder / KEY_FILENAME).stat().st_mode) == 0o600
    assert (folder / CERT_FILENAME).exists()
    assert sealed_form.seal_certificate is not None
    assert sealed_form.seal_certificate.sha256 == practice_seal().certificate_sha256


class TestConfiguredPkcs12:
    @pytest.fixture
    def app_config(self, pkcs12_seal: Pkcs12Seal) -> dict[str, Any]:
        return {
            "SEAL_PKCS12_PATH": str(pkcs12_seal.path),
            "SEAL_PKCS12_PASSPHRASE": pkcs12_seal.passphrase,
        }

    def test_forms_are_sealed_with_the_configured_certificate(
        self, sealed_form: StoredDocument, pkcs12_seal: Pkcs12Seal, app: Flask
    ) -> None:
        certificate = _signer_certificate(sealed_form.content)

        assert certificate == pkcs12_seal.certificate
        assert isinstance(certificate.public_key(), rsa.RSAPublicKey)
        assert not seal_folder(app.instance_path).exists()  # no self-signed seal made
        assert sealed_form.seal_certificate is not None
        assert "bought seal certificate" in sealed_form.seal_certificate.subject
        assert verify_pdf(sealed_form.content).ok

    def test_init_names_the_configured_file(self, app: Flask, pkcs12_seal: Pkcs12Seal) -> None:
        assert ensure_practice_seal(app, "Praktijk Test") == (
            f"practice seal: PKCS#12 file {pkcs12_seal.path}"
        )


@pytest.mark.parametrize(
    ("passphrase", "path_name", "message"),
    [
        pytest.param(
            "wrong passphrase", "practice-seal.p12", "or the passphrase is wrong", id="wrong"
        ),
        pytest.param(None, "practice-seal.p12", "or the passphrase is wrong", id="missing"),
        pytest.param(None, "no-such-file.p12", "cannot be read", id="no-file"),
    ],
)
class TestUnusablePkcs12:
    @pytest.fixture
    def app_config(
        self, pkcs12_seal: Pkcs12Seal, passphrase: str | None, path_name: str
    ) -> dict[str, Any]:
        return {
            "SEAL_PKCS12_PATH": str(pkcs12_seal.path.with_name(path_name)),
            "SEAL_PKCS12_PASSPHRASE": passphrase,
        }

    def test_the_seal_is_unavailable_with_a_clear_message(
        self, app: Flask, message: str, path_name: str
    ) -> None:
        with pytest.raises(SealUnavailable, match=message) as raised:
            practice_seal()
        assert "SEAL_PKCS12_PATH" in str(raised.value)
        assert path_name in str(raised.value)
        with pytest.raises(SealUnavailable, match=message):
            ensure_practice_seal(app, "Praktijk Test")

    def test_init_refuses_with_the_message(self, app: Flask, message: str) -> None:
        result = app.test_cli_runner().invoke(args=["init", "--admin-email", "a@example.org"])

        assert result.exit_code != 0
        assert message in result.output

    def test_no_form_is_stored_without_a_seal(self, signed_consent: Consent, message: str) -> None:
        with pytest.raises(SealUnavailable, match=message):
            seal_consent_form(signed_consent, actor=None)
        db.session.rollback()

        assert db.session.scalar(select(func.count()).select_from(StoredDocument)) == 0
        assert db.session.scalar(select(func.count()).select_from(SealCertificate)) == 0


class TestTimestampServer:
    @pytest.fixture
    def app_config(self, timestamp_authority: TimestampAuthority) -> dict[str, Any]:
        return {"SEAL_TIMESTAMP_URL": timestamp_authority.url}

    def test_the_seal_carries_an_rfc3161_timestamp(
        self, sealed_form: StoredDocument, timestamp_authority: TimestampAuthority
    ) -> None:
        seal = check_seal(sealed_form.content)

        assert seal is not None
        assert seal.timestamped
        assert seal.ok
        assert timestamp_authority.requests  # the server was asked, as RFC 3161 says
        assert set(timestamp_authority.requests) == {"application/timestamp-query"}
        # pyHanko, trusting the practice for the seal and the test TSA for the timestamp:
        signature = PdfFileReader(BytesIO(sealed_form.content)).embedded_signatures[-1]
        status = validate_pdf_signature(
            signature,
            _trusting(practice_seal().certificate.dump()),
            ts_validation_context=_trusting(
                timestamp_authority.certificate.public_bytes(serialization.Encoding.DER)
            ),
        )
        assert status.timestamp_validity is not None
        assert status.timestamp_validity.intact and status.timestamp_validity.valid
        assert status.timestamp_validity.trusted
        tsa = x509.load_der_x509_certificate(status.timestamp_validity.signing_cert.dump())
        assert tsa == timestamp_authority.certificate


def test_without_a_timestamp_server_the_seal_has_no_timestamp(
    sealed_form: StoredDocument,
) -> None:
    seal = check_seal(sealed_form.content)

    assert seal is not None and seal.ok
    assert not seal.timestamped
