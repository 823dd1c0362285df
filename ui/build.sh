#!/usr/bin/env bash
# Builds the service map page (TypeScript, Vite) into target/classes/META-INF/resources/ui, where the flows service
# serves it at /ui/. Needs Node.js 20+ and npm (Debian's nodejs; packages from the npm registry, pinned by
# package-lock.json). Without them the build goes on without the page and says so (the flows service then answers
# /ui/ with 404, and the browser tests skip saying why).
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "[tendril-ui] SKIPPED: no node/npm on PATH: the flows service will serve no /ui/ (install Node.js 20+)" >&2
  exit 0
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
  echo "[tendril-ui] SKIPPED: node $(node --version) is older than 20: the flows service will serve no /ui/" >&2
  exit 0
fi
# npm ci only when the lock file changed since the last install: offline builds reuse node_modules.
if ! cmp -s package-lock.json node_modules/.tendril-installed-lock 2>/dev/null; then
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.tendril-installed-lock
fi
npm run --silent build
