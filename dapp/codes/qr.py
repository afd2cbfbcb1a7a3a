"""Every QR and DataMatrix code in a photo, as text.

A phone photo of a pack is rarely clean: tilted, in perspective, blurred, dim, noisy,
JPEG-compressed, 12 megapixels or a 400-pixel thumbnail. `decode_codes` reads the image
(PNG, JPEG, WebP, BMP, GIF, TIFF; the first frame of an animation), turns it upright
(EXIF orientation) and grey (transparency on white), scales a large one down to a 2,000 px
working size, then tries a ladder of passes and stops at the first that finds codes:

1. the grey image as it is (most photos end here);
2. contrast stretched, when the photo is dim or washed out;
3. smoothed, then a Gaussian local threshold a few modules wide (OpenCV): sensor noise,
   JPEG blocks, glare from foil, shadows and dim ink defeat the decoders' own binarisers,
   and these black-and-white images read most hard phone photos (tests/codes/hard_photos.py,
   bench/decode_hard.py);
4. enlarged 3x or 2x (bicubic) when small, and sharpened with a strong unsharp mask:
   zbar needs modules of several pixels with sharp edges (../shared/TOOLCHAIN.md,
   "QR codes and the camera": a 3x enlargement rescues most distorted photos), and
   defocus blur is what defeats both decoders most;
5. that image binarised with Otsu's global threshold, then with a local mean threshold,
   which survives shadows and uneven light;
6. halved when large (averaging away noise and JPEG blocks), then turned by +-45 degrees.

A large photo (over 1,000 px) is tried in a cheaper order: zxing-cpp alone on the grey
image (zbar costs over 50 ms there and reads almost nothing more), the local threshold of
the halved image (a few milliseconds), the full-size local thresholds, and only then zbar and
light-on-dark codes on the grey image. No pass starts after DEADLINE_SECONDS: a photo still
unread by then gets the retake advice instead of seconds of passes.

Each pass runs pyzbar first (unless the pass is zxing-cpp's alone), then zxing-cpp when
pyzbar finds nothing. zbar cannot read DataMatrix, yet DataMatrix is the code on European (FMD) and Russian (Chestny ZNAK)
medicine packs: so when pyzbar does find QR codes, zxing-cpp still looks for DataMatrix
codes in the same image, and a photo of a QR label beside a pack's DataMatrix gives both.
The same code found twice (or printed twice) is returned once.

A code's text is what a scanner types: a GS1 Digital Link QR is its URI; a GS1
DataMatrix (or GS1 QR, as zxing-cpp reads it) starts with its AIM symbology identifier
(]d2, ]Q3) and keeps its FNC1 separators as GS (0x1D), the form `dapp.codes.gs1` parses.
"""

from __future__ import annotations

import io
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import zxingcpp
from PIL import Image, ImageFilter, ImageOps
from pyzbar import pyzbar

from dapp.errors import PlatformError
from dapp.i18n import _

MAX_PIXELS = 100_000_000
"""Larger images are refused before they are decoded (a decompression bomb guard)."""
WORKING_SIZE = 2000
"""Larger images are scaled down to this long side: codes in a phone photo stay readable."""
DEADLINE_SECONDS = 0.3
"""No pass starts after this long: a photo no pass has read by then gets the retake advice."""
READABLE_FORMATS = ("PNG", "JPEG", "WEBP", "BMP", "GIF", "TIFF")  # JPEG covers MPO (multi-picture)
_FORMAT_NAMES = "PNG, JPEG, WebP, BMP, GIF or TIFF"

_ZBAR_SYMBOLS = [pyzbar.ZBarSymbol.QRCODE]
_ZXING_ONLY_FORMATS = (zxingcpp.BarcodeFormat.DataMatrix,)  # zbar has no DataMatrix reader
_ZXING_FORMATS = (zxingcpp.BarcodeFormat.QRCode, *_ZXING_ONLY_FORMATS)
_ZXING_NAMES = {"QRCode": "QRCODE"}  # zxing-cpp's format names, spelled as zbar spells them
_GS1_CONTENT = zxingcpp.ContentType.GS1


class NotAnImageError(PlatformError, ValueError):
    """The data is not an image this scanner can read (or is far too large)."""


class NoCodeFoundError(PlatformError, ValueError):
    """The image holds no QR or DataMatrix code that could be read."""


@dataclass(frozen=True)
class DecodedCode:
    """One code read from an image."""

    text: str
    symbology: str  # "QRCODE" or "DATAMATRIX"
    decoder: str  # "pyzbar" or "zxing"


