import io
import struct
import time
import zlib
from collections import Counter

import numpy as np
import pytest
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFilter

from dapp.codes import qr
from dapp.errors import PlatformError
from dapp.codes.labels import Label, label_png, label_sheet_pdf
from dapp.codes.qr import DecodedCode, NoCodeFoundError, NotAnImageError, decode_codes
from dapp.codes.gs1 import complete_gtin, digital_link
from tests.codes.phone_photos import phone_photos
from tests.budget import examples

GTIN = complete_gtin("0460700112001")
URI = digital_link(GTIN, "4iiWB3e0ZyOoy", "MF2406", "270131")
GS1_ELEMENT_STRING = f"(01){GTIN}(21)4iiWB3e0ZyOoy(17)270131(10)MF2406"
DATAMATRIX_TEXT = f"]d201{GTIN}214iiWB3e0ZyOoy\x1d1727013110MF2406"  # as a scanner types it
PHONE_PHOTOS = 100
REQUIRED_RATE = 0.95


def encoded(image: Image.Image, kind: str = "PNG", **options) -> bytes:
    out = io.BytesIO()
    image.save(out, kind, **options)
    return out.getvalue()


def label_image(uri: str = URI) -> Image.Image:
    return Image.open(io.BytesIO(label_png(Label(uri, ["Амоксициллин 500 мг", f"GTIN {GTIN}"]))))


def datamatrix(text: str = GS1_ELEMENT_STRING, scale: int = 8) -> Image.Image:
    code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.DataMatrix, gs1=True)
    return Image.fromarray(np.asarray(zxingcpp.write_barcode_to_image(code, scale=scale)))


# --- photos of the project's labels ----------------------------------------------------


def test_decode__phone_like_photos_of_labels__at_least_95_percent(capsys):
    photos = phone_photos(PHONE_PHOTOS, seed=1234)
    by_decoder: Counter[str] = Counter()
    missed, seconds = [], []
    for index, (uri, photo) in enumerate(photos):
        started = time.perf_counter()
        try:
            codes = decode_codes(photo)
        except NoCodeFoundError:
            codes = []
        seconds.append(time.perf_counter() - started)
        assert all(code.text == uri for code in codes), f"photo {index} misread: {codes}"
        if codes:
            by_decoder[codes[0].decoder] += 1
        else:
            missed.append(index)
    rate = sum(by_decoder.values()) / len(photos)
    seconds.sort()
    with capsys.disabled():
        print(
            f"\nphone-like photos: {sum(by_decoder.values())}/{len(photos)} decoded ({rate:.1%}); "
            f"by pyzbar {by_decoder['pyzbar']}, by zxing-cpp {by_decoder['zxing']}; missed {missed}; "
            f"decode p50 {seconds[len(seconds) // 2] * 1000:.0f} ms, max {seconds[-1] * 1000:.0f} ms"
        )
    assert rate >= REQUIRED_RATE, f"decoded {rate:.1%} of the phone-like photos; missed {missed}"


def test_decode__phone_like_photos__same_photos_from_the_same_seed():
    assert phone_photos(3, seed=1234) == phone_photos(3, seed=1234)


def test_decode__clean_label__one_qr_code():
    assert decode_codes(label_png(Label(URI, ["Амоксициллин"]))) == [DecodedCode(URI, "QRCODE", "pyzbar")]


@pytest.mark.parametrize(
    ("kind", "options"),
    [("PNG", {}), ("JPEG", {"quality": 60}), ("WEBP", {"quality": 60}), ("BMP", {}), ("GIF", {}), ("TIFF", {})],
)
def test_decode__every_common_format(kind, options):
    image = label_image().reduce(2)
    assert [code.text for code in decode_codes(encoded(image, kind, **options))] == [URI]


@pytest.mark.parametrize("mode", ["1", "P", "RGB", "RGBA", "CMYK", "I;16", "I", "F"])
def test_decode__every_pixel_mode(mode):
    image = label_image().reduce(2).convert(mode)
    assert [code.text for code in decode_codes(encoded(image, "TIFF"))] == [URI]


def test_decode__code_on_a_transparent_background__read_as_dark_on_white():
    grey = np.asarray(label_image().convert("L"))
    rgba = np.zeros((*grey.shape, 4), np.uint8)  # transparent black everywhere...
    rgba[..., 3] = 255 - grey  # ...but the dark modules and letters
    assert [code.text for code in decode_codes(encoded(Image.fromarray(rgba, "RGBA")))] == [URI]


@pytest.mark.parametrize(("orientation", "shape"), [(1, (300, 200)), (3, (300, 200)), (6, (200, 300)), (8, (200, 300))])
def test_decode__exif_orientation__photo_turned_upright(orientation, shape):
    exif = Image.Exif()
    exif[0x0112] = orientation
    assert qr._load_gray(encoded(Image.new("RGB", (200, 300), "white"), "JPEG", exif=exif)).shape == shape


def test_decode__large_photo__scaled_down_and_read():
    photo = Image.new("L", (6000, 4000), 170)
    photo.paste(label_image().resize((1496, 948)), (2500, 1300))  # the label at twice its size
    assert [code.text for code in decode_codes(encoded(photo, "JPEG", quality=85))] == [URI]


def test_decode__path_or_bytes(tmp_path):
    path = tmp_path / "photo.png"
    path.write_bytes(label_png(Label(URI, [])))
    assert decode_codes(path) == decode_codes(str(path)) == decode_codes(bytearray(path.read_bytes()))


