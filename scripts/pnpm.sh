#!/usr/bin/env bash
# Runs pnpm with the Node.js and pnpm that setup.sh made available.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
exec pnpm "$@"
