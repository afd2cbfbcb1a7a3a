"""The gettext catalogues and the current language (a context variable)."""

from __future__ import annotations

import contextlib
import contextvars
import gettext
import os
from collections.abc import Iterator
from functools import cache
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "medchain"
# English is the source language: its sentences are the msgids themselves.
LANGUAGES = ("en", "ru")
DEFAULT_LANGUAGE = "en"

_language: contextvars.ContextVar[str] = contextvars.ContextVar("medchain_language", default="")


def language_from_environment(environ: dict | None = None) -> str:
    """The language `LANGUAGE`, `LC_ALL`, `LC_MESSAGES` or `LANG` asks for, as gettext reads them."""
    environ = os.environ if environ is None else environ
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        for part in value.split(":"):
            language = _supported(part)
            if language:
                return language
    return DEFAULT_LANGUAGE


def language_from_accept(header: str | None) -> str:
    """The first supported language of an HTTP `Accept-Language` header (by its q-values)."""
    choices = []
    for position, item in enumerate((header or "").split(",")):
        tag, _sep, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _eq, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        language = _supported(tag)
        if language and quality > 0:
            choices.append((-quality, position, language))
    return min(choices)[2] if choices else DEFAULT_LANGUAGE


def _supported(tag: str) -> str:
    base = tag.strip().replace("_", "-").split("-")[0].split(".")[0].lower()
    return base if base in LANGUAGES else ""


def current_language() -> str:
    return _language.get() or language_from_environment()


def set_language(language: str) -> None:
    """Sets the language of this context (a Streamlit script run, a request, the CLI)."""
    _language.set(_supported(language) or DEFAULT_LANGUAGE)


@contextlib.contextmanager
def use_language(language: str) -> Iterator[None]:
    token = _language.set(_supported(language) or DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _language.reset(token)


@cache
def _translations(language: str) -> gettext.NullTranslations:
    if language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    mo, po = folder / f"{DOMAIN}.mo", folder / f"{DOMAIN}.po"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as stream:
            return gettext.GNUTranslations(stream)
    if po.exists():  # not compiled yet (a checkout before `make`): read the .po itself
        return _from_po(po)
    return gettext.NullTranslations()


def _from_po(po: Path) -> gettext.NullTranslations:
    import io

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as stream:
        catalog = read_po(stream)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def _(message: str) -> str:
    """`message` in the current language."""
    return _translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return _translations(current_language()).ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Marks a sentence for the catalogue where it is declared; `_` translates it where it is used."""
    return message
