"""Schemathesis hooks for the akinai contract run (issue 20).

A correct client sends a new Idempotency-Key with each new request; generated headers repeat
values (e.g. "0") across different bodies, which the API rightly refuses with 422. This hook
gives every generated request a fresh key, as a client would. Reuse (replay and 422) is tested
in the Rust suite (crates/akinai/tests/it/api_webhooks.rs).
"""

import uuid

import schemathesis


@schemathesis.hook
def map_headers(ctx, headers):
    if headers and "Idempotency-Key" in headers:
        headers["Idempotency-Key"] = str(uuid.uuid4())
    return headers
