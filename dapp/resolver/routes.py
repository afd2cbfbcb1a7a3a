"""The resolver's Starlette routes, mounted beside the Streamlit pages (dapp.ui.server).

    /01/<gtin>[/10/<lot>]/21/<serial>[?17=YYMMDD]   the item (qualifiers in any order the
                                                    Digital Link parser accepts)
        text/html (a browser, a phone's camera app)  307 to /verify?code=<its Digital Link>
        application/json or ?format=json             200 the verdict (GENUINE or SUSPECT)
        ?linkType=all, application/linkset+json      200 its RFC 9264 linkset
        ?linkType=gs1:<type>                         307 to that link; 404 when it has none
        a malformed code: 400; the chain cannot answer: 503 (Retry-After); an Accept the
        resolver cannot serve: 406
    /documents/<cid>                 a document from the document store, checked against its
                                     CID: 200, 400 (not a CID), 404 (not held), 502 (the store
                                     does not answer, or gave altered bytes)
    /.well-known/gs1resolver         the resolver's description (GS1-Conformant Resolver)
    /.well-known/medchain/verdict.schema.json   the verdict's JSON Schema
    /.well-known/medchain/deployment.json       the public deployment record (chain id, genesis
                                                hash, each contract's address, block and
                                                transaction); 503 when the chain cannot answer

GET, HEAD and OPTIONS; every JSON answer carries `Access-Control-Allow-Origin: *`. Each request
is answered in the language of its Accept-Language header (English or Russian).
"""

from __future__ import annotations

import json
from functools import cache
from html import escape
from pathlib import Path

from eth_utils import is_address, to_checksum_address
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from dapp.chain.reader import ChainUnreachable
from dapp.errors import DeploymentError, InvalidCodeError
from dapp.i18n import _, current_language, language_from_accept, use_language
from dapp.resolver import links as L

SCHEMA_FILE = Path(__file__).resolve().parent / "schemas" / "verdict.schema.json"
RETRY_AFTER_S = 5
METHODS = "GET, HEAD, OPTIONS"
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "Link, Content-Language, Retry-After",
}
PREFLIGHT = {
    **CORS,
    "Access-Control-Allow-Methods": METHODS,
    "Access-Control-Allow-Headers": "Accept, Accept-Language",
    "Access-Control-Max-Age": "86400",
}
NO_STORE = {"Cache-Control": "no-store"}


def resolver_routes() -> list[BaseRoute]:
    methods = ["GET", "HEAD", "OPTIONS"]
    return [
        Route("/01", resolve, methods=methods),
        Route("/01/{rest:path}", resolve, methods=methods),
        Route("/documents/{cid}", document, methods=methods),
        Route("/.well-known/gs1resolver", well_known, methods=methods),
        Route("/.well-known/medchain/verdict.schema.json", verdict_schema, methods=methods),
        Route("/.well-known/medchain/deployment.json", deployment_record, methods=methods),
    ]


# --- Helpers ---------------------------------------------------------------------------------


def origin(request: Request) -> str:
    """The request's own origin (scheme://host[:port]), with the app's root path if mounted."""
    return f"{request.url.scheme}://{request.url.netloc}{request.scope.get('root_path', '')}".rstrip("/")


def raw_path(request: Request) -> str:
    """The path as sent, percent-encoding kept (a serial may hold an encoded "/")."""
    raw = request.scope.get("raw_path")
    return raw.decode("latin-1") if raw else request.url.path


def json_response(data: dict, status: int = 200, media_type: str = L.JSON, headers: dict | None = None) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str).encode()
    return Response(body, status_code=status, media_type=media_type,
                    headers={**CORS, "Content-Language": current_language(), **(headers or {})})


def preflight() -> Response:
    return Response(status_code=204, headers={**PREFLIGHT, "Allow": METHODS})