def decode_codes(image: bytes | bytearray | memoryview | str | Path) -> list[DecodedCode]:
    """Every code in `image` (the bytes of an image file, or its path), each once.

    Raises NotAnImageError when the data is no readable image, NoCodeFoundError when the
    image holds no readable code; never anything else for any data.
    """
    gray = _load_gray(image)
    codes, _found = _scan(gray)
    if not codes:
        raise NoCodeFoundError(
            _("no QR or DataMatrix code found in the image; hold the camera closer, keep the code flat "
              "and in focus")
        )
    return codes


# --- reading the image -------------------------------------------------------------


def _load_gray(image: bytes | bytearray | memoryview | str | Path) -> np.ndarray:
    """The image as a grey uint8 array, upright (EXIF), its long side at most WORKING_SIZE."""
    if isinstance(image, (str, Path)):
        name = str(image)
        try:
            data = Path(image).read_bytes()
        except (OSError, ValueError) as err:
            raise NotAnImageError(_("cannot read the image file {name}: {error}").format(name=name, error=getattr(err, 'strerror', None) or err)) from err
    elif isinstance(image, (bytes, bytearray, memoryview)):
        data = bytes(image)
        name = _("the {size}-byte file").format(size=len(data))
    else:
        raise TypeError(f"decode_codes takes the bytes of an image or its path, not {type(image).__name__}")
    try:
        return _to_gray(data, name)
    except PlatformError:
        raise
    except MemoryError as err:
        raise NotAnImageError(_("{name} is too large to decode; send a smaller photo").format(name=name)) from err
    except Exception as err:  # Pillow's decoders raise many kinds of errors on bad data
        raise _not_an_image(name, data, _("it is damaged or truncated")) from err


def _to_gray(data: bytes, name: str) -> np.ndarray:
    with warnings.catch_warnings():
        # Pillow's warnings (corrupt EXIF, a large image) say nothing a scanner can act on;
        # the size guard is MAX_PIXELS, checked below.
        warnings.simplefilter("ignore")
        try:
            im = Image.open(io.BytesIO(data), formats=READABLE_FORMATS)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
            raise _too_large(name, None) from err
        except Exception as err:
            raise _not_an_image(name, data, _("its format is not one of them")) from err
        width, height = im.size
        if width < 1 or height < 1:
            raise _not_an_image(name, data, _("it has no pixels"))
        if width * height > MAX_PIXELS:
            raise _too_large(name, im.size)
        orientation = _exif_orientation(im)
        if im.format in ("JPEG", "MPO"):
            # Decode straight to grey at 1/2, 1/4 or 1/8 scale when that is still large enough.
            im.draft("L", _fit(im.size, WORKING_SIZE))
        im = _flatten_to_gray(im)
    if max(im.size) > WORKING_SIZE:
        im = im.resize(_fit(im.size, WORKING_SIZE), Image.Resampling.BOX)
    if orientation in _TRANSPOSE:
        im = im.transpose(_TRANSPOSE[orientation])
    return np.asarray(im, dtype=np.uint8)


_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _exif_orientation(im: Image.Image) -> int:
    try:
        return int(im.getexif().get(0x0112, 1))
    except Exception:  # noqa: BLE001 (a broken EXIF block must not cost the photo)
        return 1


def _flatten_to_gray(im: Image.Image) -> Image.Image:
    """Grey, with transparent areas white (a code on a transparent PNG stays dark on light)."""
    if im.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        pixels = np.nan_to_num(np.asarray(im, dtype=np.float64), posinf=0.0, neginf=0.0)
        low, high = float(pixels.min()), float(pixels.max())
        scale = 255.0 / (high - low) if high > low else 0.0
        return Image.fromarray(((pixels - low) * scale).astype(np.uint8), "L")
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("L")
    if im.mode == "L":
        im.load()
        return im
    if im.mode not in ("RGB", "1", "P"):
        im = im.convert("RGB")
    return im.convert("L")


def _fit(size: tuple[int, int], longest: int) -> tuple[int, int]:
    width, height = size
    ratio = min(1.0, longest / max(width, height))
    return max(1, round(width * ratio)), max(1, round(height * ratio))


def _not_an_image(name: str, data: bytes, reason: str) -> NotAnImageError:
    head = data[:64]
    if not data:
        reason = _("it is empty")
    elif head.startswith(b"%PDF"):
        reason = _("it is a PDF document")
    elif head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"heim", b"hevc"):
        reason = _("HEIC photos are not supported (set the camera to JPEG, 'Most Compatible', or convert the photo)")
    elif _looks_like_text(data[:4096]):
        reason = _("it is text")
    return NotAnImageError(
        _("{name} is not an image this scanner can read ({formats}): {reason}; send a photo "
          "of the label").format(name=name, formats=_FORMAT_NAMES, reason=reason)
    )


