"""Indexes for the brand creator directory's sort orders and the staff overview's "joined that month".

The directory sorts by one index (or followers) descending, unknown indices last, with the id as a
tie-breaker and keyset cursor: ``ORDER BY COALESCE(index_x, -1) DESC, id DESC`` and
``WHERE (COALESCE(index_x, -1), id) < (…, …)``. An index on exactly that expression lets a page be
an index scan that stops after page-size rows instead of a sort of every creator
(creators.selectors.directory_page writes the same expression).

Raw SQL, not Meta.indexes: built CONCURRENTLY so a live 2M-row table keeps taking writes, which
needs a migration outside a transaction. The model state does not track them (they only serve reads).
"""

from django.db import migrations

TABLE = "creators_creator"
INDEXES = {
    "creator_dir_reach": "(COALESCE(index_reach, -1.0), id)",
    "creator_dir_seeding": "(COALESCE(index_seeding, -1.0), id)",
    "creator_dir_value": "(COALESCE(index_value, -1.0), id)",
    "creator_dir_growth": "(COALESCE(index_growth, -1.0), id)",
    "creator_dir_followers": "(followers, id)",
    "creator_created_at": "(created_at)",
}


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("creators", "0003_indices")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {TABLE} {columns}",
            reverse_sql=f"DROP INDEX CONCURRENTLY IF EXISTS {name}",
        )
        for name, columns in INDEXES.items()
    ]
