#!/usr/bin/env bash
# Installs everything the platform needs, from PyPI, npm and Debian's packages only,
# and keeps every tool's state inside the project. A second run skips what is there.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source tools/env.sh
STAMPS="$ROOT/.cache/stamps"
mkdir -p "$STAMPS" "$APE_DATA_FOLDER" "$SOLCX_BINARY_PATH" "$VVM_BINARY_PATH"

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
# A stamp holds the checksum of the files an install step depends on.
fresh() { [ -f "$STAMPS/$1" ] && [ "$(cat "$STAMPS/$1")" = "$(cat "${@:2}" | sha256sum)" ]; }
stamp() { cat "${@:2}" | sha256sum > "$STAMPS/$1"; }

# 1. Debian packages: libzbar0 (QR decoding with pyzbar), fonts-dejavu-core (DejaVu Sans
#    for the labels' Cyrillic text); Node.js and npm when the
#    machine has none (anvil's launcher and solcjs run on node).
DEBIAN_PACKAGES=(libzbar0 fonts-dejavu-core)
# The tests drive the dApp in Debian's Chromium (Playwright's own browser download is not
# reachable from these machines).
[ "${1:-}" = "--tests" ] && DEBIAN_PACKAGES+=(chromium)
command -v node >/dev/null || DEBIAN_PACKAGES+=(nodejs)
command -v npm >/dev/null || DEBIAN_PACKAGES+=(npm)
missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 || {
    $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q "${missing[@]}" >/dev/null; }
fi

# 2. Python: a virtual environment with the pinned set (pyproject.toml, constraints.txt).
if ! fresh python pyproject.toml constraints.txt || [ ! -x .venv/bin/python ]; then
  say "installing Python packages into .venv (about a minute the first time)"
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -c constraints.txt -e '.[test]'
  stamp python pyproject.toml constraints.txt
fi

# 3. npm: anvil (its Linux binary ships inside the platform package), solcjs,
#    OpenZeppelin contracts and merkle-tree, js-ipfs, zxing-wasm (the Verify page's live
#    scanner decodes with it in the browser), at the versions of package-lock.json.
if ! fresh npm package.json package-lock.json || [ ! -d node_modules ]; then
  say "installing npm packages (anvil, solc, OpenZeppelin, js-ipfs, the scanner's zxing-wasm; a few minutes the first time)"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
  # OpenZeppelin's npm package carries 257 JSON build artifacts beside its sources. Ape
  # copies the whole package into contracts/.cache and lists only the first 500 files of
  # the contracts folder: with them, our own contracts could fall off the list.
  rm -rf node_modules/@openzeppelin/contracts/build contracts/.cache "$APE_DATA_FOLDER/packages"
  stamp npm package.json package-lock.json
fi

# 4. The Solidity compiler where py-solc-x looks for it: solcjs behind our shim.
SOLC_VERSION="$(node -p 'require("solc/package.json").version')"
shim="$SOLCX_BINARY_PATH/solc-v$SOLC_VERSION"
if [ ! -x "$shim" ]; then
  printf '#!/bin/sh\nexec node "%s/tools/solc-shim.cjs" "$@"\n' "$ROOT" > "$shim"
  chmod +x "$shim"
fi

# 5. Compile the contracts (Ape skips what has not changed).
if ! fresh contracts ape-config.yaml $(find contracts -path contracts/.cache -prune -o -type f -print | sort) 2>/dev/null \
   || [ ! -f .build/__local__.json ]; then
  say "compiling contracts"
  ape compile < /dev/null > .cache/compile.log 2>&1 || { cat .cache/compile.log; exit 1; }
  stamp contracts ape-config.yaml $(find contracts -path contracts/.cache -prune -o -type f -print | sort)
fi

# 6. The Russian catalogue, compiled from its .po (dapp/i18n/locale).
for po in dapp/i18n/locale/*/LC_MESSAGES/medchain.po; do
  mo="${po%.po}.mo"
  if [ ! -f "$mo" ] || [ "$po" -nt "$mo" ]; then
    pybabel compile --domain medchain --input-file "$po" --output-file "$mo" --statistics 2>&1 | sed 's/^/[setup] /'
  fi
done
