"""The application as gunicorn serves it in the benchmark, plus a hello-world endpoint.

``/_bench/hello`` goes through the same app, workers and request cycle (commit, security
headers) as every page, but reads nothing: its requests per second are the framework's
ceiling that a read page is compared with. It exists only in this benchmark module.
"""

from __future__ import annotations

from clinic_consent import create_app
from clinic_consent.auth import session_security

# The benchmark measures the pages, not the limiter: its thousands of requests a minute from
# one address would otherwise be answered 429 (auth.rate_limits).
app = create_app({"RATELIMIT_ENABLED": False})


@app.get("/_bench/hello")
def bench_hello() -> str:
    return "hello"


session_security.PUBLIC_ENDPOINTS = session_security.PUBLIC_ENDPOINTS | {"bench_hello"}
