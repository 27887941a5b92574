"""Stored Taiwan, Hong Kong and Macao codes in the form REGION_FORM_TW_HK_MO names (one list per
deployment); `manage.py normalise_regions` does the same after the setting changes."""

from django.db import migrations


def normalise(apps, schema_editor):
    from marketplace.core.audience import normalise_stored_regions

    normalise_stored_regions(
        creators=apps.get_model("creators", "Creator"),
        brands=apps.get_model("brands", "Brand"),
        orders=apps.get_model("orders", "Order"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0002_stored_labels_point_at_orders"),
        ("creators", "0008_platform_handle_load_unknown_metrics"),
        ("brands", "0003_brandblock"),
    ]

    operations = [migrations.RunPython(normalise, migrations.RunPython.noop)]
