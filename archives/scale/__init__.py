"""Generated data at scale: a large property company's five years, loaded fast (`manage.py seed_scale`).

Tooling, not part of the archives app at run time: it writes every app's tables (so, unlike the
app's own modules, it imports reception, complaints and violations), and nothing in the apps imports
it. The rows are made by plain Python from a seeded random.Random and sent with PostgreSQL COPY:

    sizes.py      the sizes (small, medium, large) and their counts
    clock.py      five years ending now in seconds, the shapes of the year, the week and the day
    world.py      the communities, their staff and the register in memory; labels; names
    staff.py      communities, departments, staff users and memberships (ORM)
    register.py   buildings, units, owners, ownerships (COPY)
    plan.py       when and where every record and complaint happens (ids follow time)
    complaints.py, callbacks.py   complaints, their work orders, pauses and call-backs
    reception.py  reception records and their work orders
    violations.py violations, measures, follow-ups
    access.py     archive look-ups and the access log
    ledger.py     ledger deadlines and timeline events, as the services write them
    copy.py       the COPY writer thread, dropping and rebuilding indexes and foreign keys
    run.py        the order of it all, in one transaction
"""
