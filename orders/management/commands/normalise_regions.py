"""`manage.py normalise_regions`: stored Taiwan, Hong Kong and Macao codes in the deployment's form.

Run it after changing REGION_FORM_TW_HK_MO (the migration that introduced the setting ran it once).
"""

from django.core.management.base import BaseCommand

from brands.models import Brand
from creators.models import Creator
from marketplace.core.audience import normalise_stored_regions, region_form
from orders.models import Order


class Command(BaseCommand):
    help = "Rewrite stored TW/HK/MO or CN-TW/CN-HK/CN-MO codes to the form REGION_FORM_TW_HK_MO names."

    def handle(self, *args, **options):
        changed = normalise_stored_regions(creators=Creator, brands=Brand, orders=Order)
        self.stdout.write(f"{changed} row(s) changed to the {region_form()!r} form.")
