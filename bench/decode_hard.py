"""Hard phone photos read on the server: `qr_decode_rate_hard_set`, `qr_decode_rate_hard_tier`,
`datamatrix_decode_rate_hard_set`, `qr_decode_p95_ms` and a rate per tier.

The set is tests/codes/hard_photos.py's, fixed seed: PER_TIER photos in each of the tiers
"medium", "hard" and "hardest", half QR codes holding GS1 Digital Links, half Chestny ZNAK GS1
DataMatrix with 91/92 crypto tails. Each photo's JPEG bytes go to `dapp.codes.qr.decode_codes`
as an upload would, timed from the bytes to the codes; a photo counts as read when the codes
include its expected text exactly (the URI, or `]d2` and the element string with its GS
separators). A few of the hardest photos read and a few missed are saved, cropped round the
code, under bench/hard_examples/ for RESULTS.md.

    source tools/env.sh && python bench/decode_hard.py
"""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

PER_TIER = 100
SEED = 15
EXAMPLES = HERE / "hard_examples"
EXAMPLES_READ = 4
EXAMPLES_MISSED = 4
SECTION = EXAMPLES / "section.md"


def bench_hard_decoding(results: dict) -> str:
    """Fills the hard-set keys of `results`; returns the markdown section for RESULTS.md."""
    from dapp.codes import qr
    from dapp.errors import PlatformError
    from tests.codes.hard_photos import TIERS, hard_photos

    started = time.perf_counter()
    photos = hard_photos(PER_TIER, seed=SEED)
    generated_s = time.perf_counter() - started
    outcomes = []  # (photo, read, ms)
    for photo in photos:
        started = time.perf_counter()
        try:
            texts = [code.text for code in qr.decode_codes(photo.jpeg)]
        except PlatformError:
            texts = []
        outcomes.append((photo, photo.text in texts, (time.perf_counter() - started) * 1000))

    def rate(keep) -> float:
        chosen = [read for photo, read, _ms in outcomes if keep(photo)]
        return round(sum(chosen) / len(chosen), 3)

    milliseconds = sorted(ms for _photo, _read, ms in outcomes)
    results["qr_decode_rate_hard_set"] = rate(lambda p: p.symbology == "QRCODE")
    results["qr_decode_rate_hard_tier"] = rate(lambda p: p.symbology == "QRCODE" and p.tier == "hardest")
    results["datamatrix_decode_rate_hard_set"] = rate(lambda p: p.symbology == "DATAMATRIX")
    results["datamatrix_decode_rate_hard_tier"] = rate(lambda p: p.symbology == "DATAMATRIX" and p.tier == "hardest")
    for tier in TIERS:
        results[f"qr_decode_rate_hard_{tier}"] = rate(lambda p, tier=tier: p.tier == tier)
    results["qr_decode_p95_ms"] = round(_percentile(milliseconds, 0.95), 1)
    results["qr_decode_p50_ms_hard_set"] = round(_percentile(milliseconds, 0.5), 1)

    rows = []
    for tier in TIERS:
        cells = []
        for symbology in ("QRCODE", "DATAMATRIX"):
            chosen = [read for photo, read, _ms in outcomes if photo.tier == tier and photo.symbology == symbology]
            cells.append(f"{sum(chosen)}/{len(chosen)}")
        tier_ms = sorted(ms for photo, _read, ms in outcomes if photo.tier == tier)
        rows.append(f"| {tier} | {cells[0]} | {cells[1]} | {results[f'qr_decode_rate_hard_{tier}']:.3f} | "
                    f"{_percentile(tier_ms, 0.5):.0f} | {_percentile(tier_ms, 0.95):.0f} |")
    examples = _examples(outcomes, qr)
    section = _section(results, photos, generated_s, rows, examples, qr)
    SECTION.write_text(section + "\n", encoding="utf-8")  # RESULTS.md includes it, whichever bench wrote it last
    return section


def _section(results, photos, generated_s, rows, examples, qr) -> str:
    from tests.codes.hard_photos import TIERS

    tiers = "\n".join(f"- **{name}**: {_tier_words(tier)}" for name, tier in TIERS.items())
    return f"""## Hard phone photos (`bench/decode_hard.py`)

{len(photos)} photos made by `tests/codes/hard_photos.py` (seed {SEED}, made in {generated_s:.0f} s):
{PER_TIER} per tier, half QR codes holding GS1 Digital Links (the project's labels, error
correction M), half GS1 DataMatrix as Chestny ZNAK prints them (01 GTIN, 21 serial, 91 key,
92 crypto tail of 44 or 88 characters). Every photo has every defect at once, each drawn from its
tier's range: perspective tilt, curvature round a bottle, glare (a specular blob or a foil
streak that lifts the dark modules toward white without saturating them), a finger over the
quiet zone at a corner (its probability), defocus and motion blur (in modules), sensor noise,
low contrast (ink against paper reflectance, 1 = black on white), JPEG quality, the code
15 % to 45 % of a 1280 to 1920 px frame's width:

{tiers}

Each photo's JPEG bytes are timed through `decode_codes`, as an upload is, one core, on a
machine shared with other work; read means its exact expected text is among the codes.
`qr_decode_rate_hard_set` counts the QR photos of all tiers, `qr_decode_rate_hard_tier` the QR
photos of the hardest tier, `datamatrix_*` the DataMatrix photos, `qr_decode_rate_hard_<tier>`
both kinds in one tier, `qr_decode_p95_ms` every photo of the set (read or not: a photo no pass
reads is given up after the decoder's {qr.DEADLINE_SECONDS * 1000:.0f} ms deadline on starting passes).

| tier | QR read | DataMatrix read | rate | p50 ms | p95 ms |
|---|---|---|---|---|---|
{chr(10).join(rows)}

{examples}
"""


