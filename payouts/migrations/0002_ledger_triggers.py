"""PostgreSQL enforces the ledger: balanced transactions, matching currencies, append-only rows.

- A DEFERRABLE INITIALLY DEFERRED constraint trigger checks, at COMMIT, that every transaction
  that received entries (and every new transaction) has at least two legs and that its legs sum
  to zero in each currency.
- A BEFORE INSERT trigger refuses an entry whose currency is not its account's.
- BEFORE UPDATE OR DELETE triggers refuse any change to a posted entry or transaction.

(CHECK amount <> 0 and CHECK balance >= 0 are model constraints in 0001.) TRUNCATE is left to
the database owner: test runners reset tables with it.
"""

from django.db import migrations

FORWARD = r"""
CREATE FUNCTION payouts_ledger_check_balanced() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    tx_id bigint;
    legs integer;
    bad record;
BEGIN
    IF TG_TABLE_NAME = 'payouts_ledgerentry' THEN
        tx_id := NEW.transaction_id;
    ELSE
        tx_id := NEW.id;
    END IF;
    SELECT count(*) INTO legs FROM payouts_ledgerentry WHERE transaction_id = tx_id;
    IF legs < 2 THEN
        RAISE EXCEPTION 'ledger transaction % has % leg(s); at least two are required', tx_id, legs
            USING ERRCODE = 'check_violation';
    END IF;
    FOR bad IN
        SELECT currency, sum(amount) AS total FROM payouts_ledgerentry
        WHERE transaction_id = tx_id GROUP BY currency HAVING sum(amount) <> 0
    LOOP
        RAISE EXCEPTION 'ledger transaction % does not balance: its % legs sum to %', tx_id, bad.currency, bad.total
            USING ERRCODE = 'check_violation';
    END LOOP;
    RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER payouts_ledgerentry_balanced
    AFTER INSERT ON payouts_ledgerentry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION payouts_ledger_check_balanced();

CREATE CONSTRAINT TRIGGER payouts_ledgertransaction_balanced
    AFTER INSERT ON payouts_ledgertransaction
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION payouts_ledger_check_balanced();

CREATE FUNCTION payouts_ledger_check_currency() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    account_currency varchar(3);
BEGIN
    SELECT currency INTO account_currency FROM payouts_account WHERE id = NEW.account_id;
    IF account_currency IS DISTINCT FROM NEW.currency THEN
        RAISE EXCEPTION 'ledger entry in % posted to account % kept in %', NEW.currency, NEW.account_id, account_currency
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER payouts_ledgerentry_currency
    BEFORE INSERT ON payouts_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION payouts_ledger_check_currency();

CREATE FUNCTION payouts_ledger_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE TRIGGER payouts_ledgerentry_append_only
    BEFORE UPDATE OR DELETE ON payouts_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION payouts_ledger_append_only();

CREATE TRIGGER payouts_ledgertransaction_append_only
    BEFORE UPDATE OR DELETE ON payouts_ledgertransaction
    FOR EACH ROW EXECUTE FUNCTION payouts_ledger_append_only();
"""

REVERSE = r"""
DROP TRIGGER IF EXISTS payouts_ledgertransaction_append_only ON payouts_ledgertransaction;
DROP TRIGGER IF EXISTS payouts_ledgerentry_append_only ON payouts_ledgerentry;
DROP FUNCTION IF EXISTS payouts_ledger_append_only();
DROP TRIGGER IF EXISTS payouts_ledgerentry_currency ON payouts_ledgerentry;
DROP FUNCTION IF EXISTS payouts_ledger_check_currency();
DROP TRIGGER IF EXISTS payouts_ledgertransaction_balanced ON payouts_ledgertransaction;
DROP TRIGGER IF EXISTS payouts_ledgerentry_balanced ON payouts_ledgerentry;
DROP FUNCTION IF EXISTS payouts_ledger_check_balanced();
"""


class Migration(migrations.Migration):
    dependencies = [("payouts", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
