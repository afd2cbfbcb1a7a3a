"""The resolver's pure logic, no server: the code a request names, the answer it asks for, the
verdict as the resolver's JSON, the item's links as an RFC 9264 linkset, the resolver's
description.

Every function here takes what it needs (the request's origin, path, query, headers) as text,
so the routes (dapp.resolver.routes) only read the request and send what these give back.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlencode

from dapp.codes.gs1 import UnitCode, digital_link, parse_code
from dapp.i18n import LANGUAGES, _

SCHEMA_VERSION = "1.0"
SCHEMA_PATH = "dapp/resolver/schemas/verdict.schema.json"

JSON = "application/json"
HTML = "text/html"
LINKSET = "application/linkset+json"

# What the verdict routes can answer, by media type, in the order a tie is settled: a client
# that takes anything (`*/*`, or no Accept at all, as a phone's camera app) gets the Verify page.
OFFERS: dict[str, str] = {
    HTML: "html",
    JSON: "json",
    LINKSET: "linkset",
    "application/xhtml+xml": "html",
}
FORMATS = {"json": "json", "html": "html", "linkset": "linkset"}

GS1_VOC = "https://gs1.org/voc/"
# Other spellings of the GS1 Web Vocabulary's namespace a client may use for a link type.
GS1_VOC_ALIASES = ("https://gs1.org/voc/", "http://gs1.org/voc/", "https://www.gs1.org/voc/",
                   "http://www.gs1.org/voc/", "https://ref.gs1.org/voc/")

DEFAULT_LINK = GS1_VOC + "defaultLink"
PIP = GS1_VOC + "pip"
VERIFICATION_SERVICE = GS1_VOC + "verificationService"
TRACEABILITY = GS1_VOC + "traceability"
CERTIFICATION_INFO = GS1_VOC + "certificationInfo"
SMPC = GS1_VOC + "smpc"
# The link type of each document a verdict lists, by its label (dapp.verification.verdicts).
DOCUMENT_LINK_TYPES = {
    "product characteristics": SMPC,
    "registration certificate": CERTIFICATION_INFO,
    "batch quality documents": CERTIFICATION_INFO,
}
# Every link type the resolver may answer, the ones known without reading the chain first.
LINK_TYPES = (DEFAULT_LINK, PIP, VERIFICATION_SERVICE, TRACEABILITY, CERTIFICATION_INFO, SMPC)
CHAINLESS_LINK_TYPES = (DEFAULT_LINK, PIP, VERIFICATION_SERVICE, TRACEABILITY)
# Documents whose link is given: those the store holds (or may hold, when it does not answer).
LINKED_DOCUMENT_STATUSES = ("verified", "unreachable")

# Query parameters of the resolver itself (not AIs): kept out of the code's canonical form.
RESOLVER_PARAMETERS = ("format", "linkType", "scanner", "context")


# --- The code a request names ---------------------------------------------------------


def request_uri(origin: str, raw_path: str, query: str) -> str:
    """The Digital Link URI a request names: its own origin, path (as sent, percent-encoding
    kept, so a serial with "/" or "?" stays one value) and query."""
    return origin.rstrip("/") + raw_path + (f"?{query}" if query else "")


def code_of_request(origin: str, raw_path: str, query: str) -> UnitCode:
    """The unit code of a request to `/01/<gtin>[/10/<lot>]/21/<serial>[?17=YYMMDD]` (raises
    InvalidCodeError saying what is wrong)."""
    return parse_code(request_uri(origin, raw_path, query))


def canonical_uri(code: UnitCode, resolver: str) -> str:
    """The code's Digital Link on `resolver`: /01/<gtin14>[/10/<lot>]/21/<serial>, expiry and
    any other AI in the query."""
    uri = digital_link(code.gtin, code.serial, code.lot, code.expiry, resolver=resolver)
    if code.other:
        uri += ("&" if "?" in uri else "?") + urlencode(code.other, quote_via=quote, safe="")
    return uri


def with_query(uri: str, **parameters: str) -> str:
    """`uri` with `parameters` added to its query."""
    extra = urlencode({k: v for k, v in parameters.items() if v}, quote_via=quote, safe="")
    if not extra:
        return uri
    return uri + ("&" if "?" in uri else "?") + extra


def verify_page(code_text: str, scanner: str = "") -> str:
    """The Verify page of a code, relative to the server (so it works on any host, behind TLS)."""
    return with_query("/verify", code=code_text, scanner=scanner)


def query_parameters(query: str) -> dict[str, str]:
    """The resolver's own parameters in a query string (the first of each)."""
    found: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key in RESOLVER_PARAMETERS:
            found.setdefault(key, value)
    return found


# --- What the client asks for ----------------------------------------------------------


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    quality: float

    @property
    def specificity(self) -> int:
        return (self.type != "*") + (self.subtype != "*")

    def matches(self, media_type: str) -> bool:
        kind, _sep, subtype = media_type.partition("/")
        return self.type in ("*", kind) and self.subtype in ("*", subtype)


def media_ranges(accept: str | None) -> list[MediaRange]:
    """An Accept header's media ranges (parameters other than q ignored); none when it is absent."""
    ranges = []
    for item in (accept or "").split(","):
        media, *params = item.strip().split(";")
        kind, slash, subtype = media.strip().lower().partition("/")
        if not slash or not kind or not subtype:
            continue
        quality = 1.0
        for param in params:
            key, _eq, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        ranges.append(MediaRange(kind, subtype, quality))
    return ranges


