"""The platform's library: GS1 identifiers, serial Merkle trees and chain access.

Pages of the dApp and the Ape scripts use it; it is tested without Streamlit.
"""
