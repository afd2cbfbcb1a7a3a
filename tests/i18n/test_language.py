"""Which language a sentence is made in: from the environment (CLI), Accept-Language (resolver),
or set per context (a dApp session), each context keeping its own."""

import asyncio
import contextvars
import threading

import pytest

from dapp.i18n import (_, current_language, language_from_accept, language_from_environment, ngettext,
                       set_language, use_language)

SENTENCE = "no product is registered under GTIN {gtin}"


@pytest.mark.parametrize("environ, expected", [
    ({"LANG": "ru_RU.UTF-8"}, "ru"),
    ({"LANG": "en_US.UTF-8"}, "en"),
    ({"LANG": "de_DE.UTF-8"}, "en"),
    ({}, "en"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({"LANGUAGE": "ru:en", "LANG": "en_US.UTF-8"}, "ru"),
    ({"LANGUAGE": "de:ru", "LANG": "en_US.UTF-8"}, "ru"),
    ({"LC_ALL": "ru_RU.UTF-8", "LANG": "en_GB.UTF-8"}, "ru"),
    ({"LC_MESSAGES": "ru_RU", "LANG": "en_GB.UTF-8"}, "ru"),
    ({"LANGUAGE": "en", "LANG": "ru_RU.UTF-8"}, "en"),
], ids=["LANG-ru", "LANG-en", "unsupported", "nothing", "C", "LANGUAGE-first", "LANGUAGE-list",
        "LC_ALL", "LC_MESSAGES", "LANGUAGE-en-over-LANG-ru"])
def test_language_from_environment(environ, expected):
    assert language_from_environment(environ) == expected


@pytest.mark.parametrize("header, expected", [
    ("ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7", "ru"),
    ("en-GB,en;q=0.9,ru;q=0.8", "en"),
    ("de-DE,de;q=0.9,ru;q=0.5", "ru"),
    ("en;q=0.2, ru;q=0.8", "ru"),
    ("ru;q=0, en", "en"),
    ("fr", "en"),
    ("", "en"),
    (None, "en"),
    ("ru;q=abc, en;q=0.1", "en"),
], ids=["ru-first", "en-first", "unsupported-then-ru", "by-quality", "q0-refused", "unsupported", "empty",
        "none", "bad-quality"])
def test_language_from_accept(header, expected):
    assert language_from_accept(header) == expected


def test_the_tests_run_in_english():
    assert current_language() == "en"
    assert _(SENTENCE) == SENTENCE


def test_use_language__translates_inside__restores_after():
    with use_language("ru"):
        assert current_language() == "ru"
        assert _(SENTENCE).format(gtin="04607001120018") == "под GTIN 04607001120018 не зарегистрирован ни один продукт"
        with use_language("en"):
            assert _(SENTENCE) == SENTENCE
        assert current_language() == "ru"
    assert current_language() == "en"


def test_use_language__unsupported_or_regional_tags():
    with use_language("ru-RU"):
        assert current_language() == "ru"
    with use_language("fr"):
        assert current_language() == "en"


def test_unknown_sentence__itself():
    with use_language("ru"):
        assert _("a sentence nobody marked") == "a sentence nobody marked"


@pytest.mark.parametrize("count, expected", [
    (1, "1 цифра"), (2, "2 цифры"), (4, "4 цифры"), (5, "5 цифр"), (11, "11 цифр"), (12, "12 цифр"),
    (21, "21 цифра"), (22, "22 цифры"), (25, "25 цифр"), (111, "111 цифр"),
])
def test_ngettext__three_russian_forms(count, expected):
    with use_language("ru"):
        assert ngettext("{count} digit", "{count} digits", count).format(count=count) == expected
    assert ngettext("{count} digit", "{count} digits", count).format(count=count) == (
        f"{count} digit" if count == 1 else f"{count} digits")


def test_threads__each_its_own_language():
    """Two sessions served by two threads at once: each reads its own language."""
    barrier = threading.Barrier(2)
    seen = {}

    def session(language):
        set_language(language)
        barrier.wait(timeout=5)  # both have set theirs before either reads
        seen[language] = (current_language(), _(SENTENCE))

    threads = [threading.Thread(target=session, args=(language,)) for language in ("ru", "en")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert seen["ru"] == ("ru", "под GTIN {gtin} не зарегистрирован ни один продукт")
    assert seen["en"] == ("en", SENTENCE)
    assert current_language() == "en"  # this thread's own is untouched


def test_contexts__set_language_stays_in_its_context():
    def in_russian():
        set_language("ru")
        return _(SENTENCE)

    assert contextvars.copy_context().run(in_russian).startswith("под GTIN")
    assert current_language() == "en"


def test_async_requests__each_its_own_language():
    async def request(language, delay):
        with use_language(language):
            await asyncio.sleep(delay)
            return current_language()

    async def both():
        return await asyncio.gather(request("ru", 0.02), request("en", 0.01))

    assert asyncio.run(both()) == ["ru", "en"]


def test_environment__used_when_nothing_was_set(monkeypatch):
    monkeypatch.setenv("LANGUAGE", "ru")
    assert contextvars.Context().run(current_language) == "ru"
    monkeypatch.setenv("LANGUAGE", "en")
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")
    assert contextvars.Context().run(current_language) == "en"
