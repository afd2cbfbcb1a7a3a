"""MedChain's library, one subpackage per concern (each `__init__` says what it holds):

    codes/         GS1 identifiers, reading QR and DataMatrix, labels
    chain/         connection, deployment records, fast reader, deploying, the signing seam
    actions/       registry and custody actions, prepared for any signer
    verification/  serial Merkle trees, proofs, verdicts
    tenders/       the tender client, EIP-712 data, sealed bids, OCDS
    records/       the database, its migrations, the indexer
    reports/       stock, turnover, planning, catalogue, market
    documents/     CIDs and the document stores
    inputs/        reading what people type or hand over
    demo/          the demo world and its seeding
    cli/           what the `ape run` commands share

The dApp's pages and the Ape scripts use it; it is tested without Streamlit.
"""
