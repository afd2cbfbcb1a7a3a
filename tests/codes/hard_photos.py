"""Hard simulated phone photos of medicine packs, in three tiers, for the decoder's tests and the bench.

Two kinds of code, as on real packs:
- QR: the project's label (`dapp.codes.labels.label_png`, error correction M, 4-module quiet
  zone) holding a GS1 Digital Link, stuck on the pack;
- GS1 DataMatrix as Chestny ZNAK prints it: 01 GTIN, 21 serial (13 characters), GS, 91 key id
  (4 characters), GS, 92 crypto tail (44 characters, one pack in five 88), printed straight on
  the carton with a 2-module quiet zone, the pack's other print (text bars) around it.

Each photo is taken badly, every defect at once, each drawn within its tier's range:
- the pack surface seen in perspective, tilted by up to `tilt` degrees about a random axis,
  and turned by any angle in the image plane;
- bent round a cylinder (a bottle, a tube): the code spans up to `arc` radians each side of its
  centre, foreshortened and shaded toward its edges;
- the code `size` (a fraction of the frame's width, down to 0.15) in a 1280 to 1920 px photo;
- low contrast: the ink's reflectance is `contrast` below the paper's (1 = black on white),
  uneven light across the frame;
- glare: a specular blob or a foil sheen (a long streak), partly over the code, brightening it
  toward white; it never quite saturates the dark modules (what an exposure-metering phone
  keeps), so error correction still has the modules under it to work with;
- a finger over the margin at one of the code's corners (the quiet zone, touching the code's
  corner at most), with probability `finger`;
- defocus (a disk of radius `defocus` modules) and motion blur (a streak of up to `motion`
  modules) — beyond about one module a phone cannot read either;
- sensor noise (sigma `noise`), JPEG at `quality`; half the photos in colour.

Tiers ("medium", "hard", "hardest") differ only in those ranges (TIERS). Fixed seeds make the
same photos on every run; a few hundred take a few seconds.
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass

import cv2
import numpy as np
import zxingcpp
from PIL import Image

from dapp.codes.labels import label_png
from tests.codes.phone_photos import random_label

GS = "\x1d"
_SERIAL_CHARACTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!%&*+-./_"
_TAIL_CHARACTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="


@dataclass(frozen=True)
class Tier:
    """The ranges one tier's defects are drawn from (see the module's docstring)."""

    tilt: tuple[float, float]  # degrees
    arc: tuple[float, float]  # radians each side of the code's centre
    size: tuple[float, float]  # code width / frame width
    contrast: tuple[float, float]
    glare: float  # probability
    glare_strength: tuple[float, float]  # share of the room left above the dark modules
    finger: float  # probability
    defocus: tuple[float, float]  # disk radius, modules
    motion: tuple[float, float]  # streak length, modules
    noise: tuple[float, float]  # sigma, grey levels
    quality: tuple[int, int]  # JPEG


TIERS = {
    "medium": Tier(
        tilt=(5, 25), arc=(0.05, 0.35), size=(0.2, 0.4), contrast=(0.45, 0.8), glare=0.5,
        glare_strength=(0.3, 0.7), finger=0.3, defocus=(0.05, 0.35), motion=(0, 0.6), noise=(3, 8), quality=(75, 90),
    ),
    "hard": Tier(
        tilt=(15, 32), arc=(0.15, 0.5), size=(0.17, 0.3), contrast=(0.3, 0.6), glare=0.7,
        glare_strength=(0.5, 0.85), finger=0.5, defocus=(0.15, 0.5), motion=(0, 0.9), noise=(4, 10), quality=(72, 88),
    ),
    "hardest": Tier(
        tilt=(20, 35), arc=(0.25, 0.6), size=(0.15, 0.25), contrast=(0.25, 0.5), glare=0.8,
        glare_strength=(0.6, 0.9), finger=0.6, defocus=(0.2, 0.55), motion=(0, 1.0), noise=(4, 12), quality=(70, 85),
    ),
}
SYMBOLOGIES = ("QRCODE", "DATAMATRIX")


@dataclass(frozen=True)
class HardPhoto:
    """One photo: what a scanner should read from it, and how it was made."""

    text: str
    symbology: str  # "QRCODE" or "DATAMATRIX"
    tier: str
    jpeg: bytes
    notes: str  # the defects drawn, for a person looking at a failure
    corners: tuple[tuple[float, float], ...]  # the code's corners in the photo, roughly (x, y)
    drawn: dict[str, float]  # each defect's measure: tilt and arc in degrees, size a fraction of the
    # frame's width, module px, contrast, glare (0 none), finger (0 or 1), defocus and motion in
    # modules, noise sigma, JPEG quality


def hard_photos(per_tier: int, seed: int = 2024, tiers: tuple[str, ...] = tuple(TIERS)) -> list[HardPhoto]:
    """`per_tier` photos of each tier, QR and DataMatrix alternating; the same for the same seed."""
    photos = []
    for tier_index, tier in enumerate(tiers):
        rnd = random.Random(f"{seed}/{tier}")
        noise = np.random.default_rng([seed, tier_index])
        for index in range(per_tier):
            photos.append(hard_photo(tier, SYMBOLOGIES[index % 2], rnd, noise))
    return photos


def hard_photo(tier: str, symbology: str, rnd: random.Random, noise: np.random.Generator) -> HardPhoto:
    """One photo of `tier`: a fresh code of `symbology` on a pack, photographed badly."""
    limits = TIERS[tier]
    if symbology == "QRCODE":
        label = random_label(rnd)
        text, art, module = label.uri, _qr_label(label), 8
    else:
        text, art, module = _datamatrix_print(rnd)
    photo, drawn, corners = _photograph(art, module, limits, rnd, noise)
    return HardPhoto(text, symbology, tier, photo, describe(drawn), tuple(map(tuple, corners.round(1).tolist())), drawn)


def describe(drawn: dict[str, float]) -> str:
    """The defects of a photo in words."""
    words = [f"tilt {drawn['tilt']:.0f}°", f"curved ±{drawn['arc']:.0f}°", f"code {drawn['size']:.0%} of the width",
             f"module {drawn['module']:.1f} px", f"contrast {drawn['contrast']:.2f}"]
    if drawn["finger"]:
        words.append("finger")
    if drawn["glare"]:
        words.append(f"glare {drawn['glare']:.2f}")
    words += [f"defocus {drawn['defocus']:.2f} module", f"motion {drawn['motion']:.2f} module",
              f"noise {drawn['noise']:.0f}", f"JPEG {drawn['quality']:.0f}"]
    return ", ".join(words)


# --- the print -------------------------------------------------------------------------------


def chestny_znak_text(rnd: random.Random) -> tuple[str, str]:
    """(the GS1 element string to encode, what a scanner reads) for a Russian pack."""
    gtin = "0" + "".join(rnd.choice("0123456789") for _ in range(13))
    serial = "".join(rnd.choice(_SERIAL_CHARACTERS) for _ in range(13))
    key = "".join(rnd.choice(_TAIL_CHARACTERS[:62]) for _ in range(4))
    tail = "".join(rnd.choice(_TAIL_CHARACTERS) for _ in range(88 if rnd.random() < 0.2 else 44))
    return f"(01){gtin}(21){serial}(91){key}(92){tail}", f"]d201{gtin}21{serial}{GS}91{key}{GS}92{tail}"


def _qr_label(label) -> np.ndarray:
    """The label's print as reflectance in [0, 1]: 1 paper, 0 ink."""
    return np.asarray(Image.open(io.BytesIO(label_png(label))).convert("L"), np.float32) / 255


