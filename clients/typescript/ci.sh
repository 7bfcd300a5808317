#!/usr/bin/env bash
# Proves that openapi/openapi.json is usable by a real, strictly typed client:
# installs the pinned toolchain, generates TypeScript types from the current spec with
# openapi-typescript, type-checks src/smoke.ts against them (tsc, strict) and runs it
# against a Dateline server that is already running.
#
# Needs: node >= 20 and npm; the npm registry; and, in the environment,
#   DATELINE_URL             e.g. http://127.0.0.1:18095 (server already running)
#   DATELINE_ADMIN_EMAIL     an admin or editor account on that server
#   DATELINE_ADMIN_PASSWORD  its password
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

missing=()
for var in DATELINE_URL DATELINE_ADMIN_EMAIL DATELINE_ADMIN_PASSWORD; do
  if [[ -z "${!var:-}" ]]; then missing+=("$var"); fi
done
if ((${#missing[@]} > 0)); then
  echo "clients/typescript/ci.sh: missing environment variable(s): ${missing[*]}" >&2
  echo "  set DATELINE_URL (a running server, e.g. http://127.0.0.1:18095)," >&2
  echo "  DATELINE_ADMIN_EMAIL and DATELINE_ADMIN_PASSWORD (an admin or editor)" >&2
  exit 2
fi
for tool in node npm; do
  command -v "$tool" >/dev/null || { echo "clients/typescript/ci.sh: $tool is not installed" >&2; exit 2; }
done

spec=../../openapi/openapi.json
[[ -f $spec ]] || { echo "clients/typescript/ci.sh: $spec not found" >&2; exit 2; }

echo "== npm ci (node $(node --version), npm $(npm --version))"
npm ci --no-audit --no-fund --loglevel=error

echo "== openapi-typescript: $spec -> src/schema.d.ts"
rm -rf dist src/schema.d.ts
# --empty-objects-unknown: a bare {"type": "object"} in the spec means "any object", so it
# becomes Record<string, unknown>, not the default Record<string, never> (which would let
# code read any member of it as if it were typed).
npx --no-install openapi-typescript "$spec" --empty-objects-unknown --output src/schema.d.ts

echo "== tsc (strict)"
npx --no-install tsc -p tsconfig.json

echo "== smoke test against $DATELINE_URL"
node dist/smoke.js
