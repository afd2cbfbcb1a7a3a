# Sourced by the Makefile's recipes: keeps every tool's state inside the project.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export APE_DATA_FOLDER="$ROOT/.cache/ape"
export SOLCX_BINARY_PATH="$ROOT/.cache/solcx"
export VVM_BINARY_PATH="$ROOT/.cache/vvm"
export PATH="$ROOT/.venv/bin:$ROOT/node_modules/@foundry-rs/anvil-linux-amd64/bin:$PATH"
export MEDCHAIN_RPC_URL="${MEDCHAIN_RPC_URL:-http://127.0.0.1:8545}"
export PYTHONWARNINGS="ignore::Warning:pydantic_settings.sources.utils"
