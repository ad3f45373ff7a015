"""TLS Redis (rediss:// + REDIS_CA_CERT, as Memorystore with in-transit encryption and AUTH):
a redis-server with TLS and a password is started for the test, and the cache, the Celery
broker, the result backend and the readiness check all go through it."""

import datetime
import ipaddress
import shutil
import subprocess
import sys

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from .conftest import APP_DIR, celery_worker_argv, free_port, wait_for

PASSWORD = "tls-test-auth-string"


def _write_certificates(directory):
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test redis CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    (directory / "ca.pem").write_bytes(ca.public_bytes(pem))
    (directory / "server.pem").write_bytes(cert.public_bytes(pem))
    (directory / "server.key").write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


@pytest.fixture
def tls_redis(tmp_path):
    server = shutil.which("redis-server")
    assert server, "redis-server is needed for the TLS test (the CI script installs it)"
    _write_certificates(tmp_path)
    port = free_port()
    proc = subprocess.Popen(
        [
            server,
            "--port",
            "0",
            "--tls-port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--tls-cert-file",
            str(tmp_path / "server.pem"),
            "--tls-key-file",
            str(tmp_path / "server.key"),
            "--tls-ca-cert-file",
            str(tmp_path / "ca.pem"),
            "--tls-auth-clients",
            "no",
            "--requirepass",
            PASSWORD,
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    url = f"rediss://:{PASSWORD}@127.0.0.1:{port}/0"
    yield url, str(tmp_path / "ca.pem")
    proc.kill()
    proc.wait()


def _run_django(script: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + script],
        cwd=APP_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.django_db(transaction=True)
def test_cache_broker_backend_and_readiness_over_tls(tls_redis, app_env, start):
    url, ca = tls_redis
    env = {**app_env, "REDIS_URL": url, "REDIS_CA_CERT": ca}

    def server_up():
        probe = _run_django("from django.core.cache import cache; cache.set('k', 'v'); print(cache.get('k'))", env)
        return probe.stdout.strip() == "v"

    wait_for(server_up, 20, "the TLS Redis server to accept the cache's connection")

    worker = start("worker-tls", celery_worker_argv("tls"), env)
    worker.wait_for_log("ready.")
    assert "rediss://" in worker.log()
    roundtrip = _run_django(
        "from demo.tasks import burn_cpu\nprint(burn_cpu.delay(10, 'over-tls').get(timeout=60)['token'])", env
    )
    assert roundtrip.returncode == 0, roundtrip.stderr
    assert roundtrip.stdout.strip() == "over-tls", "broker and result backend both work over TLS"

    ready = _run_django("from config.health import readiness; print(readiness()[0])", env)
    assert ready.stdout.strip() == "200", ready.stderr


def test_the_wrong_ca_is_refused(tls_redis, app_env, tmp_path):
    url, _ = tls_redis
    other_ca_dir = tmp_path / "other"
    other_ca_dir.mkdir()
    _write_certificates(other_ca_dir)
    env = {**app_env, "REDIS_URL": url, "REDIS_CA_CERT": str(other_ca_dir / "ca.pem")}
    result = _run_django("from config.health import readiness; print(readiness())", env)
    output = result.stdout + result.stderr
    assert "(503, {'status': 'unavailable', 'redis': 'unavailable'})" in result.stdout, output
    assert "certificate verify failed" in output, "the reason is logged"