def error(code: str, message: str, status: int, html: bool = False, headers: dict | None = None) -> Response:
    """An error answer: JSON `{"error": {"code", "message"}}`, or a short page for a browser."""
    headers = {**NO_STORE, "Vary": "Accept, Accept-Language", **(headers or {})}
    if not html:
        return json_response(L.error_json(code, message), status, headers=headers)
    title = escape(_("This code cannot be checked"))
    page = (f'<!doctype html><html lang="{current_language()}"><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>'
            f"<h1>{title}</h1><p>{escape(message)}</p>"
            f'<p><a href="/verify">{escape(_("Open the Verify page"))}</a></p></html>')
    return Response(page, status_code=status, media_type="text/html", headers={**CORS, **headers,
                                                                              "Content-Language": current_language()})


def _verify(text: str, scanner: str, language: str):
    """The verdict and its receipt, made in a worker thread in the asker's language."""
    from dapp.verification.receipts import shared_receipt_service

    with use_language(language):
        return shared_receipt_service().verify_with_receipt(text, scanner or None)


async def verdict_and_receipt(text: str, scanner: str, language: str):
    return await run_in_threadpool(_verify, text, scanner, language)


async def verdict_of(text: str, scanner: str, language: str):
    return (await verdict_and_receipt(text, scanner, language))[0]


def unavailable(exc: Exception, html: bool) -> Response:
    code = "not_deployed" if isinstance(exc, DeploymentError) else "chain_unreachable"
    message = _("the chain cannot answer now, try again in a few seconds: {error}").format(error=exc)
    return error(code, message, 503, html, {"Retry-After": str(RETRY_AFTER_S)})


# --- The item ----------------------------------------------------------------------------------


async def resolve(request: Request) -> Response:
    if request.method == "OPTIONS":
        return preflight()
    language = language_from_accept(request.headers.get("accept-language"))
    with use_language(language):
        return await _resolve(request, language)


async def _resolve(request: Request, language: str) -> Response:
    query = request.url.query
    parameters = L.query_parameters(query)
    answer = L.representation(request.headers.get("accept"), parameters)
    html = answer == "html"
    if answer is None:
        if "format" in parameters:
            message = _("format {format!r} is not one the resolver gives: json, html or linkset").format(
                format=parameters["format"])
            return error("unknown_format", message, 400)
        message = _("the resolver answers {types}; the request accepts none of them").format(
            types=", ".join((L.HTML, L.JSON, L.LINKSET)))
        return error("not_acceptable", message, 406)
    scanner = parameters.get("scanner", "")
    if scanner:
        if not is_address(scanner):
            message = _("scanner {scanner!r} is not an account address (0x and 40 hex digits)").format(scanner=scanner)
            return error("malformed_scanner", message, 400, html)
        scanner = to_checksum_address(scanner)
    here = origin(request)
    try:
        code = L.code_of_request(here, raw_path(request), query)
        uri = L.canonical_uri(code, here)
    except InvalidCodeError as exc:
        return error("malformed_code", str(exc), 400, html)
    linkset_url = L.with_query(uri, linkType="all")
    headers = {**NO_STORE, "Vary": "Accept, Accept-Language",
               "Link": f'<{linkset_url}>; rel="linkset"; type="{L.LINKSET}", <{uri}>; rel="owl:sameAs"'}

    wanted = parameters.get("linkType", "")
    if wanted and wanted != "all":
        return await _one_link(wanted, code, here, scanner, language, headers)
    if answer == "html":
        return RedirectResponse(L.verify_page(uri, scanner), status_code=307, headers={**CORS, **headers})

    try:
        verdict, receipt = await verdict_and_receipt(uri, scanner, language)
    except InvalidCodeError as exc:
        return error("malformed_code", str(exc), 400)
    except (ChainUnreachable, DeploymentError) as exc:
        return unavailable(exc, False)
    if answer == "linkset":
        item_links = L.links(code, here, scanner, verdict.documents)
        return json_response(L.linkset(uri, item_links), media_type=L.LINKSET, headers=headers)
    return json_response(L.verdict_json(verdict, uri, language, f"{here}/documents", receipt), headers=headers)


