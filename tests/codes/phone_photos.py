"""Simulated phone photos of the project's QR labels, for the decoder's tests and the bench.

Each photo: a label (from `dapp.codes.labels.label_png`, with a realistic GS1 Digital Link) on
slightly tinted paper, turned by a random angle and placed on a textured, unevenly lit
background, seen in perspective (corners moved by up to 12 %), shrunk to a photo whose
long side is 500 to 1600 px (the code then spans about 110 to 500 px), blurred
(Gaussian, radius up to 1.6 px), darkened on one side, with sensor noise (sigma up to
14), saved as JPEG at quality 25 to 85, half of them in colour. Fixed seeds make the same
photos on every run.
"""

from __future__ import annotations

import io
import random

import numpy as np
from PIL import Image, ImageFilter

from dapp.codes.gs1 import complete_gtin, digital_link
from dapp.codes.labels import Label, label_png

RESOLVER = "https://id.medchain.example"
_SERIAL_CHARACTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def random_label(rnd: random.Random) -> Label:
    """A label for a random unit of a Russian-made product, its text partly Cyrillic."""
    gtin = complete_gtin("0460" + "".join(rnd.choice("0123456789") for _ in range(9)))
    lot = f"MF{rnd.randint(2300, 2612)}"
    serial = "".join(rnd.choice(_SERIAL_CHARACTERS) for _ in range(13))
    expiry = f"{rnd.randint(26, 30)}{rnd.randint(1, 12):02d}{rnd.randint(1, 28):02d}"
    return Label(
        digital_link(gtin, serial, lot, expiry, resolver=RESOLVER),
        ["Амоксициллин 500 мг, капсулы №16", f"GTIN {gtin}", f"Серия {lot}  годен до {expiry}", f"SN {serial}"],
    )


def phone_photos(count: int, seed: int = 1234) -> list[tuple[str, bytes]]:
    """`count` (URI, JPEG photo) pairs, the same for the same seed."""
    rnd, noise = random.Random(seed), np.random.default_rng(seed)
    photos = []
    for _ in range(count):
        label = random_label(rnd)
        photos.append((label.uri, phone_photo(Image.open(io.BytesIO(label_png(label))), rnd, noise)))
    return photos


def phone_photo(label: Image.Image, rnd: random.Random, noise: np.random.Generator) -> bytes:
    """`label` photographed badly: the JPEG bytes."""
    # The scene is 1.6 to 2.4 times the label; it is drawn directly at the photo's size.
    scene_width = max(label.size) * rnd.uniform(1.6, 2.4)
    scene_height = scene_width * rnd.uniform(0.75, 1.33)
    scale = rnd.randint(500, 1600) / max(scene_width, scene_height)
    width, height = round(scene_width * scale), round(scene_height * scale)
    paper = label.convert("L").point(_paper_tint(rnd))
    paper = paper.resize((round(paper.width * scale), round(paper.height * scale)), Image.Resampling.BOX)

    base = rnd.uniform(40, 200)
    xs, ys = np.linspace(0, 1, width)[None, :], np.linspace(0, 1, height)[:, None]
    background = base + rnd.uniform(-60, 60) * xs + rnd.uniform(-60, 60) * ys
    background = background + rnd.uniform(2, 20) * noise.standard_normal((height, width), np.float32)
    photo = Image.fromarray(np.clip(background, 0, 255).astype(np.uint8), "L")

    angle = rnd.uniform(0, 360)
    turned = paper.rotate(angle, Image.Resampling.BICUBIC, expand=True)
    mask = Image.new("L", paper.size, 255).rotate(angle, Image.Resampling.BICUBIC, expand=True)
    if turned.width > width or turned.height > height:
        width, height = max(width, turned.width + 4), max(height, turned.height + 4)
        photo = photo.resize((width, height))
    photo.paste(turned, (rnd.randint(0, width - turned.width), rnd.randint(0, height - turned.height)), mask)

    corners = [(0, 0), (width, 0), (width, height), (0, height)]
    moved = [(x + rnd.uniform(-0.12, 0.12) * width, y + rnd.uniform(-0.12, 0.12) * height) for x, y in corners]
    photo = photo.transform(
        (width, height),
        Image.Transform.PERSPECTIVE,
        _perspective(moved, corners),
        Image.Resampling.BICUBIC,
        fillcolor=int(base),
    )
    photo = photo.filter(ImageFilter.GaussianBlur(rnd.uniform(0.0, 1.6)))

    pixels = np.asarray(photo, dtype=np.float32)
    ramp = np.linspace(0, 1, width)[None, :] if rnd.random() < 0.5 else np.linspace(0, 1, height)[:, None]
    pixels = pixels * (1 - rnd.uniform(0, 0.45) * ramp) + rnd.uniform(2, 14) * noise.standard_normal(pixels.shape, np.float32)
    photo = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "L")
    if rnd.random() < 0.5:
        photo = photo.convert("RGB")
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=rnd.randint(25, 85))
    return out.getvalue()


def _paper_tint(rnd: random.Random):
    gain, offset = rnd.uniform(0.85, 0.98), rnd.uniform(0, 10)
    return lambda value: int(value * gain + offset)


def _perspective(source: list[tuple[float, float]], target: list[tuple[float, float]]) -> list[float]:
    """The 8 coefficients Image.transform needs to map `target` corners back to `source` ones."""
    rows, values = [], []
    for (x, y), (u, v) in zip(target, source):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        values.append(u)
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        values.append(v)
    return np.linalg.solve(np.array(rows, dtype=np.float64), np.array(values, dtype=np.float64)).tolist()
