"""Search of the creator directory (docs/finding-creators.md): a tokenizer in SQL and a GIN index over it.

PostgreSQL has no Chinese parser, and under the C locale neither its text-search parser nor pg_trgm sees a
Chinese character as part of a word (``show_trgm('美妆博主')`` is empty). So the tokens are made here: Latin
letters and digits as words (accents dropped, compatibility forms such as full-width letters and "²" folded),
a handle written with ``-``, ``_`` or ``.`` also as one word, and each run of Chinese, Japanese or Korean
characters as its single characters and its overlapping pairs (as pg_bigm does). A query is made of the same
tokens, every one required, Latin words as prefixes.
"""

from django.db import migrations

# Limits that keep any text indexable (PostgreSQL refuses a lexeme over 2,046 bytes and a tsvector over 1 MB):
# a word is cut to its first 64 characters (the query's words are cut the same way, and match as prefixes),
# and only the first 20,000 characters of a creator's text are read (the profile form allows under 8,000).
VECTOR = r"""
CREATE FUNCTION starmap_search_vector(doc text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $fn$
  WITH input AS (
    SELECT lower(regexp_replace(normalize(left(doc, 20000), NFKD), '[\u0300-\u036f]', '', 'g')) AS latin,
           normalize(left(doc, 20000), NFKC) AS cjk
  )
  SELECT array_to_tsvector(coalesce(array_agg(DISTINCT token), '{}'))
  FROM (
    SELECT left(word[1], 64) AS token
      FROM input, regexp_matches(input.latin, '[a-z0-9]+', 'g') AS word
    UNION ALL
    SELECT left(regexp_replace(run[1], '[._-]', '', 'g'), 64)
      FROM input, regexp_matches(input.latin, '[a-z0-9]+(?:[._-][a-z0-9]+)+', 'g') AS run
    UNION ALL
    SELECT substr(run[1], i, width)
      FROM input,
        regexp_matches(input.cjk, '[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+', 'g') AS run,
        generate_series(1, char_length(run[1])) AS i,
        (VALUES (1), (2)) AS widths(width)
     WHERE i + width - 1 <= char_length(run[1])
  ) AS tokens
$fn$;

CREATE FUNCTION starmap_search_query(q text) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $fn$
  SELECT string_agg(quote_literal(lexeme) || ':*', ' & ')::tsquery
    FROM unnest(starmap_search_vector(q)) AS tokens(lexeme)
$fn$;
"""

# The directory filters on exactly this expression (creators.directory.SearchDocument).
INDEX = """
CREATE INDEX creator_search ON creators_creator USING gin (
  starmap_search_vector(display_name || ' ' || handle || ' ' || platform_handle || ' ' || bio || ' ' || content_sample)
);
"""


class Migration(migrations.Migration):
    dependencies = [("creators", "0008_platform_handle_load_unknown_metrics")]

    operations = [
        migrations.RunSQL(
            VECTOR,
            "DROP FUNCTION starmap_search_query(text); DROP FUNCTION starmap_search_vector(text);",
        ),
        migrations.RunSQL(INDEX, "DROP INDEX creator_search;"),
    ]
