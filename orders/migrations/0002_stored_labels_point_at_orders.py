"""Every stored reference to a moved model by its app label now names ``orders`` (issue 12).

- ``django_content_type``: the rows are renamed in place, so their ids — and with them the permissions,
  group grants and admin log entries that point at them — survive the move.
- ``payouts.IdempotencyKey.result_type``: ``_replay`` loads the first answer by this label, so a key
  stored before the move must name the model where it lives now.
- ``marketplace.AuditLog.object_type``: the audit trail of a collaboration stays findable by its label.

The outbox's payloads carry ids only. Reversible: the reverse names ``marketplace`` again.
"""

from django.db import migrations

MOVED = (
    "order",
    "ordertargetlabel",
    "orderevent",
    "collaboration",
    "collaborationevent",
    "deliverable",
    "dispute",
    "resultsnapshot",
)


def _relabel(apps, *, old: str, new: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    idempotency_key = apps.get_model("payouts", "IdempotencyKey")
    audit_log = apps.get_model("marketplace", "AuditLog")
    for model in MOVED:
        if content_type.objects.filter(app_label=old, model=model).exists():
            # A row under the new label can only be one post_migrate made (with its default permissions)
            # before this ran; the deployed row, with its history, is the one to keep.
            content_type.objects.filter(app_label=new, model=model).delete()
            content_type.objects.filter(app_label=old, model=model).update(app_label=new)
        idempotency_key.objects.filter(result_type=f"{old}.{model}").update(result_type=f"{new}.{model}")
        audit_log.objects.filter(object_type=f"{old}.{model}").update(object_type=f"{new}.{model}")


def forwards(apps, schema_editor):
    _relabel(apps, old="marketplace", new="orders")


def backwards(apps, schema_editor):
    _relabel(apps, old="orders", new="marketplace")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("marketplace", "0009_deal_models_moved_to_orders"),
        ("orders", "0001_initial"),
        ("payouts", "0003_deal_references_point_at_orders"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
