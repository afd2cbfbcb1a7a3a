"""`ape run verify` follows LANG: a Russian terminal gets the verdict in Russian."""

import json

import pytest

from dapp.demo import world as demo
from tests.fixtures.anvil import ape_run


def _env(demo_chain, lang):
    env = {key: value for key, value in demo_chain.env.items() if key not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    return dict(env, LANG=lang)


def verify(demo_chain, lang, *arguments, expect_success=False):
    return ape_run(["verify", *arguments], _env(demo_chain, lang), account=None, expect_success=expect_success)


def test_verify__lang_ru__verdict_in_russian(demo_chain):
    out = verify(demo_chain, "ru_RU.UTF-8", str(demo_chain.labels / "recalled.png"))
    assert out.splitlines()[0].startswith("ПОДОЗРИТЕЛЬНАЯ  ")
    assert "! batch_recalled: серия AM2402 отозвана (дефект качества)" in out
    assert "Серия:         AM2402: отозвана (дефект качества)" in out
    assert "Препарат:" in out and "История:" in out


def test_verify__lang_en__verdict_in_english(demo_chain):
    out = verify(demo_chain, "en_US.UTF-8", str(demo_chain.labels / "recalled.png"))
    assert out.splitlines()[0].startswith("SUSPECT  ")
    assert "! batch_recalled: batch AM2402 is recalled (quality defect)" in out


def test_verify__lang_ru__genuine_history_in_russian(demo_chain):
    scanner = demo_chain.accounts[demo.organization("pharmacy12").account_index]
    out = verify(demo_chain, "ru_RU.UTF-8", str(demo_chain.labels / "genuine.png"), "--at", scanner,
                 expect_success=True)
    assert out.splitlines()[0].startswith("ПОДЛИННАЯ  04607001120018 / серия MF2406")
    assert "200 ед. отгружено: АО «Волжская фармацевтическая компания» → ООО «ЦентрФармДистрибуция»" in out


def test_verify__lang_ru__json_keeps_machine_codes_with_russian_messages(demo_chain):
    out = verify(demo_chain, "ru_RU.UTF-8", str(demo_chain.labels / "withdrawn.png"), "--json")
    verdict = json.loads(out[out.index("{"): out.rindex("}") + 1])
    assert verdict["status"] == "SUSPECT" and verdict["batch"]["status"] == "withdrawn"
    assert [finding["reason"] for finding in verdict["findings"]] == ["batch_withdrawn"]
    assert "изъята из обращения" in verdict["findings"][0]["message"]


@pytest.mark.parametrize("lang, expected", [
    ("ru_RU.UTF-8", "Ошибка: GTIN 04607001120019 в AI (01): контрольная цифра должна быть 8"),
    ("en_US.UTF-8", "Error: GTIN 04607001120019 in AI (01): check digit should be 8"),
])
def test_verify__malformed_code__error_in_the_language(demo_chain, lang, expected):
    out = verify(demo_chain, lang, "(01)04607001120019(21)ABC")
    assert expected in out