def _datamatrix_print(rnd: random.Random) -> tuple[str, np.ndarray, int]:
    element_string, text = chestny_znak_text(rnd)
    # Square, as Chestny ZNAK prints it (left alone, the writer may pick a long DMRE rectangle).
    code = zxingcpp.create_barcode(element_string, zxingcpp.BarcodeFormat.DataMatrix, gs1=True, forceSquare=True)
    module = 8
    matrix = np.asarray(zxingcpp.write_barcode_to_image(code, scale=1, add_quiet_zones=False)) > 127
    height, width = matrix.shape
    quiet = 2 * module
    art = np.ones((height * module + 2 * quiet + 200, max(width * module + 2 * quiet, 420) + 180), np.float32)
    top, left = 40, 40
    art[top + quiet: top + quiet + height * module, left + quiet: left + quiet + width * module] = np.kron(
        matrix.astype(np.float32), np.ones((module, module), np.float32)
    )
    # The pack's other print: lines of "text" right of and under the code, past its quiet zone.
    text_left = left + width * module + 2 * quiet + 16
    for row in range(6):
        y = top + row * 30
        if y + 14 > art.shape[0]:
            break
        length = rnd.randint(60, art.shape[1] - text_left - 10)
        art[y: y + 14, text_left: text_left + length] = 0.15
    under = top + height * module + 2 * quiet + 24
    for row in range(3):
        y = under + row * 30
        art[y: y + 14, left: left + rnd.randint(150, art.shape[1] - left - 20)] = 0.15
    return text, art, module


