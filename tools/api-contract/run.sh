#!/usr/bin/env bash
# The API's contract test (issue 20, item 3): starts a fresh demo shop on loopback, makes a
# read token with the CLI, places nothing by hand, and lets schemathesis (PyPI, pinned in
# requirements.txt) generate requests from the served OpenAPI document: no 5xx, every response
# conforms to the schema, status codes and content types are the documented ones.
#
#   tools/api-contract/run.sh [path/to/akinai]      (default: target/debug/akinai)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN="${1:-target/debug/akinai}"
VENV="${AKINAI_CONTRACT_VENV:-target/api-contract-venv}"
if [ ! -x "$VENV/bin/schemathesis" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r tools/api-contract/requirements.txt
fi
DATA="$(mktemp -d)"
PORT="${AKINAI_CONTRACT_PORT:-18480}"
ADMIN_PORT=$((PORT + 1))
cleanup() { [ -n "${SHOP:-}" ] && kill "$SHOP" 2>/dev/null; rm -rf "$DATA"; }
trap cleanup EXIT
export AKINAI__LOG=warn
# The contract run sends hundreds of requests a second with one token.
export AKINAI__API_BURST=100000 AKINAI__API_PER_MINUTE=6000000
export AKINAI__ADMIN_LISTEN="127.0.0.1:$ADMIN_PORT"
"$BIN" --data-dir "$DATA" serve --demo --listen "127.0.0.1:$PORT" >"$DATA/shop.log" 2>&1 &
SHOP=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null
TOKEN="$("$BIN" --data-dir "$DATA" api token create --name contract \
  --scopes products:read,products:write,orders:read,orders:write,orders:refund,customers:read,webhooks:read,webhooks:write --by ci 2>/dev/null)"
contract() {
  "$VENV/bin/schemathesis" --config-file "$(dirname "$0")/schemathesis.toml" \
    run "http://127.0.0.1:$PORT/api/v1/openapi.json" \
    --url "http://127.0.0.1:$PORT" \
    --header "Authorization: Bearer $TOKEN" \
    --checks all \
    --max-examples "${AKINAI_CONTRACT_EXAMPLES:-40}" \
    --request-timeout 10 \
    --no-color "$@"
}
# Reads and deletes: every phase.
contract --exclude-method POST
# POSTs need a new Idempotency-Key per new request (the same key with another body is a 422 by
# design, tested in the Rust suite). The hook (hooks.py) draws one per generated request; the
# coverage phase sends fixed header values without hooks, so POSTs run the generated phases,
# with valid data only: the URL pattern documents a usual https address, while the shop accepts
# any https address it may reach (and refusals are tested in the Rust suite).
PYTHONPATH="$(dirname "$0")${PYTHONPATH:+:$PYTHONPATH}" SCHEMATHESIS_HOOKS=hooks \
  contract --include-method POST --phases fuzzing,stateful --mode positive
echo "contract: schemathesis passed against $(grep -c '"operationId"' docs/openapi.json) operations"
