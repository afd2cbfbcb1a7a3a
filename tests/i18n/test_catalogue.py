"""The Russian catalogue is complete: every sentence the code marks is translated, with the same
placeholders, and compiles."""

import io
import re

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from dapp.i18n.catalogues import LOCALE_DIR
from dapp.paths import PROJECT_ROOT

PO = LOCALE_DIR / "ru" / "LC_MESSAGES" / "medchain.po"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
# A str.format placeholder's name: `{name}`, `{name!r}`, `{name:014d}` (not `{{`).
PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)(?:![rsa])?(?::[^{}]*)?\}")


@pytest.fixture(scope="module")
def catalogue():
    with PO.open("rb") as stream:
        return read_po(stream)


@pytest.fixture(scope="module")
def marked():
    """The msgids the code marks now, as tools/i18n.sh extracts them (babel.cfg)."""
    with (PROJECT_ROOT / "babel.cfg").open() as stream:
        method_map, options_map = parse_mapping_cfg(stream)
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(PROJECT_ROOT), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True):
        found.add(message if isinstance(message, str) else tuple(message))
    return {message for message in found if message}


def _forms(message) -> list[str]:
    return list(message) if isinstance(message, (tuple, list)) else [message]


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def test_every_marked_sentence__is_in_the_russian_catalogue(marked, catalogue):
    ids = {message.id if isinstance(message.id, str) else tuple(message.id) for message in catalogue if message.id}
    missing = sorted(map(str, marked - ids))
    assert not missing, f"run tools/i18n.sh and translate: {missing}"


def test_every_entry__translated_and_not_fuzzy(catalogue):
    untranslated = [message.id for message in catalogue if message.id
                    and (not message.string or not all(_forms(message.string)))]
    fuzzy = [message.id for message in catalogue if message.id and message.fuzzy]
    assert not untranslated, untranslated
    assert not fuzzy, fuzzy
    assert not catalogue.fuzzy  # the header is not fuzzy either (compiling would skip the catalogue)


def test_plural_entries__three_russian_forms(catalogue):
    assert catalogue.num_plurals == 3
    for message in catalogue:
        if message.id and message.pluralizable:
            assert len(message.string) == 3 and all(message.string), message.id


def test_every_translation__the_placeholders_of_its_sentence(catalogue):
    wrong = []
    for message in catalogue:
        if not message.id:
            continue
        expected = _placeholders(_forms(message.id)[0]) | _placeholders(_forms(message.id)[-1])
        for form in _forms(message.string):
            if _placeholders(form) != expected:
                wrong.append((message.id, form))
    assert not wrong, wrong


def test_every_translation__formats_with_its_sentence_arguments(catalogue):
    """str.format accepts the translation with the arguments the English sentence takes."""
    for message in catalogue:
        if not message.id:
            continue
        source = _forms(message.id)[-1]
        names = _placeholders(source)
        if not names:
            continue
        for form in _forms(message.string):
            arguments = {name: _Anything() for name in names}
            form.format(**arguments)


class _Anything:
    """Formats under any spec (`:014d`, `:g`, `:%B %Y`) and conversion."""

    def __format__(self, spec):
        return "x"

    def __repr__(self):
        return "x"


def test_catalogue__compiles_without_errors(catalogue):
    problems = [(message.id, errors) for message, errors in catalogue.check()]
    assert not problems, problems
    buffer = io.BytesIO()
    write_mo(buffer, catalogue)
    assert buffer.getbuffer().nbytes > 1000


def test_the_catalogue__has_no_english_left_as_russian(catalogue):
    """A translation is Russian: it has Cyrillic, unless it is only codes, names or placeholders."""
    latin_only = []
    for message in catalogue:
        if not message.id:
            continue
        for form in _forms(message.string):
            words = re.findall(r"[A-Za-z]{4,}", PLACEHOLDER.sub("", form))
            prose = [w for w in words if w.islower() and w not in _TECHNICAL]
            if not re.search("[а-яА-ЯёЁ]", form) and len(prose) >= 2:
                latin_only.append(form)
    assert not latin_only, latin_only


# Words that stay Latin in Russian text: commands, formats, identifiers.
_TECHNICAL = {"participants", "resources", "custody", "json", "html", "linkset", "http", "https", "make",
              "ipfs", "start", "tools", "eval"}


class TestUntranslatedCatalogue:
    """The checks above do fail on a bad catalogue (they are not vacuous)."""

    def test_missing_placeholder__found(self):
        catalog = Catalog(locale="ru")
        catalog.add("tender {tender_id} is {status}", "тендер {status}")
        message = catalog["tender {tender_id} is {status}"]
        assert _placeholders(message.string) != _placeholders(message.id)
