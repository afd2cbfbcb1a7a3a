"""Product codes: GS1 identifiers (GTIN, serial, lot, expiry; Digital Link URIs and element
strings), reading QR and DataMatrix codes from photos, and printing labels.
"""


from dapp.codes.gs1 import UnitCode, digital_link, element_string, parse_code, parse_gtin
from dapp.codes.qr import DecodedCode, NoCodeFoundError, NotAnImageError, decode_codes
from dapp.codes.labels import Label, label_png, label_sheet_pdf

__all__ = ["DecodedCode", "Label", "NoCodeFoundError", "NotAnImageError", "UnitCode", "decode_codes", "digital_link", "element_string", "label_png", "label_sheet_pdf", "parse_code", "parse_gtin"]
