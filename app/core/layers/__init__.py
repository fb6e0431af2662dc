"""The three layers' records and the rules every record obeys, independent of storage."""
