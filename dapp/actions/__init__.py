"""The platform's state-changing actions on the registries and the custody chain, each
prepared as a value (calls with calldata and a sentence) that any signer can carry out: an Ape
account on the command line, or the user's own wallet in the browser.
"""