async def _one_link(wanted: str, code, here: str, scanner: str, language: str, headers: dict) -> Response:
    """307 to the item's link of type `wanted`, 404 when the resolver has none of that type."""
    kind = L.link_type(wanted)
    documents = None
    if kind is not None and kind not in L.CHAINLESS_LINK_TYPES:
        try:
            documents = (await verdict_of(L.canonical_uri(code, here), scanner, language)).documents
        except (ChainUnreachable, DeploymentError) as exc:
            return unavailable(exc, False)
    targets = L.links(code, here, scanner, documents).get(kind, []) if kind else []
    if not targets:
        message = _("no link of type {link_type} for this item; the resolver knows {known}").format(
            link_type=wanted, known=", ".join(L.curie(k) for k in L.LINK_TYPES))
        return error("link_type_not_found", message, 404)
    return RedirectResponse(targets[0]["href"], status_code=307, headers={**CORS, **headers})


# --- Documents ---------------------------------------------------------------------------------


def sniff(data: bytes) -> str:
    """A safe content type for a document's bytes: never HTML (which would run on this origin)."""
    head = data[:16]
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "application/octet-stream"
    stripped = text.lstrip()
    if stripped[:1] in ("{", "["):
        try:
            json.loads(text)
            return "application/json"
        except ValueError:
            pass
    return "text/plain; charset=utf-8"


def _load(cid: str, language: str) -> bytes:
    from dapp.documents.default_store import load_document

    with use_language(language):
        return load_document(cid)


async def document(request: Request) -> Response:
    if request.method == "OPTIONS":
        return preflight()
    from dapp.documents.cid import InvalidCidError
    from dapp.documents.store import DocumentAlteredError, DocumentNotFoundError, DocumentStoreUnreachable

    language = language_from_accept(request.headers.get("accept-language"))
    with use_language(language):
        cid = request.path_params["cid"]
        try:
            data = await run_in_threadpool(_load, cid, language)
        except InvalidCidError as exc:
            return error("malformed_cid", str(exc), 400)
        except DocumentNotFoundError as exc:
            return error("document_not_found", str(exc), 404)
        except DocumentAlteredError as exc:
            return error("document_altered", str(exc), 502)
        except DocumentStoreUnreachable as exc:
            return error("store_unreachable", str(exc), 502, headers={"Retry-After": str(RETRY_AFTER_S)})
        return Response(data, media_type=sniff(data), headers={
            **CORS,
            "Cache-Control": "public, max-age=31536000, immutable",  # the CID names these bytes only
            "ETag": f'"{cid}"',
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "Content-Disposition": f'inline; filename="{cid}"',
        })


# --- Descriptions -------------------------------------------------------------------------------


async def well_known(request: Request) -> Response:
    if request.method == "OPTIONS":
        return preflight()
    with use_language(language_from_accept(request.headers.get("accept-language"))):
        return json_response(L.description(origin(request)), headers={"Cache-Control": "public, max-age=3600"})


@cache
def _schema_bytes() -> bytes:
    return SCHEMA_FILE.read_bytes()


async def verdict_schema(request: Request) -> Response:
    if request.method == "OPTIONS":
        return preflight()
    return Response(_schema_bytes(), media_type="application/schema+json",
                    headers={**CORS, "Cache-Control": "public, max-age=3600"})


def _deployment(language: str) -> dict:
    from dapp.verification.public_record import public_record
    from dapp.verification.receipts import shared_receipt_service

    with use_language(language):
        service = shared_receipt_service()
        with service._lock:
            return public_record(service.verifier().deployment)


async def deployment_record(request: Request) -> Response:
    """The public deployment record: what a verifier needs to read the platform on its chain
    (checked by it against the chain: dapp.verification.public_record)."""
    if request.method == "OPTIONS":
        return preflight()
    language = language_from_accept(request.headers.get("accept-language"))
    with use_language(language):
        try:
            record = await run_in_threadpool(_deployment, language)
        except (ChainUnreachable, DeploymentError) as exc:
            return unavailable(exc, False)
        return json_response(record, headers={"Cache-Control": "public, max-age=300"})
