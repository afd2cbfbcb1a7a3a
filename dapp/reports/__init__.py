"""What the database tells people: stock and expiry, the quarterly turnover report,
purchase planning with the market-price method, the manufacturer catalogue and the market.
"""

