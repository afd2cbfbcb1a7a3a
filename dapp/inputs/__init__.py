"""Reading what people type or hand over (roles, dates, serial lists, documents, amounts,
rates, durations), for the command line and the dApp's forms alike, with errors that say what
was wrong.
"""

