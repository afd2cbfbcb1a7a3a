"""The platform's database: the fast working memory built from the chain's events.

The chain is the truth for custody and money. Every table the indexer fills (`chain` and
`projection` tables in `models`) can be dropped and rebuilt from the events; the `local`
tables hold what each organization keeps for itself (reserve norms, price quotes, purchase
requests) and survive a rebuild.
"""