# --- the photo -------------------------------------------------------------------------------


def _photograph(art: np.ndarray, module: int, tier: Tier, rnd: random.Random, noise: np.random.Generator):
    """`art` (reflectance, code at its top left area) on a pack, photographed: (JPEG bytes, the
    defects drawn, the code's corners in the photo)."""
    u = rnd.uniform
    code_box = _code_box(art)
    x0, y0, x1, y1 = code_box
    code_width = x1 - x0

    # The pack: the print on a larger carton whose own colour differs.
    pad = round(code_width * u(0.6, 1.2))
    paper = u(0.75, 0.92)
    contrast = u(*tier.contrast)
    ink = paper * (1 - contrast)
    carton = u(0.2, 0.9)
    surface = np.full((art.shape[0] + 2 * pad, art.shape[1] + 2 * pad), carton, np.float32)
    surface[pad: pad + art.shape[0], pad: pad + art.shape[1]] = ink + (paper - ink) * art
    centre = np.array([pad + (x0 + x1) / 2, pad + (y0 + y1) / 2])

    # Bent round a cylinder whose axis is vertical in the print (turned later with the rest).
    arc = u(*tier.arc)
    surface, centre, shade = _bend(surface, centre, code_width / 2, arc)
    surface = surface * shade

    # The frame, and the code's size in it.
    width = rnd.choice((1280, 1440, 1600, 1920))
    height = width * 3 // 4
    if rnd.random() < 0.5:
        width, height = height, width
    size = u(*tier.size)
    scale = size * width / code_width  # frame px per print px, at the code's centre
    # Shrink the print first (area averaging, as a lens and sensor do) to about the frame's scale.
    pre = min(1.0, scale * 1.5)
    surface = cv2.resize(surface, None, fx=pre, fy=pre, interpolation=cv2.INTER_AREA)
    centre = centre * pre
    scale /= pre
    module_px = module * pre * scale

    # Perspective: the surface turned in its plane, then tilted about a random axis, seen from a
    # camera whose focal length is about the frame's width.
    tilt, axis, roll = math.radians(u(*tier.tilt)), u(0, 2 * math.pi), u(0, 2 * math.pi)
    homography = _camera(centre, scale, tilt, axis, roll, focal=width * u(0.9, 1.3))
    code_corners = _project(homography, _box_corners(code_box, pad, centre, pre))
    # Placed so the whole code is in the frame, a margin of two modules at least.
    low, high = code_corners.min(axis=0), code_corners.max(axis=0)
    margin = 2 * module_px + 4
    shift_x = u(margin - low[0], max(margin - low[0], width - margin - high[0]))
    shift_y = u(margin - low[1], max(margin - low[1], height - margin - high[1]))
    homography = np.array([[1, 0, shift_x], [0, 1, shift_y], [0, 0, 1]]) @ homography
    code_corners = code_corners + [shift_x, shift_y]

    # The background: a table or a hand, smooth with some texture.
    xs, ys = np.meshgrid(np.linspace(-1, 1, width, dtype=np.float32), np.linspace(-1, 1, height, dtype=np.float32))
    scene = (u(0.1, 0.6) + u(-0.15, 0.15) * xs + u(-0.15, 0.15) * ys).astype(np.float32)
    texture = cv2.resize(noise.standard_normal((height // 16 + 1, width // 16 + 1)).astype(np.float32), (width, height))
    scene += 0.04 * texture
    cv2.warpPerspective(surface, homography, (width, height), dst=scene, flags=cv2.INTER_LINEAR,
                        borderMode=cv2.BORDER_TRANSPARENT)

    # A finger over the margin at one corner of the code.
    drawn = {"tilt": math.degrees(tilt), "arc": math.degrees(arc), "size": size, "module": module_px,
             "contrast": contrast, "finger": 0.0, "glare": 0.0}
    if rnd.random() < tier.finger:
        _finger(scene, code_corners, module_px, rnd)
        drawn["finger"] = 1.0

    # Light: uneven over the frame, then the glare added on top.
    light = u(150, 230) * (1 + u(-0.25, 0.25) * xs + u(-0.25, 0.25) * ys)
    pixels = scene * light
    if rnd.random() < tier.glare:
        strength = u(*tier.glare_strength)
        _glare(pixels, code_corners, ink * light, strength, rnd)
        drawn["glare"] = strength

    # The lens and the hand: defocus, then motion.
    defocus = u(*tier.defocus) * module_px
    if defocus >= 0.5:
        pixels = cv2.filter2D(pixels, -1, _disk(defocus), borderType=cv2.BORDER_REFLECT)
    motion = u(*tier.motion) * module_px
    if motion >= 1:
        pixels = cv2.filter2D(pixels, -1, _streak(motion, u(0, 180)), borderType=cv2.BORDER_REFLECT)
    drawn.update(defocus=defocus / module_px, motion=motion / module_px)

    sigma = u(*tier.noise)
    pixels += sigma * noise.standard_normal(pixels.shape, np.float32)
    grey = np.clip(pixels, 0, 255).astype(np.uint8)
    image = Image.fromarray(grey, "L")
    if rnd.random() < 0.5:
        tint = [u(0.85, 1.1), u(0.85, 1.1), u(0.85, 1.1)]
        image = Image.fromarray(np.clip(grey[..., None] * np.float32(tint), 0, 255).astype(np.uint8), "RGB")
    quality = rnd.randint(*tier.quality)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    drawn.update(noise=sigma, quality=float(quality), width=float(width), height=float(height))
    return out.getvalue(), drawn, code_corners


def _code_box(art: np.ndarray) -> tuple[int, int, int, int]:
    """The code's bounding box in the print (its dark modules; the code is the print's first block)."""
    dark = art < 0.5
    rows = np.flatnonzero(dark.any(axis=1))
    # The code is the tallest run of dark rows from the top: text lines follow after a gap.
    top = rows[0]
    bottom = top
    for row in rows:
        if row - bottom > 12:
            break
        bottom = row
    columns = np.flatnonzero(dark[top: bottom + 1].any(axis=0))
    left = columns[0]
    right = left
    for column in columns:
        if column - right > 12:
            break
        right = column
    return int(left), int(top), int(right) + 1, int(bottom) + 1


def _bend(surface: np.ndarray, centre: np.ndarray, half_code: float, arc: float):
    """The surface wrapped round a vertical cylinder, seen from the front: (image, centre, shading)."""
    if arc < 0.02:
        return surface, centre, np.float32(1)
    radius = half_code / arc
    height, width = surface.shape
    # Columns visible from the front: up to 80 degrees each side of the code's centre.
    reach = radius * math.sin(min(math.radians(80), max(centre[0], width - centre[0]) / radius))
    left = min(centre[0], reach)
    right = min(width - centre[0], reach)
    out_x = np.arange(-left, right, 1.0, dtype=np.float64)
    angle = np.arcsin(np.clip(out_x / radius, -1, 1))
    source_x = (centre[0] + radius * angle).astype(np.float32)
    keep = (source_x >= 0) & (source_x <= width - 1)
    source_x, angle = source_x[keep], angle[keep]
    map_x = np.repeat(source_x[None, :], height, axis=0)
    map_y = np.repeat(np.arange(height, dtype=np.float32)[:, None], len(source_x), axis=1)
    bent = cv2.remap(surface, map_x, map_y, cv2.INTER_LINEAR)
    shade = (0.55 + 0.45 * np.cos(angle)).astype(np.float32)[None, :].repeat(height, axis=0)
    # out_x runs from -left: the code's centre (out_x 0) is column `left`, less the columns dropped.
    new_centre = np.array([left - np.flatnonzero(keep)[0], centre[1]])
    return bent, new_centre, shade


def _box_corners(box, pad, centre, pre):
    """The code box's corners, roughly, in the shrunk bent surface (bending moves x; good enough
    for placing the code and the finger, as the bend keeps the centre)."""
    x0, y0, x1, y1 = box
    half_w, half_h = (x1 - x0) / 2 * pre, (y1 - y0) / 2 * pre
    return np.array([[-half_w, -half_h], [half_w, -half_h], [half_w, half_h], [-half_w, half_h]]) + centre


def _camera(centre: np.ndarray, scale: float, tilt: float, axis: float, roll: float, focal: float) -> np.ndarray:
    """The homography taking surface pixels to the frame (before placement): the code's centre to
    the origin, `scale` frame px per surface px there."""
    to_centre = np.array([[1, 0, -centre[0]], [0, 1, -centre[1]], [0, 0, 1]], np.float64)
    ca, sa = math.cos(axis), math.sin(axis)
    spin = np.array([[ca, -sa, 0], [sa, ca, 0], [0, 0, 1]])
    lean = np.array([[1, 0, 0], [0, math.cos(tilt), -math.sin(tilt)], [0, math.sin(tilt), math.cos(tilt)]])
    cr, sr = math.cos(roll), math.sin(roll)
    turn = np.array([[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]])
    rotation = spin @ lean @ spin.T @ turn
    distance = focal / scale  # in surface px: the code's centre at `scale`
    # A plane point (x, y, 0) lands at rotation @ (x, y, 0) + (0, 0, distance), then projects.
    plane_to_camera = np.column_stack([rotation[:, 0], rotation[:, 1], [0, 0, distance]])
    project = np.diag([focal, focal, 1.0])
    return project @ plane_to_camera @ to_centre


def _project(homography: np.ndarray, points: np.ndarray) -> np.ndarray:
    moved = np.column_stack([points, np.ones(len(points))]) @ homography.T
    return moved[:, :2] / moved[:, 2:]


def _finger(scene: np.ndarray, corners: np.ndarray, module_px: float, rnd: random.Random) -> None:
    """A fingertip over the quiet zone at one of the code's corners, reaching the corner at most."""
    corner = corners[rnd.randrange(4)]
    centre_of_code = corners.mean(axis=0)
    outward = corner - centre_of_code
    outward /= np.linalg.norm(outward) + 1e-9
    width = max(corners.max(axis=0) - corners.min(axis=0))
    radius = width * rnd.uniform(0.18, 0.3)
    # The fingertip's edge stops short of the corner by 0 to 2 modules: only the margin is covered.
    gap = rnd.uniform(0, 2) * module_px
    tip = corner + outward * (radius + gap)
    direction = outward + np.array([rnd.uniform(-0.5, 0.5), rnd.uniform(-0.5, 0.5)])
    direction /= np.linalg.norm(direction)
    # An elongated finger: a disk at the tip and the body going outward from it (drawn in a window
    # round it: the rest of the hand is out of the frame).
    length = 6 * radius
    ends = np.array([tip - radius, tip + radius, tip + direction * length - radius, tip + direction * length + radius])
    window = _window(scene.shape, ends.min(axis=0), ends.max(axis=0))
    if window is None:
        return
    (top, bottom), (left, right) = window
    ys, xs = np.ogrid[top:bottom, left:right]
    along = (xs - tip[0]) * direction[0] + (ys - tip[1]) * direction[1]
    across = -(xs - tip[0]) * direction[1] + (ys - tip[1]) * direction[0]
    inside = np.where(along < 0, np.hypot(along, across), np.abs(across)) < radius
    skin = rnd.uniform(0.45, 0.75)
    shading = skin * (1 - 0.35 * np.clip(np.abs(across) / radius, 0, 1) ** 2)
    patch = scene[top:bottom, left:right]
    patch[inside] = np.broadcast_to(shading, inside.shape)[inside]


def _window(shape, low, high):
    """((top, bottom), (left, right)) of the frame inside the box `low`..`high` (x, y), or None."""
    left, top = max(0, int(low[0])), max(0, int(low[1]))
    right, bottom = min(shape[1], int(high[0]) + 1), min(shape[0], int(high[1]) + 1)
    if right <= left or bottom <= top:
        return None
    return (top, bottom), (left, right)


def _glare(pixels: np.ndarray, corners: np.ndarray, dark: np.ndarray, strength: float, rnd: random.Random) -> None:
    """A specular blob or a foil streak partly over the code, lifting the dark modules toward white."""
    low, high = corners.min(axis=0), corners.max(axis=0)
    extent = high - low
    spot = low + extent * np.array([rnd.uniform(-0.1, 1.1), rnd.uniform(-0.1, 1.1)])
    size = max(extent) * rnd.uniform(0.12, 0.3)
    round_blob = rnd.random() < 0.5
    angle = rnd.uniform(0, math.pi)
    reach = 3 * size if round_blob else 8 * size
    window = _window(pixels.shape, spot - reach, spot + reach)
    if window is None:
        return
    (top, bottom), (left, right) = window
    ys, xs = np.ogrid[top:bottom, left:right]
    if round_blob:  # a specular blob
        distance = ((xs - spot[0]) ** 2 + (ys - spot[1]) ** 2) / size**2
    else:  # a foil sheen: a long soft streak across the code
        across = -(xs - spot[0]) * math.sin(angle) + (ys - spot[1]) * math.cos(angle)
        along = (xs - spot[0]) * math.cos(angle) + (ys - spot[1]) * math.sin(angle)
        distance = (across / (size * 0.5)) ** 2 + (along / (size * 4)) ** 2
    profile = np.exp(-distance).astype(np.float32)
    # Its peak lifts the dark modules to `strength` of the way to white, never all the way.
    pixels[top:bottom, left:right] += profile * (strength * (255 - dark[top:bottom, left:right]))


def _disk(radius: float) -> np.ndarray:
    size = 2 * math.ceil(radius) + 1
    ys, xs = np.mgrid[:size, :size] - size // 2
    kernel = np.clip(radius + 0.5 - np.hypot(xs, ys), 0, 1).astype(np.float32)
    return kernel / kernel.sum()


def _streak(length: float, degrees: float) -> np.ndarray:
    size = 2 * math.ceil(length / 2) + 1
    kernel = np.zeros((size, size), np.float32)
    centre = size // 2
    angle = math.radians(degrees)
    for step in np.linspace(-length / 2, length / 2, max(2, int(length * 3))):
        x, y = centre + step * math.cos(angle), centre + step * math.sin(angle)
        kernel[min(size - 1, max(0, round(y))), min(size - 1, max(0, round(x)))] += 1
    return kernel / kernel.sum()
