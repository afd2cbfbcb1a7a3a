"""What the Verify page checks: a typed or scanned text, or a photo, to verdicts.

A photo may hold several codes (a pack's DataMatrix beside a QR label): each gets its verdict.
A typed text may stand for several codes when a keyboard-wedge scanner lost the group
separators (`dapp.codes.wedge`): each reading is verified and the one the chain knows is kept,
with a note saying how the text was read. Every failure is a PlatformError whose message says
what was wrong and what to do.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field

from dapp.codes.gs1 import GS
from dapp.codes.wedge import readings
from dapp.i18n import _
from dapp.verification.service import VerificationService
from dapp.verification.verdicts import Reason, Verdict

# Readings the chain does not know at all: a wrong split of a code whose separators were lost.
_UNKNOWN = {Reason.UNKNOWN_PRODUCT, Reason.UNKNOWN_BATCH, Reason.SERIAL_NOT_IN_BATCH}
MAX_CODES_PER_PHOTO = 10


@dataclass
class Check:
    """The verdicts of one check, and how the input was read."""

    verdicts: list[Verdict]
    source: str  # "text", "photo", "camera", "link"
    notes: list[str] = field(default_factory=list)
    photo_sha256: str | None = None
    texts: list[str] = field(default_factory=list)  # each verdict's code as it was read
    reference: str = field(default_factory=lambda: uuid.uuid4().hex)  # tells one check from the next

    @property
    def genuine(self) -> bool:
        return bool(self.verdicts) and all(verdict.genuine for verdict in self.verdicts)


def check_text(service: VerificationService, text: str, scanner: str | None = None, source: str = "text") -> Check:
    """The verdict on a typed, pasted or scanned code (raises InvalidCodeError: what is wrong)."""
    options = readings(text)
    best, notes = None, []
    for reading, _code in options:
        verdict = service.verify_text(reading, scanner)
        if best is None or _rank(verdict) < _rank(best[1]):
            best = (reading, verdict)
        if verdict.genuine:
            break
    reading, verdict = best
    if len(options) > 1 or reading.replace(GS, "") != text.strip().replace(GS, ""):
        if GS in reading and GS not in text:
            notes.append(_("The scanner did not send the group separators; the code was read as {code}.")
                         .format(code=_bracketed(verdict)))
        elif reading != text.strip():
            notes.append(_("The scanner's input was cleaned up (separators, keyboard layout); the code was read as "
                           "{code}.").format(code=_bracketed(verdict)))
    return Check(verdicts=[verdict], source=source, notes=notes, texts=[reading])


def check_photo(service: VerificationService, image: bytes, scanner: str | None = None, source: str = "photo") -> Check:
    """The verdicts on every code in a photo (raises NotAnImageError or NoCodeFoundError, with
    how to retake it, or InvalidCodeError when the code read is no pack code)."""
    from dapp.codes.qr import decode_codes

    photo_sha256 = hashlib.sha256(image).hexdigest()
    codes = decode_codes(image)[:MAX_CODES_PER_PHOTO]
    verdicts, notes, texts = [], [], []
    for decoded in codes:
        check = check_text(service, decoded.text, scanner, source)
        verdicts += check.verdicts
        notes += check.notes
        texts += check.texts
    return Check(verdicts=verdicts, source=source, notes=notes, photo_sha256=photo_sha256, texts=texts)


def _rank(verdict: Verdict) -> int:
    """0 genuine, 1 suspect for a reason about the known pack itself, 2 a code the chain does not know."""
    if verdict.genuine:
        return 0
    return 2 if set(verdict.reasons) & _UNKNOWN else 1


def _bracketed(verdict: Verdict) -> str:
    code = verdict.code
    text = f"(01){code.gtin}(21){code.serial}"
    if code.lot is not None:
        text += f"(10){code.lot}"
    if code.expiry is not None:
        text += f"(17){code.expiry:%y%m%d}"
    return text
