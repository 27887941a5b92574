"""Every write of the platform package: accounts and orders. One module per domain."""
