"""Russian and English for every sentence a user reads: the library's verdicts, refusals and
errors as much as the pages.

Sentences are marked with `_` (or `N_` where they are only declared) and looked up in the
current language when they are made, so a message carries the language of whoever asked:

    from dapp.i18n import _
    raise InvalidCodeError(_("the GTIN {gtin} has a wrong check digit").format(gtin=gtin))

The current language is a context variable: the CLI takes it from `LANG`, the dApp sets it
per browser session (`use_language`), the resolver per request (`Accept-Language`).
Catalogues: `dapp/i18n/locale/<lang>/LC_MESSAGES/medchain.po` (Babel; compiled to `.mo` at
set-up, read from the `.po` when no `.mo` is there yet).
"""

from dapp.i18n.catalogues import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    N_,
    _,
    current_language,
    language_from_accept,
    language_from_environment,
    ngettext,
    set_language,
    use_language,
)
from dapp.i18n.formatting import format_date, format_datetime, format_number, format_rubles

__all__ = [
    "DEFAULT_LANGUAGE", "LANGUAGES", "N_", "_", "current_language", "format_date", "format_datetime",
    "format_number", "format_rubles", "language_from_accept", "language_from_environment", "ngettext",
    "set_language", "use_language",
]
