# The account kinds of both the agencies and the incentive programmes (their migrations were written side by side).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0001_agencies_and_representations"),
        ("brands", "0005_brand_legal_name_and_tax_id"),
        ("creators", "0012_conversion_index"),
        ("orders", "0010_contests"),
        ("payouts", "0008_agency_accounts_and_shares"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="account",
            name="account_owner_matches_kind",
        ),
        migrations.AlterField(
            model_name="account",
            name="kind",
            field=models.CharField(
                choices=[
                    ("brand_available", "Brand available"),
                    ("brand_held", "Brand held"),
                    ("order_escrow", "Order escrow"),
                    ("creator_pending", "Creator pending"),
                    ("creator_available", "Creator available"),
                    ("platform_fees", "Platform fees"),
                    ("provider", "Payment provider (outside world)"),
                    ("incentives", "Incentives fund"),
                    ("incentives_held", "Incentive programme budgets held"),
                    ("agency_pending", "Agency pending"),
                    ("agency_available", "Agency available"),
                ],
                max_length=20,
            ),
        ),
        migrations.AddConstraint(
            model_name="account",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        models.Q(
                            ("brand__isnull", False),
                            ("kind__in", ["brand_available", "brand_held"]),
                            ("creator__isnull", True),
                            ("order__isnull", True),
                        ),
                        models.Q(
                            ("kind", "order_escrow"),
                            ("order__isnull", False),
                            ("brand__isnull", True),
                            ("creator__isnull", True),
                        ),
                        models.Q(
                            ("creator__isnull", False),
                            ("kind__in", ["creator_pending", "creator_available"]),
                            ("brand__isnull", True),
                            ("order__isnull", True),
                        ),
                        models.Q(
                            ("kind__in", ["platform_fees", "provider", "incentives", "incentives_held"]),
                            ("brand__isnull", True),
                            ("creator__isnull", True),
                            ("order__isnull", True),
                        ),
                        models.Q(
                            ("agency__isnull", False),
                            ("kind__in", ["agency_pending", "agency_available"]),
                            ("brand__isnull", True),
                            ("creator__isnull", True),
                            ("order__isnull", True),
                        ),
                        _connector="OR",
                    ),
                    models.Q(
                        ("agency__isnull", True), ("kind__in", ["agency_pending", "agency_available"]), _connector="OR"
                    ),
                ),
                name="account_owner_matches_kind",
            ),
        ),
    ]
