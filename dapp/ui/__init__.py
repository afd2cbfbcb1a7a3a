"""The dApp: Streamlit pages and components over the library, and the one server that serves
them together with the GS1 Digital Link resolver.

- `server.py`: the ASGI app (Streamlit's `st.App`, Starlette) with the resolver's routes.
- `serve.py`: runs it (uvicorn, one port, HTTP or HTTPS with a self-signed certificate).
- `app.py`: the Streamlit script: language, sidebar, `st.navigation` over `app_pages/`.
- `app_pages/`: one file per page, UI only; the logic lives in the library. (Not `pages/`:
  Streamlit would take that folder for its older multipage layout and bypass `st.navigation`.)
- `components/`: custom components v2 (their JavaScript is in the repository).
- `clients.py`: the shared clients (chain reader, verifier, database) in `st.cache_resource`.
"""
