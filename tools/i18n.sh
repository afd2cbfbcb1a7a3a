#!/usr/bin/env bash
# The catalogue: extracts every `_`, `N_` and `ngettext` sentence of the library, the dApp and
# the scripts (babel.cfg) into dapp/i18n/medchain.pot, then updates the Russian .po from it,
# keeping the translations made (new sentences come in untranslated, gone ones are dropped),
# and compiles it. Translate the entries with an empty msgstr, then run it again.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
POT=dapp/i18n/medchain.pot
pybabel extract -F babel.cfg -k _ -k N_ -k ngettext:1,2 --no-location --sort-output --omit-header \
  --project medchain --charset utf-8 -o "$POT" . 2>&1 | grep -v "^extracting messages from" || true
for po in dapp/i18n/locale/*/LC_MESSAGES/medchain.po; do
  lang="$(basename "$(dirname "$(dirname "$po")")")"
  # --no-fuzzy-matching: a new sentence is left empty rather than given a neighbour's translation.
  pybabel update --domain medchain --input-file "$POT" --output-file "$po" --locale "$lang" \
    --no-fuzzy-matching --ignore-obsolete --no-wrap 2>&1 | sed 's/^/[i18n] /'
  untranslated="$(python - "$po" <<'PY'
import sys
from babel.messages.pofile import read_po
with open(sys.argv[1], "rb") as stream:
    catalog = read_po(stream)
print(sum(1 for m in catalog if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))))
PY
)"
  echo "[i18n] $po: $untranslated untranslated"
  pybabel compile --domain medchain --input-file "$po" --output-file "${po%.po}.mo" --statistics 2>&1 | sed 's/^/[i18n] /'
done
