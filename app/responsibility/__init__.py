"""Who is responsible? Rules as data across legal domains, the lookup, its pages and API.

`vocab` names the codes (matters, residence statuses, benefits, office kinds),
`rules` parses and validates rule data, `engine` decides which rules apply,
`offices` finds the matching directory entries, `lookup` puts both together,
`repository` keeps the rules in the database with their history, `hints` is
the small interface the newcomer assistant calls, `views` makes what the pages
show and `routes` serves the volunteer page and the JSON API. The staff pages
are `app.rules`, the command line `ops.rules`.
"""