def _percentile(values: list[float], share: float) -> float:
    return values[min(len(values) - 1, int(len(values) * share))] if values else 0.0


def _tier_words(tier) -> str:
    return (f"tilt {tier.tilt[0]:.0f}–{tier.tilt[1]:.0f}°, curvature up to ±{tier.arc[1] * 57.3:.0f}° of arc, "
            f"code {tier.size[0]:.0%}–{tier.size[1]:.0%} of the width, contrast {tier.contrast[0]:.2f}–{tier.contrast[1]:.2f}, "
            f"glare {tier.glare:.0%} of photos (strength {tier.glare_strength[0]:.1f}–{tier.glare_strength[1]:.1f}), "
            f"finger {tier.finger:.0%}, defocus up to {tier.defocus[1]:.2f} and motion up to {tier.motion[1]:.1f} module, "
            f"noise σ {tier.noise[0]:.0f}–{tier.noise[1]:.0f}, JPEG {tier.quality[0]}–{tier.quality[1]}")


def _why_missed(drawn: dict) -> str:
    """The defects of a missed photo that stand out, in words (near its tier's worst)."""
    reasons = []
    blur = drawn["defocus"] * 2 + drawn["motion"]
    if blur >= 1.4:
        reasons.append(f"blurred across {blur:.1f} modules (defocus {drawn['defocus']:.2f}, motion {drawn['motion']:.2f})")
    if drawn["glare"] >= 0.75:
        reasons.append(f"glare lifting the ink {drawn['glare']:.0%} of the way to white")
    if drawn["module"] < 5.5:
        reasons.append(f"modules of {drawn['module']:.1f} px")
    if drawn["contrast"] < 0.35:
        reasons.append(f"contrast {drawn['contrast']:.2f}")
    if drawn["arc"] >= 28:
        reasons.append(f"curved ±{drawn['arc']:.0f}°")
    if drawn["tilt"] >= 30:
        reasons.append(f"tilted {drawn['tilt']:.0f}°")
    return "; ".join(reasons) or "several defects together, none at its worst"


def _examples(outcomes, qr) -> str:
    """Saves a few of the hardest tier's photos (read, and missed) cropped round the code; their markdown."""
    from PIL import Image

    EXAMPLES.mkdir(exist_ok=True)
    for old in EXAMPLES.glob("*.jpg"):
        old.unlink()
    hardest = [(photo, read) for photo, read, _ms in outcomes if photo.tier == "hardest"]
    # The hardest-looking of those read: the most blur and glare together.
    read = sorted((p for p, r in hardest if r), key=lambda p: -(p.drawn["defocus"] * 2 + p.drawn["motion"] + p.drawn["glare"]))
    missed = [p for p, r in hardest if not r]
    lines = ["A few of the hardest tier's photos, cropped round the code (the decoder saw the whole frame):", ""]
    chosen = [(p, True) for p in _both_kinds(read, EXAMPLES_READ)] + [(p, False) for p in missed[:EXAMPLES_MISSED]]
    for index, (photo, was_read) in enumerate(chosen):
        name = f"{'read' if was_read else 'missed'}_{index}_{photo.symbology.lower()}.jpg"
        image = Image.open(io.BytesIO(photo.jpeg)).convert("L")
        xs, ys = [x for x, _y in photo.corners], [y for _x, y in photo.corners]
        margin = 0.35 * max(max(xs) - min(xs), max(ys) - min(ys))
        crop = image.crop((max(0, int(min(xs) - margin)), max(0, int(min(ys) - margin)),
                           min(image.width, int(max(xs) + margin)), min(image.height, int(max(ys) + margin))))
        crop.thumbnail((420, 420))
        quality = 80
        while True:
            out = io.BytesIO()
            crop.save(out, "JPEG", quality=quality)
            if out.tell() < 60_000 or quality <= 40:
                break
            quality -= 10
        (EXAMPLES / name).write_bytes(out.getvalue())
        if was_read:
            _codes, by = qr._scan(qr._load_gray(photo.jpeg))
            verdict = f"read by the pass “{by}”"
        else:
            verdict = f"missed: {_why_missed(photo.drawn)}"
        kind = "QR" if photo.symbology == "QRCODE" else "DataMatrix"
        lines.append(f"- [{name}](hard_examples/{name}) ({kind}; {photo.notes}): {verdict}.")
    if not missed:
        lines.append("- No photo of the hardest tier was missed.")
    return "\n".join(lines)


def _both_kinds(photos, count):
    qr_codes = [p for p in photos if p.symbology == "QRCODE"]
    matrices = [p for p in photos if p.symbology == "DATAMATRIX"]
    return (qr_codes[: count // 2] + matrices[: count - count // 2])[:count]


def main() -> None:
    from alone import measure_alone

    measure_alone(bench_hard_decoding, "qr_", "datamatrix_")
    print(SECTION.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