def negotiate(accept: str | None, offers: dict[str, str] = OFFERS) -> str | None:
    """The answer (a value of `offers`) an Accept header prefers, None when it takes none of them.

    Each offered media type gets the quality of the most specific range that matches it; the
    highest quality wins, then the more specific match, then the order of `offers`. No Accept
    (or an empty one) takes anything: the first offer.
    """
    ranges = media_ranges(accept)
    if not ranges:
        return next(iter(offers.values()))
    best: tuple[float, int, int] | None = None
    chosen = None
    for order, (media_type, answer) in enumerate(offers.items()):
        matching = [r for r in ranges if r.matches(media_type)]
        if not matching:
            continue
        most_specific = max(matching, key=lambda r: r.specificity)
        if most_specific.quality <= 0:
            continue
        rank = (most_specific.quality, most_specific.specificity, -order)
        if best is None or rank > best:
            best, chosen = rank, answer
    return chosen


def representation(accept: str | None, parameters: dict[str, str]) -> str | None:
    """What a verdict request asks for: "html" (the Verify page), "json" (the verdict), "linkset",
    or None when neither its `format` nor its Accept header takes anything the resolver makes.
    `linkType=all` asks for the linkset whatever the Accept header says."""
    if parameters.get("linkType") == "all":
        return "linkset"
    if "format" in parameters:
        return FORMATS.get(parameters["format"].lower())
    return negotiate(accept)


def link_type(value: str) -> str | None:
    """A link type as the resolver names it (`https://gs1.org/voc/<name>`) from a CURIE
    (`gs1:pip`) or a URI in any spelling of GS1's namespace; None when the resolver has no such
    link type."""
    value = value.strip()
    name = value.removeprefix("gs1:") if value.startswith("gs1:") else next(
        (value[len(alias):] for alias in GS1_VOC_ALIASES if value.startswith(alias)), None)
    full = GS1_VOC + name if name else None
    return full if full in LINK_TYPES else None


def curie(link_type_uri: str) -> str:
    return "gs1:" + link_type_uri.removeprefix(GS1_VOC)


# --- The answers -----------------------------------------------------------------------


def verdict_json(verdict, uri: str, language: str, documents_base: str, receipt: dict | None = None) -> dict:
    """The verdict in the resolver's JSON (schema: dapp/resolver/schemas/verdict.schema.json).

    `uri` is the code's Digital Link on this resolver, `documents_base` where the documents are
    served (`<origin>/documents`), `receipt` what recomputes it (dapp.verification.receipts).
    """
    data = verdict.to_dict()
    code = verdict.code
    answer = {
        "schema_version": SCHEMA_VERSION,
        "status": verdict.status,
        "genuine": verdict.genuine,
        "reasons": [{"code": finding["reason"], "message": finding["message"]} for finding in data["findings"]],
        "code": {
            "gtin": code.gtin,
            "lot": code.lot,
            "serial": code.serial,
            "expiry": code.expiry.isoformat() if code.expiry else None,
            "uri": uri,
        },
        "product": data["product"],
        "manufacturer": data["manufacturer"],
        "batch": data["batch"],
        "unit": data["unit"],
        "documents": [dict(document, url=f"{documents_base}/{document['cid']}") for document in data["documents"]],
        "history": data["history"],
        "block": data["block"],
        "language": language,
    }
    if receipt is not None:
        answer["receipt"] = receipt
    return answer


def error_json(code: str, message: str) -> dict:
    """An error answer: `{"error": {"code", "message"}}`."""
    return {"error": {"code": code, "message": message}}


def links(code: UnitCode, origin: str, scanner: str = "", documents: list | None = None) -> dict[str, list[dict]]:
    """The item's links by link type (full URIs, `https://gs1.org/voc/<name>`), each a list of
    RFC 9264 target objects. `documents` are the verdict's (label, cid, status); without them,
    only the links known without reading the chain."""
    uri = canonical_uri(code, origin)
    page = origin + verify_page(uri, scanner)
    verdict_url = with_query(uri, format="json", scanner=scanner)
    hreflang = list(LANGUAGES)
    html = {"href": page, "title": _("Verify this pack: is it genuine?"), "type": HTML, "hreflang": hreflang}
    verdict = {"href": verdict_url, "title": _("The verdict on this pack, as JSON"), "type": JSON, "hreflang": hreflang}
    found: dict[str, list[dict]] = {
        DEFAULT_LINK: [html],
        PIP: [html],
        VERIFICATION_SERVICE: [verdict, html],
        TRACEABILITY: [dict(verdict, title=_("The pack's history in the supply chain, as JSON"))],
    }
    for document in documents or []:
        if document.status not in LINKED_DOCUMENT_STATUSES:
            continue
        kind = DOCUMENT_LINK_TYPES.get(document.label, CERTIFICATION_INFO)
        found.setdefault(kind, []).append({"href": f"{origin}/documents/{document.cid}", "title": _(document.label)})
    return found


def linkset(anchor: str, item_links: dict[str, list[dict]]) -> dict:
    """The RFC 9264 linkset (JSON) of one item: its Digital Link as the anchor."""
    return {"linkset": [{"anchor": anchor, **item_links}]}


def description(origin: str) -> dict:
    """The resolver description served at /.well-known/gs1resolver (GS1-Conformant Resolver)."""
    return {
        "name": _("MedChain verification resolver"),
        "resolverRoot": origin,
        "supportedPrimaryKeys": ["01"],
        "supportedLinkType": [{"namespace": GS1_VOC, "prefix": "gs1:"}],
        "linkTypes": [curie(kind) for kind in LINK_TYPES],
        "linkTypeDefaultCanBeLinkset": False,
        "supportedQualifiers": ["10", "21"],
        "supportedQueryAIs": ["17"],
        "languages": list(LANGUAGES),
        "verdictSchema": f"{origin}/.well-known/medchain/verdict.schema.json",
        "deploymentRecord": f"{origin}/.well-known/medchain/deployment.json",
    }
