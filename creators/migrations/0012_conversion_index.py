"""The conversion index (docs/indices.md) and its directory sort index, like migration 0004's.

Non-atomic so the sort index is built CONCURRENTLY; adding a nullable column without a default is a
catalogue change in PostgreSQL and takes no table rewrite.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("creators", "0011_creator_avatar_and_content_samples")]

    operations = [
        migrations.AddField(
            model_name="creator",
            name="index_conversion",
            field=models.FloatField(blank=True, null=True, verbose_name="conversion index"),
        ),
        migrations.RunSQL(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS creator_dir_conversion "
            "ON creators_creator (COALESCE(index_conversion, -1.0), id)",
            reverse_sql="DROP INDEX CONCURRENTLY IF EXISTS creator_dir_conversion",
        ),
    ]
