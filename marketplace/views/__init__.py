"""HTML views of the platform package: accounts and home (accounts.py), orders (orders.py)."""
