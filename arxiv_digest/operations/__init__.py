"""Running many papers and many days: batches, the plan of what is left to do, backfill and audit rows."""