# --- DataMatrix and several codes ------------------------------------------------------


def test_decode__gs1_datamatrix__element_string_as_a_scanner_types_it():
    photo = Image.new("L", (700, 600), 200)
    photo.paste(datamatrix().rotate(20, expand=True, fillcolor=255), (150, 120))
    (code,) = decode_codes(encoded(photo, "JPEG", quality=70))
    assert code.symbology == "DATAMATRIX"
    assert code.decoder == "zxing"
    assert code.text == DATAMATRIX_TEXT


def test_decode__several_codes_in_one_photo__all_read():
    uris = [digital_link(GTIN, f"SER{n}", "MF2406", "270131") for n in range(3)]
    photo = Image.new("L", (1800, 1200), 215)
    for n, uri in enumerate(uris):
        photo.paste(label_image(uri).resize((480, 304)).rotate(8 * n - 8, expand=True, fillcolor=215), (40 + 590 * n, 40))
    photo.paste(datamatrix(scale=6), (760, 800))
    photo.paste(label_image(uris[0]).resize((300, 190)), (1400, 780))  # the same code twice
    codes = decode_codes(encoded(photo.convert("RGB"), "JPEG", quality=80))
    assert sorted((code.symbology, code.text) for code in codes) == sorted(
        [("QRCODE", uri) for uri in uris] + [("DATAMATRIX", DATAMATRIX_TEXT)]
    )


@pytest.mark.parametrize(
    ("make", "rescue"),
    [
        (lambda image: image.point(lambda v: 100 + v * 5 // 255), "contrast stretched"),
        (lambda image: image.reduce(4).filter(ImageFilter.GaussianBlur(1.1)), "enlarged 3x, sharpened"),
    ],
    ids=["dim", "small and blurred"],
)
def test_decode__hard_photo__rescued_by_a_later_pass(make, rescue):
    photo = encoded(make(label_image().convert("L")), "JPEG", quality=60)
    gray = qr._load_gray(photo)
    assert not qr._decode(gray, inverted_too=True), "the plain grey image already decodes"
    codes, rescued_by = qr._scan(gray)
    assert rescue in rescued_by
    assert [code.text for code in codes] == [URI] == [code.text for code in decode_codes(photo)]


# --- anything else: a clear error, never a crash ---------------------------------------


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims `width` x `height` grey pixels and holds none (a decompression bomb's header)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


def truncated_jpeg() -> bytes:
    photo = encoded(label_image().convert("RGB"), "JPEG", quality=90)
    return photo[: len(photo) // 2]


def noise_image() -> bytes:
    return encoded(Image.fromarray(np.random.default_rng(1234).integers(0, 256, (480, 640), dtype=np.uint8)))


def gradient_gif() -> bytes:
    return encoded(Image.linear_gradient("L").resize((320, 240)), "GIF")


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (b"", NotAnImageError, "is empty"),
        (b"https://id.medchain.example/01/04607001120018\n", NotAnImageError, "is text"),
        ("Серия MF2406, годен до 31.01.2027".encode(), NotAnImageError, "is text"),
        (label_sheet_pdf([Label(URI, ["Амоксициллин"])]), NotAnImageError, "is a PDF document"),
        (truncated_jpeg(), NotAnImageError, "damaged or truncated"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", NotAnImageError, "HEIC"),
        (bytes(range(256)) * 4, NotAnImageError, "not an image"),
        (png_header(20_000, 20_000), NotAnImageError, "too large"),  # 400 Mpx: Pillow's own guard
        (png_header(12_000, 9_000), NotAnImageError, r"too large \(12000 x 9000 pixels\).*over 100 megapixels"),
        (noise_image(), NoCodeFoundError, "no QR or DataMatrix code found"),
        (encoded(Image.new("L", (1, 1), 0)), NoCodeFoundError, "hold the camera closer"),
        (encoded(Image.new("L", (20_000, 20), 255)), NoCodeFoundError, "no QR or DataMatrix code found"),
        (gradient_gif(), NoCodeFoundError, "no QR or DataMatrix code found"),
    ],
    ids=[
        "empty",
        "text",
        "cyrillic text",
        "pdf",
        "truncated jpeg",
        "heic",
        "binary",
        "400 Mpx bomb",
        "108 Mpx",
        "noise",
        "1x1 px",
        "20000 px wide",
        "gif without code",
    ],
)
def test_decode__not_a_photo_of_a_code__clear_error(data, error, message):
    with pytest.raises(error, match=message) as raised:
        decode_codes(data)
    assert isinstance(raised.value, PlatformError)
    assert "photo of the label" in str(raised.value) or "hold the camera closer" in str(raised.value)


def test_decode__missing_file__not_an_image(tmp_path):
    with pytest.raises(NotAnImageError, match="cannot read the image file"):
        decode_codes(tmp_path / "missing.jpg")


IMAGE_MAGIC = st.sampled_from([b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"GIF89a", b"BM", b"II*\x00", b"RIFF"])


@settings(max_examples=examples(300), deadline=None)
@given(data=st.one_of(st.binary(max_size=4096), st.tuples(IMAGE_MAGIC, st.binary(max_size=4096)).map(b"".join)))
def test_decode__random_bytes__only_the_two_errors(data):
    try:
        decode_codes(data)
    except (NotAnImageError, NoCodeFoundError):
        pass