def _too_large(name: str, size: tuple[int, int] | None) -> NotAnImageError:
    dimensions = _(" ({width} x {height} pixels)").format(width=size[0], height=size[1]) if size else ""
    return NotAnImageError(
        _("{name} is too large{dimensions}: images over {max_pixels} megapixels are refused; send "
          "a smaller photo of the label").format(name=name, dimensions=dimensions, max_pixels=MAX_PIXELS // 1_000_000)
    )


def _looks_like_text(sample: bytes) -> bool:
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(char.isprintable() or char in "\t\r\n" for char in text)


# --- the passes ----------------------------------------------------------------------


def _scan(gray: np.ndarray, deadline: float = DEADLINE_SECONDS) -> tuple[list[DecodedCode], str]:
    """The codes of the first pass that finds any, and that pass's name ("" if none).

    No pass starts once `deadline` seconds have gone by: a pass takes milliseconds to tens of
    milliseconds, a photo that none of the first passes reads is seldom read by the rest, and a
    person holding a pack waits better for the retake advice than for seconds of passes.
    """
    started = time.perf_counter()
    for index, (name, make, zbar, inverted_too) in enumerate(_passes(gray)):
        if index and time.perf_counter() - started > deadline:
            break
        try:
            variant = make()
        except Exception:  # noqa: BLE001, S112 (a degenerate size, a 1-pixel strip, cannot be filtered)
            continue
        codes = _decode(variant, inverted_too=inverted_too, zbar=zbar)
        if codes:
            return codes, name
    return [], ""


Pass = tuple[str, Callable[[], np.ndarray], bool, bool]
"""(name, the image to decode, whether zbar reads it too, whether light-on-dark codes are sought)."""


def _passes(gray: np.ndarray) -> list[Pass]:
    """The passes in the order they are tried: a large photo's ladder puts the cheap passes
    that read most hard photos first; a smaller image keeps zbar first (it is cheap there)."""
    longest = max(gray.shape)
    factor = 3 if longest <= 700 else 2 if longest <= 1200 else 1
    sharp = _memo(lambda: _sharpen(_resize(gray, factor) if factor > 1 else gray, factor))
    small = _memo(lambda: _resize(gray, 0.5) if longest > 1000 else gray)
    low, high = np.percentile(gray[:: max(1, gray.shape[0] // 256), :: max(1, gray.shape[1] // 256)], (1, 99))
    stretched: list[Pass] = [("contrast stretched", lambda: _stretch(gray), True, False)] if high - low < 96 else []
    # A phone photo of a pack: sensor noise, JPEG blocks, glare and dim ink defeat both decoders'
    # own binarisers. Smoothed first (noise), then each pixel set against a Gaussian mean of its
    # surroundings a few modules wide (glare, shadows, low contrast): the codes read from black
    # and white, by zxing-cpp alone (zbar reads next to none of these, and costs more).
    thresholds: list[Pass] = [
        ("smoothed, wide local threshold", lambda: _local_threshold(gray, 51, 1.0), False, False),
        ("smoothed, local threshold", lambda: _local_threshold(gray, 31, 1.0), False, False),
    ]
    if longest > 1000:
        # On a large photo zbar costs more than 50 ms a pass and reads almost nothing that
        # zxing-cpp does not, and seeking light-on-dark codes doubles zxing-cpp's time: zxing-cpp
        # alone first (its own downscaling finds large codes), then the halved local threshold
        # (a few milliseconds, and it reads most hard photos), zbar and inverted codes later.
        passes: list[Pass] = [
            ("grey", lambda: gray, False, False),
            ("halved, smoothed, local threshold", lambda: _local_threshold(small(), 25, 0.7), False, False),
            *thresholds,
            ("grey, by zbar too, light-on-dark too", lambda: gray, True, True),
            *stretched,
        ]
    else:
        passes = [("grey", lambda: gray, True, True), *stretched, *(thresholds[::-1] if longest > 700 else [])]
    enlarged = f"enlarged {factor}x, " if factor > 1 else ""
    passes += [
        (f"{enlarged}sharpened", sharp, True, False),
        (f"{enlarged}sharpened, Otsu threshold", lambda: _otsu(sharp()), True, False),
        (f"{enlarged}sharpened, adaptive threshold", lambda: _adaptive(sharp(), factor), True, False),
    ]
    if longest > 1000:
        passes.append(("halved", small, True, False))
    passes += [
        ("turned 45 degrees", lambda: _rotate(small(), 45), True, False),
        ("turned -45 degrees", lambda: _rotate(small(), -45), True, False),
    ]
    return passes


def _memo(make: Callable[[], np.ndarray]) -> Callable[[], np.ndarray]:
    cache: list[np.ndarray] = []

    def get() -> np.ndarray:
        if not cache:
            cache.append(make())
        return cache[0]

    return get


def _resize(gray: np.ndarray, factor: float) -> np.ndarray:
    height, width = gray.shape
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    method = Image.Resampling.BICUBIC if factor > 1 else Image.Resampling.BOX
    return np.asarray(Image.fromarray(gray).resize(size, method))


def _sharpen(gray: np.ndarray, scale: int) -> np.ndarray:
    """A strong unsharp mask against focus blur, its radius growing with the enlargement."""
    mask = ImageFilter.UnsharpMask(radius=1.5 * scale, percent=400, threshold=0)
    return np.asarray(Image.fromarray(gray).filter(mask))


def _stretch(gray: np.ndarray) -> np.ndarray:
    """Grey levels stretched to the full range (a dim or washed-out photo)."""
    return np.asarray(ImageOps.autocontrast(Image.fromarray(gray), cutoff=1))


def _otsu(gray: np.ndarray) -> np.ndarray:
    counts = np.bincount(gray.ravel(), minlength=256).astype(np.float64)
    levels = np.arange(256)
    weight_below = np.cumsum(counts)
    weight_above = weight_below[-1] - weight_below
    sum_below = np.cumsum(counts * levels)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_below = sum_below / weight_below
        mean_above = (sum_below[-1] - sum_below) / weight_above
        between = weight_below * weight_above * (mean_below - mean_above) ** 2
    threshold = int(np.nanargmax(np.nan_to_num(between, nan=-1.0)))
    return np.where(gray > threshold, 255, 0).astype(np.uint8)


def _adaptive(gray: np.ndarray, scale: int = 1, offset: int = 7) -> np.ndarray:
    """Each pixel against the mean of a window around it (a code's module is a few pixels wide)."""
    radius = max(4, min(min(gray.shape) // 24, 12 * scale))
    local_mean = np.asarray(Image.fromarray(gray).filter(ImageFilter.BoxBlur(radius)), dtype=np.int16)
    return np.where(gray.astype(np.int16) > local_mean - offset, 255, 0).astype(np.uint8)


def _local_threshold(gray: np.ndarray, block: int, sigma: float, offset: int = 2) -> np.ndarray:
    """Smoothed by a Gaussian of `sigma` px, then black where darker than the Gaussian-weighted
    mean of the `block` x `block` px around it less `offset`, white elsewhere."""
    smooth = cv2.GaussianBlur(gray, (0, 0), sigma)
    return cv2.adaptiveThreshold(smooth, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, block, offset)


def _rotate(gray: np.ndarray, degrees: float) -> np.ndarray:
    im = Image.fromarray(gray).rotate(degrees, Image.Resampling.BILINEAR, expand=True, fillcolor=255)
    return np.asarray(im)


# --- the decoders --------------------------------------------------------------------


def _decode(gray: np.ndarray, inverted_too: bool, zbar: bool = True) -> list[DecodedCode]:
    """pyzbar's codes plus zxing-cpp's of the symbologies zbar lacks; zxing-cpp's alone if pyzbar
    finds none (or `zbar` is false)."""
    found = _pyzbar(gray) if zbar else []
    found += _zxing(gray, _ZXING_ONLY_FORMATS if found else _ZXING_FORMATS, inverted_too)
    unique: dict[tuple[str, str], DecodedCode] = {}
    for code in found:
        unique.setdefault((code.symbology, code.text), code)
    return list(unique.values())


def _pyzbar(gray: np.ndarray) -> list[DecodedCode]:
    height, width = gray.shape
    try:
        results = pyzbar.decode((np.ascontiguousarray(gray).tobytes(), width, height), symbols=_ZBAR_SYMBOLS)
    except Exception:  # noqa: BLE001 (zbar refusing an odd image is "nothing found" for this pass)
        return []
    return [
        DecodedCode(result.data.decode("utf-8", errors="replace"), result.type, "pyzbar")
        for result in results
        if result.data
    ]


def _zxing(gray: np.ndarray, formats: tuple, inverted_too: bool = True) -> list[DecodedCode]:
    try:
        results = zxingcpp.read_barcodes(
            np.ascontiguousarray(gray),
            formats=formats,
            try_invert=inverted_too,
            text_mode=zxingcpp.TextMode.Plain,
        )
    except Exception:  # noqa: BLE001 (as for zbar)
        return []
    codes = []
    for result in results:
        if not result.valid or not result.text:
            continue
        name = result.format.name
        text = result.text
        if result.content_type == _GS1_CONTENT and not text.lower().startswith(("http://", "https://")):
            text = result.symbology_identifier + text
        codes.append(DecodedCode(text, _ZXING_NAMES.get(name, name.upper()), "zxing"))
    return codes
