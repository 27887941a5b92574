"""Recompute the ledger and compare: `manage.py ledger_verify` exits 1 if anything disagrees."""

from django.core.management.base import BaseCommand, CommandError

from marketplace.core import format_money
from payouts import selectors


class Command(BaseCommand):
    help = (
        "Recompute every account balance from its entries and compare with the cached balance; check that "
        "entries sum to zero per currency and per transaction, and that balances match holds, top-ups and "
        "payouts. Prints each difference; exits non-zero if there is any."
    )

    def handle(self, *args, **options):
        overview, problems = selectors.ledger_check()
        for currency in overview:
            self.stdout.write(f"{currency.currency}:")
            for kind in currency.kinds:
                self.stdout.write(
                    f"  {kind.kind:<18} {kind.accounts:>7} accounts  {format_money(kind.balance, currency.currency)}"
                )
            self.stdout.write(f"  {'sum':<18} {'':>16}  {format_money(currency.cached_total, currency.currency)}")
        for problem in problems:
            self.stdout.write(self.style.ERROR(problem))
        if problems:
            raise CommandError(f"{len(problems)} difference(s) found")
        self.stdout.write(self.style.SUCCESS("Ledger verified: 0 differences."))
