"""Verdicts on the seeded demo's packs, read in Russian and in English: every reason a pack is
suspect, its history and the text the CLI prints, in the language of whoever asked."""

import re

import pytest

from dapp.codes.qr import decode_codes
from dapp.demo import world as demo
from dapp.i18n import use_language
from dapp.verification.text import render_verdict
from dapp.verification.verdicts import Reason, Verifier

CYRILLIC = re.compile("[а-яА-ЯёЁ]")
# English words of the findings' sentences: none is left in a Russian one.
ENGLISH = re.compile(r"\b(the|is|was|by|of|on|no|not|batch|serial|pack|product|registered|recalled|withdrawn|"
                     r"expired|dispensed|destroyed|stolen|manufacturer|which|never|held|scanned|code)\b")
SUSPECT_CASES = [code for code in demo.DEMO_CODES if code.case != "genuine"]


@pytest.fixture(scope="module")
def verifier(demo_chain):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MEDCHAIN_DATA", str(demo_chain.data))
        patch.setenv("MEDCHAIN_RPC_URL", demo_chain.url)
        patch.delenv("MEDCHAIN_IPFS_API", raising=False)
        yield Verifier.at(demo_chain.url)


@pytest.fixture(scope="module")
def scan(verifier, demo_chain):
    """The verdict on a demo label's photo, made in `language`."""
    accounts = demo_chain.accounts

    def scan(code, language):
        text = decode_codes(demo_chain.labels / f"{code.case}.png")[0].text
        scanner = accounts[demo.organization(code.scanner).account_index] if code.scanner else None
        with use_language(language):
            return verifier.verify_text(text, scanner)

    return scan


def _without_values(message: str, verdict) -> str:
    """The message without the facts it quotes (names, codes, lots, accounts, dates)."""
    for value in (verdict.code.gtin, verdict.code.lot or "", verdict.code.serial, verdict.manufacturer.get("name", ""),
                  verdict.unit.get("by_name", "")):
        if value:
            message = message.replace(value, "")
    return re.sub(r"0x[0-9a-fA-F]+|[\d:T+\-]+|«[^»]*»|'[^']*'", "", message)


@pytest.mark.parametrize("code", SUSPECT_CASES, ids=lambda code: code.case)
def test_suspect_pack__every_reason__russian_in_russian(scan, code):
    verdict = scan(code, "ru")
    assert not verdict.genuine and verdict.findings
    for finding in verdict.findings:
        assert isinstance(finding.reason, Reason)  # the machine code stays
        assert CYRILLIC.search(finding.message), finding.message
        assert not ENGLISH.search(_without_values(finding.message, verdict)), finding.message


@pytest.mark.parametrize("code", SUSPECT_CASES, ids=lambda code: code.case)
def test_suspect_pack__every_reason__english_in_english(scan, code):
    russian, english = scan(code, "ru"), scan(code, "en")
    assert english.reasons == russian.reasons
    for finding_en, finding_ru in zip(english.findings, russian.findings):
        assert ENGLISH.search(finding_en.message), finding_en.message
        assert not CYRILLIC.search(_without_values(finding_en.message, english)), finding_en.message
        assert finding_en.message != finding_ru.message


@pytest.mark.parametrize("case, russian, english", [
    ("recalled", "отозвана (дефект качества)", "is recalled (quality defect)"),
    ("withdrawn", "изъята из обращения", "is withdrawn from circulation"),
    ("already-dispensed-cloned-code", "её код скопирован", "its code has been copied"),
    ("destroyed", "эта упаковка уничтожена", "this pack was destroyed by"),
    ("stolen", "эта упаковка похищена", "this pack was stolen by"),
    ("unknown-product", "не зарегистрирован ни один продукт", "no product is registered under GTIN"),
    ("never-held-by-scanner", "никогда не владела этой серией", "which never held this batch"),
    ("expired", "срок годности истёк", "expired on"),
])
def test_suspect_pack__the_sentence_in_each_language(scan, case, russian, english):
    code = next(code for code in demo.DEMO_CODES if code.case == case)
    assert russian in " ".join(finding.message for finding in scan(code, "ru").findings)
    assert english in " ".join(finding.message for finding in scan(code, "en").findings)


def test_machine_values__the_same_in_both_languages(scan):
    code = next(code for code in demo.DEMO_CODES if code.case == "recalled")
    russian, english = scan(code, "ru"), scan(code, "en")
    assert russian.batch == english.batch and russian.batch["status"] == "recalled"
    assert russian.batch["reason"] == "quality defect"  # the machine word; the message has the translated one
    assert [document.label for document in russian.documents] == [document.label for document in english.documents]
    assert [event.kind for event in russian.history] == [event.kind for event in english.history]
    assert russian.to_dict()["findings"][0]["reason"] == "batch_recalled"


def test_genuine_pack__history_and_text_in_russian(scan):
    code = next(code for code in demo.DEMO_CODES if code.case == "genuine")
    verdict = scan(code, "ru")
    assert verdict.genuine
    assert all(CYRILLIC.search(event.description) for event in verdict.history)
    assert any("ед. отгружено: АО «Волжская фармацевтическая компания» → ООО «ЦентрФармДистрибуция»" in event.description
               for event in verdict.history)
    with use_language("ru"):
        text = render_verdict(verdict)
    assert text.splitlines()[0].startswith("ПОДЛИННАЯ  04607001120018 / серия MF2406 / серийный номер ")
    for label in ("Препарат:", "Производитель:", "Серия:", "Эта упаковка:", "Документ:", "История:"):
        assert label in text, text
    assert "регистрационное удостоверение: bafkrei" in text and "(проверен)" in text
    assert "в обороте" in text
    with use_language("en"):
        english = render_verdict(verdict)
    assert "Product:" in english and "Batch:" in english and "registration certificate" in english
