"""The GS1 Digital Link resolver: `/01/<gtin>/10/<lot>/21/<serial>` answered with the verdict
(an HTML landing on the Verify page, or JSON), GS1 Conformant Resolver conventions
(`/.well-known/gs1resolver`, `linkType=all` linksets per RFC 9264).

`links` holds the pure logic, `routes` the Starlette routes the dApp's server mounts;
SCHEMA.md describes the routes and the verdict's JSON (schemas/verdict.schema.json).
"""
